"""A bare Bolt app for the acknowledgement benchmark: the same requests, no-op listeners.

    SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... SLACK_API_URL=... PORT=3001 \\
        python -m benchmarks.bare_app

Registers what `benchmarks.ack_load` sends (/assist, /sells, the "open the form" button,
referral moves, reaction_added and _removed) with listeners that only ack, and serves them exactly as
`everybody-sells run` does in HTTP mode: waitress with `HTTP_THREADS` threads, Bolt's WSGI
adapter at /slack/events (plus /healthz), signature checks on, the token verified with
`auth.test` against `SLACK_API_URL`, and a listener pool of the same size. What is left
is the floor: Bolt's and waitress's own cost per request.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import serve

from bot.blocks.assists import OPEN_ASSIST_MODAL_ACTION
from bot.blocks.referrals import MOVE_ACTION
from bot.settings import SettingsError, load_settings
from bot.slack.client import build_client
from bot.workers import listening_socket, supervise

EVENTS_PATH = "/slack/events"

# Same size as bot.app.create_app's default listener pool.
LISTENER_THREADS = 16


def ack_only(ack: Ack) -> None:
    ack()


def nothing() -> None:
    """Events are acked by Bolt before the listener runs."""


def create_bare_app() -> App:
    settings = load_settings()
    settings.require_slack()
    app = App(
        client=build_client(settings),
        signing_secret=settings.signing_secret or "",
        logger=logging.getLogger("bare_bolt"),
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    app.command("/assist")(ack_only)
    app.command("/sells")(ack_only)
    app.action(OPEN_ASSIST_MODAL_ACTION)(ack_only)
    app.action(re.compile(f"^{MOVE_ACTION}_"))(ack_only)
    app.event("reaction_added")(nothing)
    app.event("reaction_removed")(nothing)
    return app


def wsgi_app(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    """bot.runner.wsgi_app, copied: importing bot.runner would load every handler."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        settings = load_settings()
        app = create_bare_app()
    except SettingsError as problem:
        print(f"bare_app: configuration error: {problem}", file=sys.stderr)
        return 2
    if settings.worker_processes == 1:
        serve(
            wsgi_app(app),
            host="127.0.0.1",
            port=settings.port,
            threads=settings.http_threads,
            ident="bare-bolt",
        )
        return 0

    def worker(_index: int, ready: Callable[[], None]) -> None:
        # As `run` does: the workers share the port, each with its own app and client.
        application = wsgi_app(create_bare_app())
        ready()
        serve(
            application,
            sockets=[listening_socket(settings.port)],
            threads=settings.http_threads,
            ident="bare-bolt",
        )

    return supervise(settings.worker_processes, worker)


if __name__ == "__main__":
    sys.exit(main())

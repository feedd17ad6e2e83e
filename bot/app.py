"""Builds the Bolt app; never at import time, so importing costs no Slack call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Directory
from bot.listener_pool import ListenerPool
from bot.settings import Settings
from bot.slack_client import build_client
from handlers import register_all
from handlers.services import Services


class KeptAck(Ack):
    """An ack that stays sent. When a listener raises after calling ack(), Bolt 1.30 sets
    ack.response back to None; if that happens before the request thread's 10 ms poll saw
    the ack, Slack gets a 404 for a request that was answered."""

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or getattr(self, "_response", None) is None:
            self._response = value


def before_listeners(context: BoltContext, body: dict, next: Callable[[], None]) -> None:
    """Global middleware, on the thread that dispatches the request."""
    context["ack"] = KeptAck()
    # Bolt has already acked an Events API delivery: its listener can wait for a thread.
    ListenerPool.mark_request(is_event=body.get("type") == "event_callback")
    next()


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient | None = None,
    listener_threads: int = 16,
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app with every listener registered, signature checks on, retries on 429."""
    pool = listener_executor or ListenerPool(listener_threads)
    app = App(
        # The token travels in the client, which carries our base URL and 429 retries.
        client=client or build_client(settings),
        signing_secret=settings.signing_secret or "",
        logger=logging.getLogger("everybody_sells.bolt"),
        # Listeners ack first, then make their Slack calls on this pool.
        listener_executor=pool,
    )
    app.use(before_listeners)
    services = Services(settings=settings, sessions=sessions, directory=Directory(sessions))
    if isinstance(pool, ListenerPool):
        services = replace(services, defer=pool.defer)
    register_all(app, services)
    return app

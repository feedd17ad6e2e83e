"""Builds the Bolt app; never at import time, so importing costs no Slack call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from datetime import timedelta
from functools import partial

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox import Accepted, EventInbox, InboxSettings
from bot.listener_pool import ListenerPool
from bot.services import ANSWER_PATIENCE_SECONDS, Services
from bot.settings import Settings
from bot.slack.client import build_client
from bot.slack.directory import Directory
from bot.slack.messages import respond_at
from bot.verification import (
    SIGNATURE_WARNING,
    MalformedPayload,
    allowed_response_url,
    check_shape,
    signature_problem,
)
from bot.workers import worker_name
from handlers import register_all
from models.user_text import clean_text

logger = logging.getLogger(__name__)


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


class SlackApp(App):
    """Bolt's App, refusing a request whose signature headers are missing or malformed
    before Bolt's own check, which raises on a timestamp that is not a number (and a
    raise would reach the error handler with the unverified body)."""

    def __init__(self, *, team_id: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._secret = str(kwargs.get("signing_secret") or "")
        self.team_id = team_id  # the workspace this bot is installed in
        self.services: Services | None = None  # set once the listeners are registered

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if req.mode != "socket_mode":
            problem = signature_problem(
                self._secret,
                _header(req, "x-slack-request-timestamp"),
                _header(req, "x-slack-signature"),
                req.raw_body.encode(),
                time.time(),
            )
            if problem:
                logger.warning("%s (%s); check SLACK_SIGNING_SECRET", SIGNATURE_WARNING, problem)
                return BoltResponse(status=401, body={"error": "invalid request"})
            try:
                check_shape(req.body)  # what Bolt reads before any listener runs
            except MalformedPayload as malformed:
                logger.warning("refused a signed request with a malformed body: %s", malformed)
                return BoltResponse(status=400, body={"error": str(malformed)})
        return super().dispatch(req)


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None


class Guard(Middleware):
    """The global middleware, on the thread that dispatches a verified request. A class,
    not a function: Bolt calls a function middleware through its argument injection,
    which costs every request more than the checks here."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        services, context, body = self.services, req.context, req.body
        context["ack"] = KeptAck()
        context["services"] = services
        if context.team_id and context.team_id != services.team_id:
            logger.warning(
                "ignored a request for workspace %s; this bot is installed in %s",
                context.team_id,
                services.team_id,
            )
            return BoltResponse(status=200, body="")
        if isinstance(body.get("command"), str) and isinstance(body.get("text"), str):
            body["text"] = clean_text(body["text"])  # commands' `command` kwarg is this body
        url = context.response_url
        if url and not allowed_response_url(url, services.settings.slack_api_url):
            context["respond"] = respond_at(url, services.settings.slack_api_url)
        is_event = body.get("type") == "event_callback"
        if is_event and services.inbox.handles(body["event"].get("type", "")):
            work_now = not services.overloaded()  # else the inbox's retrier works it later
            accepted, item = services.inbox.accept(context.team_id or "", body, work_now=work_now)
            if accepted == Accepted.REFUSED:
                return BoltResponse(status=503, body="")
            if accepted != Accepted.NEW:
                return BoltResponse(status=200, body="")
            context["inbox_item"] = item
        # Bolt has already acked an Events API delivery: its listener can wait for a thread.
        ListenerPool.mark_request(is_event=is_event)
        next()
        return None


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient | None = None,
    listener_threads: int = 16,
    listener_executor: Executor | None = None,
    inbox: EventInbox | None = None,
) -> SlackApp:
    """A Bolt app with every listener registered, signature checks on, retries on 429."""
    pool = listener_executor or ListenerPool(listener_threads)
    # The token travels in the client, which carries our base URL and 429 retries.
    client = client or build_client(settings)
    identity = client.auth_test()
    app = SlackApp(
        team_id=identity["team_id"],
        client=client,
        signing_secret=settings.signing_secret or "",
        logger=logging.getLogger("everybody_sells.bolt"),
        # Listeners ack first, then make their Slack calls on this pool.
        listener_executor=pool,
    )
    services = Services(
        settings=settings,
        sessions=sessions,
        directory=Directory(sessions),
        client=client,
        team_id=app.team_id,
        inbox=inbox or EventInbox(sessions, worker_name(), inbox_settings(settings)),
        bot_user_id=identity.get("user_id") or "",
    )
    if isinstance(pool, ListenerPool):
        services = replace(
            services,
            defer=pool.defer,
            overloaded=partial(overloaded, pool),
            busy=partial(busy, pool),
        )
        services.inbox.feed(pool.defer_event, pool.wait_for_room)
    app.use(Guard(services))
    register_all(app, services)
    app.services = services
    return app


def overloaded(pool: ListenerPool) -> bool:
    return pool.overloaded


def busy(pool: ListenerPool) -> bool:
    return pool.overloaded or pool.answer_wait() > ANSWER_PATIENCE_SECONDS


def inbox_settings(settings: Settings) -> InboxSettings:
    return InboxSettings(
        hold=timedelta(seconds=settings.inbox_hold_seconds),
        retry_seconds=settings.inbox_retry_seconds,
        poll_seconds=min(5.0, max(settings.inbox_retry_seconds, 0.05)),
        give_up_after=timedelta(hours=settings.inbox_give_up_hours),
    )

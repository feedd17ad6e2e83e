"""Fixtures: a fresh database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL),
a Slack stand-in on localhost, and the real Bolt app wired to both."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

import pytest
from slack_bolt import App
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.inbox import EventInbox, InboxSettings
from bot.listener_pool import ListenerPool
from bot.settings import Settings
from models.database import make_engine, make_session_factory, upgrade
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn
from tests.workspace import RECOGNITION, populate

SIGNING_SECRET = "test-signing-secret"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A database nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """Slack's Web API on localhost. Like Slack, it refuses a message or view over Slack's
    limits (`invalid_blocks`); a test that caused one fails, whatever else it checked."""
    server = SlackStandIn().start()
    populate(server)
    yield server
    server.stop()
    assert server.state.invalid == [], f"Slack would refuse: {server.state.invalid}"


@pytest.fixture
def settings(standin: SlackStandIn, database_url: str) -> Settings:
    return Settings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        database_url=database_url,
        recognition_channel=RECOGNITION,
    )


class TrackingExecutor(ListenerPool):
    """The listener pool, with a way to wait until every listener has finished."""

    def __init__(self) -> None:
        super().__init__(workers=8, thread_name_prefix="test-listener")

    def settle(self, timeout: float = 10) -> None:
        assert self.wait_idle(timeout), f"listeners still busy after {timeout} s"


@pytest.fixture
def listeners() -> Iterator[TrackingExecutor]:
    executor = TrackingExecutor()
    yield executor
    executor.shutdown(wait=True)


# The inbox as tests run it: quick retries, and a hold long enough that nothing a test
# holds up (a slow Slack) is taken over by the retrier while its listener still works.
TEST_INBOX = InboxSettings(
    hold=timedelta(seconds=30),
    retry_seconds=0.05,
    poll_seconds=0.1,
    give_up_after=timedelta(hours=1),
)


@pytest.fixture
def inbox_settings() -> InboxSettings:
    return TEST_INBOX


@pytest.fixture
def inbox(sessions: sessionmaker[Session], inbox_settings: InboxSettings) -> Iterator[EventInbox]:
    """The events inbox with its retrier running, as `everybody-sells run` has it."""
    events = EventInbox(sessions, "test-worker", inbox_settings)
    events.start()
    yield events
    events.stop(flush_seconds=1)


@pytest.fixture
def make_app(
    sessions: sessionmaker[Session],
    settings: Settings,
    listeners: TrackingExecutor,
    inbox: EventInbox,
) -> Callable[..., App]:
    """Build the app, optionally with some settings changed."""

    def build(**changes: object) -> App:
        return create_app(
            replace(settings, **changes), sessions, listener_executor=listeners, inbox=inbox
        )

    return build


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture
def slack(app: App, standin: SlackStandIn, listeners: TrackingExecutor) -> SlackRequests:
    """Signed requests into the app; `slack.settle()` waits for listeners to finish."""
    return SlackRequests(app, standin, SIGNING_SECRET, settle=listeners.settle)


def eventually(check: Callable[[], object], timeout: float = 5.0) -> object:
    """Poll until `check()` is truthy: listeners keep working after the ack."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)

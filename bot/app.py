"""Builds the Bolt app; never at import time, so importing costs no Slack call."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Directory
from bot.settings import Settings
from bot.slack_client import build_client
from handlers import register_all
from handlers.services import Services


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient | None = None,
    listener_threads: int = 16,
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app with every listener registered, signature checks on, retries on 429."""
    app = App(
        # The token travels in the client, which carries our base URL and 429 retries.
        client=client or build_client(settings),
        signing_secret=settings.signing_secret or "",
        logger=logging.getLogger("everybody_sells.bolt"),
        # Listeners ack first, then make their Slack calls on this pool.
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    )
    register_all(app, Services(settings=settings, sessions=sessions, directory=Directory(sessions)))
    return app

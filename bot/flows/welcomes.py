"""Welcoming new people: one DM each, ever, with the directory and what is coming up."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.onboarding import welcome
from bot.services import Services
from bot.settings import Settings
from bot.slack.delivery import run_clock, send_once
from bot.slack.directory import person_from_user
from models.base import utcnow
from models.departments import directory
from models.inbox import InboxItem
from models.knowledge_sessions import session_info, upcoming
from models.people import save_person

logger = logging.getLogger(__name__)


def send_welcomes(
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    user_ids: Iterable[str],
    now: datetime | None = None,
    *,
    settings: Settings,
) -> int:
    """Welcome each person once, ever: joining twice or a re-import sends nothing new.
    Claims hold for the settings' claim_lease; the welcome names their assist emoji."""
    now = now or utcnow()
    with sessions() as session:
        text, blocks = welcome(
            directory(session, team_id),
            [session_info(t) for t in upcoming(session, team_id, now, limit=3)],
            reaction=settings.assist_emoji,
        )
    sent, clock = 0, run_clock(now)
    for user_id in user_ids:
        if send_once(
            sessions,
            client,
            team_id,
            f"welcome:{user_id}",
            user_id,
            text,
            blocks,
            now=clock(),
            lease=settings.claim_lease,
        ):
            sent += 1
    return sent


def welcome_newcomer(services: Services, client: WebClient, item: InboxItem) -> None:
    """Someone joined the workspace: remember them and send the welcome, once."""
    user = item.body["event"].get("user") or {}
    info = person_from_user(user) if isinstance(user, dict) and user.get("id") else None
    if info is None or not info.creditable:
        return
    with services.sessions.begin() as session:
        save_person(session, item.team_id, info)
    send_welcomes(
        services.sessions, client, item.team_id, [info.user_id], settings=services.settings
    )
    logger.info("welcomed %s", info.user_id)

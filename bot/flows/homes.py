"""Publishing App Home: when it is opened, and again when someone's data changes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import home_view
from bot.faults import describe
from bot.services import Services
from models.base import utcnow
from models.home import build_home, home_openers, mark_home_opened
from models.inbox import InboxItem

logger = logging.getLogger(__name__)


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    settings = services.settings
    now = utcnow()
    with services.sessions() as session:
        data = build_home(
            session,
            team_id,
            user_id,
            now,
            settings.timezone,
            is_admin=services.is_admin(user_id),
            sla=timedelta(hours=settings.referral_sla_hours),
            sales_department=settings.sales_department,
            cadence_days=settings.session_cadence_days,
        )
    try:
        client.views_publish(user_id=user_id, view=home_view(data, now))
    except SlackApiError as error:
        logger.warning("home for %s not published: %s", user_id, error.response.get("error"))


def refresh_homes(
    services: Services, client: WebClient, team_id: str, user_ids: Iterable[str]
) -> None:
    """Re-publish the Home of those among `user_ids` who use it; the others cost nothing."""
    with services.sessions() as session:
        openers = home_openers(session, team_id, sorted(set(user_ids)))
    publish_homes(services, client, team_id, openers)


def publish_homes(
    services: Services, client: WebClient, team_id: str, openers: Iterable[str]
) -> None:
    """Re-publish Homes for `openers`, found by home_openers in the caller's transaction.

    This runs after a change is saved: a failure is logged, never raised, so the person
    is not told to try again what was recorded."""
    for user_id in openers:
        try:
            publish_home(services, client, team_id, user_id)
        except Exception as error:
            logger.warning("home for %s not refreshed: %s", user_id, describe(error))


def show_home(services: Services, client: WebClient, item: InboxItem) -> None:
    """Someone opened the bot's Home tab: note that they use it, and publish it."""
    event = item.body["event"]
    if event.get("tab") != "home":
        return
    with services.sessions.begin() as session:
        mark_home_opened(session, item.team_id, event["user"], utcnow())
    publish_home(services, client, item.team_id, event["user"])

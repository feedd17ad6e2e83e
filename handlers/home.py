"""App Home: published when someone opens it and refreshed when their data changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import HOME_LESSON_ACTION, HOME_REFERRAL_ACTION, HOME_SESSION_ACTION, home_view
from bot.blocks.lessons import lesson_modal
from bot.blocks.referrals import referral_modal
from bot.blocks.sessions import session_modal
from handlers.services import Services
from models.base import utcnow
from models.home import build_home, home_openers, mark_home_opened
from models.people import find_person
from models.stats import departments

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
    for user_id in openers:
        publish_home(services, client, team_id, user_id)


def home_opened(services: Services) -> Callable[..., None]:
    def handle(event: dict, client: WebClient, context: dict) -> None:
        if event.get("tab") != "home":
            return
        team_id, user_id = context["team_id"], event["user"]
        with services.sessions.begin() as session:
            mark_home_opened(session, team_id, user_id, utcnow())
        publish_home(services, client, team_id, user_id)

    return handle


def open_referral(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        view = referral_modal(None, has_queue=bool(services.settings.referral_queue))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle


def open_session(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
        ack()
        user_id, team_id = body["user"]["id"], context["team_id"]
        with services.sessions() as session:
            known = departments(session, team_id)
            me = find_person(session, team_id, user_id)
        view = session_modal(
            departments=known,
            creator=user_id,
            creator_department=me.department if me else None,
            default_channel=services.settings.session_channel,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle


def open_lesson(ack: Ack, body: dict, client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=lesson_modal(None))


def register(app: App, services: Services) -> None:
    app.event("app_home_opened")(home_opened(services))
    app.action(HOME_REFERRAL_ACTION)(open_referral(services))
    app.action(HOME_SESSION_ACTION)(open_session(services))
    app.action(HOME_LESSON_ACTION)(open_lesson)

"""App Home: published when someone opens it and refreshed when their data changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.home import HOME_LESSON_ACTION, HOME_REFERRAL_ACTION, HOME_SESSION_ACTION
from bot.blocks.lessons import lesson_modal
from bot.blocks.referrals import referral_modal
from handlers.events import process_event
from handlers.home_tab import publish_home
from handlers.services import Services
from handlers.sessions import schedule_form
from models.base import utcnow
from models.home import mark_home_opened
from models.inbox import InboxItem

logger = logging.getLogger(__name__)


def show_home(services: Services, client: WebClient, item: InboxItem) -> None:
    """Someone opened the bot's Home tab: note that they use it, and publish it."""
    event = item.body["event"]
    if event.get("tab") != "home":
        return
    with services.sessions.begin() as session:
        mark_home_opened(session, item.team_id, event["user"], utcnow())
    publish_home(services, client, item.team_id, event["user"])


def open_referral(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        view = referral_modal(None, has_queue=bool(services.settings.referral_queue))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle


def open_session(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
        ack()
        view = schedule_form(services, context["team_id"], body["user"]["id"])
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle


def open_lesson(ack: Ack, body: dict, client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=lesson_modal(None))


def register(app: App, services: Services) -> None:
    services.inbox.register("app_home_opened", partial(show_home, services, services.client))
    app.event("app_home_opened")(process_event)
    app.action(HOME_REFERRAL_ACTION)(open_referral(services))
    app.action(HOME_SESSION_ACTION)(open_session(services))
    app.action(HOME_LESSON_ACTION)(open_lesson)

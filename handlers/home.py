"""App Home: published when someone opens it and refreshed when their data changes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.home import HOME_LESSON_ACTION, HOME_REFERRAL_ACTION, HOME_SESSION_ACTION
from bot.blocks.lessons import lesson_modal
from bot.blocks.referrals import referral_modal
from bot.services import Services
from handlers.sessions import schedule_form

logger = logging.getLogger(__name__)


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
    app.action(HOME_REFERRAL_ACTION)(open_referral(services))
    app.action(HOME_SESSION_ACTION)(open_session(services))
    app.action(HOME_LESSON_ACTION)(open_lesson)

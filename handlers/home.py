"""App Home's buttons: each opens its form. (Publishing the Home is bot/flows/homes.py.)"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import HOME_LESSON_ACTION, HOME_REFERRAL_ACTION, HOME_SESSION_ACTION
from bot.blocks.lessons import lesson_modal
from bot.blocks.referrals import referral_modal
from bot.flows.sessions import schedule_form
from bot.services import Services


def open_referral(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The "Pass a referral" button: the referral form."""
    ack()
    services: Services = context["services"]
    view = referral_modal(None, has_queue=bool(services.settings.referral_queue))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_session(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The "Schedule a session" button: the scheduling form."""
    ack()
    view = schedule_form(context["services"], context["team_id"], body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_lesson(ack: Ack, body: dict, client: WebClient) -> None:
    """The "Share a lesson" button: the lesson form."""
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=lesson_modal(None))


def register(app: App, services: Services) -> None:
    app.action(HOME_REFERRAL_ACTION)(open_referral)
    app.action(HOME_SESSION_ACTION)(open_session)
    app.action(HOME_LESSON_ACTION)(open_lesson)

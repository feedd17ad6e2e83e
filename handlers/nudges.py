"""Buttons on the manager nudge: say thanks, snooze for a week, stop; `/sells nudges on|off`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.nudges import SNOOZE_ACTION, STOP_ACTION, THANKS_ACTION, thanks_message
from bot.blocks.text import slack_date
from bot.forms import action_number
from bot.services import Services
from bot.slack.messages import post_message
from models.base import utcnow
from models.nudges import record_thanks, set_nudges

logger = logging.getLogger(__name__)


def thanks_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        manager = body["user"]["id"]
        with services.sessions.begin() as session:
            credit, new = record_thanks(session, context["team_id"], manager, action_number(action))
            assist = credit.assist if credit else None
        if credit is None or assist is None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text="You can thank only your own reports here.",
            )
            return
        if not new:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=f"You already thanked <@{credit.recipient_id}> for this one.",
            )
            return
        post_message(
            client,
            channel=credit.recipient_id,
            text=thanks_message(manager, credit.kind, assist.description, assist.is_private),
        )
        logger.info("manager %s thanked %s for credit %s", manager, credit.recipient_id, credit.id)
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f":white_check_mark: Sent your thanks to <@{credit.recipient_id}>.",
        )

    return handle


def snooze_action(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, respond: Respond, context: dict) -> None:
        ack()
        until = utcnow() + timedelta(days=7)
        with services.sessions.begin() as session:
            set_nudges(session, context["team_id"], body["user"]["id"], snooze_until=until)
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"Snoozed: no nudges until {slack_date(until)}. "
            "`/sells nudges on` brings them back sooner.",
        )

    return handle


def stop_action(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, respond: Respond, context: dict) -> None:
        ack()
        with services.sessions.begin() as session:
            set_nudges(session, context["team_id"], body["user"]["id"], stopped=True)
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="Stopped. Turn weekly nudges back on with `/sells nudges on`.",
        )

    return handle


def nudges_subcommand(services: Services, words: list[str], user_id: str, team_id: str) -> str:
    """`/sells nudges on|off`: the answer to show."""
    choice = words[1].lower() if len(words) > 1 else ""
    if choice not in {"on", "off"}:
        return (
            "Usage: `/sells nudges on` or `/sells nudges off` (the weekly DM about your reports)."
        )
    with services.sessions.begin() as session:
        set_nudges(session, team_id, user_id, stopped=choice == "off")
    return (
        "Weekly nudges are on."
        if choice == "on"
        else "Weekly nudges are off. `/sells nudges on` brings them back."
    )


def register(app: App, services: Services) -> None:
    app.action(THANKS_ACTION)(thanks_action(services))
    app.action(SNOOZE_ACTION)(snooze_action(services))
    app.action(STOP_ACTION)(stop_action(services))

"""Buttons on the manager nudge: say thanks, snooze for a week, stop.

Listeners only; what they do lives in bot/flows/nudges.py (with `/sells nudges on|off`)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.nudges import SNOOZE_ACTION, STOP_ACTION, THANKS_ACTION
from bot.flows.nudges import send_thanks, snooze, stop
from bot.forms import action_number
from bot.services import Services


def thanks_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The "Say thanks" button: the report hears it once; the manager sees what happened."""
    ack()
    services: Services = context["services"]
    manager, credit_id = body["user"]["id"], action_number(action)
    reply = send_thanks(services, client, context["team_id"], manager, credit_id)
    respond(response_type="ephemeral", replace_original=False, text=reply)


def snooze_action(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
    """The "Snooze for a week" button."""
    ack()
    reply = snooze(context["services"], context["team_id"], body["user"]["id"])
    respond(response_type="ephemeral", replace_original=False, text=reply)


def stop_action(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
    """The "Stop these" button (after Slack's confirm dialog)."""
    ack()
    reply = stop(context["services"], context["team_id"], body["user"]["id"])
    respond(response_type="ephemeral", replace_original=False, text=reply)


def register(app: App, services: Services) -> None:
    app.action(THANKS_ACTION)(thanks_action)
    app.action(SNOOZE_ACTION)(snooze_action)
    app.action(STOP_ACTION)(stop_action)

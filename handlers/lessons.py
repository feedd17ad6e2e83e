"""Lessons from loud mistakes: the form behind `/sells lesson` and the Home button."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.lessons import LESSON_MODAL
from bot.flows.lessons import lesson_errors, share_lesson
from bot.forms import view_values
from bot.services import Services


def lesson_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The lesson form: checked before the ack, then recorded and the giver thanked."""
    services: Services = context["services"]
    values = view_values(view)
    giver = body["user"]["id"]
    if errors := lesson_errors(services, context["team_id"], giver, values):
        ack(response_action="errors", errors=errors)
        return
    ack()
    share_lesson(services, client, context["team_id"], giver, values, view)


def register(app: App, services: Services) -> None:
    app.view(LESSON_MODAL)(lesson_submission)

"""New people get a welcome; pulse answers are recorded; org imports welcome newcomers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.onboarding import PULSE_ACTION, PULSE_MODAL, pulse_modal
from bot.forms import view_metadata, view_values
from bot.services import Services
from bot.slack.messages import tell
from models.base import utcnow
from models.pulse import ANSWER_LENGTH, record_answer

logger = logging.getLogger(__name__)


def pulse_answer_action(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=pulse_modal(action["value"]))


def pulse_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        answer = values.get("answer") or ""
        if not answer or len(answer) > ANSWER_LENGTH:
            ack(
                response_action="errors",
                errors={"answer": f"Write up to {ANSWER_LENGTH} characters."},
            )
            return
        ack()
        user_id = body["user"]["id"]
        period = view_metadata(view).get("period", "")
        share = "share" in (values.get("share") or [])
        with services.sessions.begin() as session:
            saved = record_answer(
                session, context["team_id"], user_id, period, answer, share, utcnow()
            )
        reply = (
            "Thank you! That's what everybody sells is about."
            if saved
            else "This question has expired, but thank you!"
        )
        if saved and share:
            reply += " It may feature in the next digest."
        tell(client, user_id, None, reply)

    return handle


def register(app: App, services: Services) -> None:
    app.action(PULSE_ACTION)(pulse_answer_action)
    app.view(PULSE_MODAL)(pulse_submission(services))

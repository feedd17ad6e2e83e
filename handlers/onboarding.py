"""The customer-passion pulse: its Answer button and form. (Welcomes are bot/flows/welcomes.py;
the weekly question is jobs/onboarding.py.)"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.onboarding import PULSE_ACTION, PULSE_MODAL, pulse_modal
from bot.forms import view_metadata, view_values
from bot.services import Services
from bot.slack.messages import tell
from models.base import utcnow
from models.pulse import ANSWER_LENGTH, record_answer

THANKS = "Thank you! That's what everybody sells is about."
EXPIRED = "This question has expired, but thank you!"


def pulse_answer_action(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
    """The pulse's Answer button: its form, for this week's question."""
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=pulse_modal(action["value"]))


def pulse_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """An answer: empty or too long is a field error; else recorded, and a thank-you."""
    services: Services = context["services"]
    values = view_values(view)
    answer = values.get("answer") or ""
    if not answer or len(answer) > ANSWER_LENGTH:
        ack(response_action="errors", errors={"answer": f"Write up to {ANSWER_LENGTH} characters."})
        return
    ack()
    user_id = body["user"]["id"]
    period = view_metadata(view).get("period", "")
    share = "share" in (values.get("share") or [])
    with services.sessions.begin() as session:
        saved = record_answer(session, context["team_id"], user_id, period, answer, share, utcnow())
    reply = THANKS if saved else EXPIRED
    if saved and share:
        reply += " It may feature in the next digest."
    tell(client, user_id, None, reply)


def register(app: App, services: Services) -> None:
    app.action(PULSE_ACTION)(pulse_answer_action)
    app.view(PULSE_MODAL)(pulse_submission)

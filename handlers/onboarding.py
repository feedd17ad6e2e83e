"""New people get a welcome; pulse answers are recorded; org imports welcome newcomers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.onboarding import PULSE_ACTION, PULSE_MODAL, pulse_modal
from bot.directory import person_from_user
from handlers.events import process_event
from handlers.forms import view_metadata, view_values
from handlers.notify import tell
from handlers.services import Services
from jobs.onboarding import send_welcomes
from models.base import utcnow
from models.inbox import InboxItem
from models.people import save_person
from models.pulse import ANSWER_LENGTH, record_answer

logger = logging.getLogger(__name__)


def welcome_newcomer(services: Services, client: WebClient, item: InboxItem) -> None:
    """Someone joined the workspace: remember them and send the welcome, once."""
    user = item.body["event"].get("user") or {}
    info = person_from_user(user) if isinstance(user, dict) and user.get("id") else None
    if info is None or not info.creditable:
        return
    with services.sessions.begin() as session:
        save_person(session, item.team_id, info)
    send_welcomes(
        services.sessions, client, item.team_id, [info.user_id], settings=services.settings
    )
    logger.info("welcomed %s", info.user_id)


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
    services.inbox.register("team_join", partial(welcome_newcomer, services, services.client))
    app.event("team_join")(process_event)
    app.action(PULSE_ACTION)(pulse_answer_action)
    app.view(PULSE_MODAL)(pulse_submission(services))

"""Lessons from loud mistakes: `/sells lesson` or the Home button, recorded as kind `lesson`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.lessons import LESSON_LENGTHS, LESSON_MODAL, SHARE, lesson_modal, lesson_text
from bot.forms import view_metadata, view_values
from bot.services import Services
from bot.slack.messages import notify_credited, tell
from models.assists import AssistDraft, Kind, Source, record_assist

logger = logging.getLogger(__name__)


def lesson_subcommand(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    """`/sells lesson` opens the form; nothing to say in the channel. In a private
    conversation the story starts private: the person must tick the box to share it."""
    channel_id = command.get("channel_id")
    share = not services.directory.is_private(client, channel_id)
    client.views_open(trigger_id=command["trigger_id"], view=lesson_modal(channel_id, share))
    return "", []


def lesson_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        errors = {
            name: f"Please use at most {limit} characters."
            for name, limit in LESSON_LENGTHS.items()
            if len(values.get(name) or "") > limit
        }
        errors |= {name: "Please fill this in." for name in LESSON_LENGTHS if not values.get(name)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        giver, team_id = body["user"]["id"], context["team_id"]
        involved = values.get("involved") or []
        people = services.directory.people(client, team_id, involved)
        draft = AssistDraft(
            team_id=team_id,
            giver_id=giver,
            recipient_ids=involved,
            kind=Kind.LESSON,
            source=Source.MODAL,
            description=lesson_text(values["experiment"], values["happened"], values["learned"]),
            is_private=SHARE not in (values.get(SHARE) or []),
            dedupe_key=f"view:{view['id']}",
        )
        with services.sessions.begin() as session:
            outcome = record_assist(session, draft, people, services.giving_limit)
        if outcome.assist is None:
            tell(
                client,
                giver,
                None,
                "Your lesson was not recorded: you've reached today's giving limit.",
            )
            return
        if outcome.credited and not outcome.duplicate:
            notify_credited(client, outcome.assist, outcome.credited)
        logger.info("lesson %s shared by %s", outcome.assist.id, giver)
        channel = view_metadata(view).get("channel_id")
        tell(
            client,
            giver,
            channel,
            ":books: Thanks for making a loud mistake. Your lesson will be celebrated in the next digest.",
        )

    return handle


def register(app: App, services: Services) -> None:
    app.view(LESSON_MODAL)(lesson_submission(services))

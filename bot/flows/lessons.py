"""Lessons from loud mistakes, after the listener: the form opened from `/sells lesson`,
its answers checked, the lesson recorded (as kind `lesson`) and those involved told."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.blocks.lessons import LESSON_LENGTHS, SHARE, lesson_modal, lesson_text
from bot.flows.assists import limit_problem
from bot.forms import view_metadata
from bot.services import Services
from bot.slack.messages import notify_credited, tell
from models.assists import AssistDraft, Kind, Source, record_assist

logger = logging.getLogger(__name__)

NOT_RECORDED = "Your lesson was not recorded: you've reached today's giving limit."
THANKS = (
    ":books: Thanks for making a loud mistake. Your lesson will be celebrated in the next digest."
)


def lesson_subcommand(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    """`/sells lesson` opens the form; nothing to say in the channel. In a private
    conversation the story starts private: the person must tick the box to share it."""
    channel_id = command.get("channel_id")
    share = not services.directory.is_private(client, channel_id)
    client.views_open(trigger_id=command["trigger_id"], view=lesson_modal(channel_id, share))
    return "", []


def lesson_errors(services: Services, team_id: str, giver: str, values: dict) -> dict[str, str]:
    """The lesson form's field errors, for the ack: every answer given, none too long, and
    no more people involved than the giver may still credit today (the form stays open,
    so the story typed is not lost)."""
    errors = {
        name: f"Please use at most {limit} characters."
        for name, limit in LESSON_LENGTHS.items()
        if len(values.get(name) or "") > limit
    }
    errors |= {name: "Please fill this in." for name in LESSON_LENGTHS if not values.get(name)}
    others = len({p for p in values.get("involved") or [] if p != giver})
    if others and (problem := limit_problem(services, team_id, giver, others)):
        errors["involved"] = problem
    return errors


def share_lesson(
    services: Services, client: WebClient, team_id: str, giver: str, values: dict, view: dict
) -> None:
    """Record the lesson form (checked already), tell those involved, thank the giver."""
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
        info = outcome.info
    if info is None:
        tell(client, giver, None, NOT_RECORDED)
        return
    if outcome.credited and not outcome.duplicate:
        notify_credited(client, info, outcome.credited)
    logger.info("lesson %s shared by %s", info.id, giver)
    tell(client, giver, view_metadata(view).get("channel_id"), THANKS)

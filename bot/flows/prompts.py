"""Answers to the weekly "Who helped you this week?" DM (handlers/prompts.py, the buttons),
and `/sells prompts on|off`. The DM itself is sent by jobs/prompts.py."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.blocks.prompts import nobody_message, prompt_problem, stopped_message
from bot.flows.assists import outcome_message, recipient_problems, record_and_report
from bot.forms import view_values
from bot.services import Services
from bot.verification import MalformedPayload
from models.assists import AssistDraft, Kind, Source
from models.base import utcnow
from models.prompts import NOTE_LENGTH, PROMPT_KINDS, Answer, opt_in, opt_out, record_answer

logger = logging.getLogger(__name__)

Message = tuple[str, list[dict]]

_PERIOD = re.compile(r"[0-9]{4}-W[0-9]{2}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
USAGE = "Usage: `/sells prompts on` or `/sells prompts off` (the weekly “Who helped you?” DM)."


@dataclass(frozen=True)
class PromptAnswer:
    """[Credit them] under the question: who answered, for which week, and what they said."""

    user_id: str
    period: str
    recipients: list[str]
    kind: Kind
    note: str
    private: bool
    dedupe_key: str  # the question's message: a double click credits once


def prompt_period(action: dict) -> str:
    """The week a button of the question was sent for; MalformedPayload for anything else."""
    value = action.get("value")
    if not (isinstance(value, str) and _PERIOD.fullmatch(value)):
        raise MalformedPayload("a prompt button's value is not a week")
    return value


def read_prompt_answer(body: dict, action: dict) -> PromptAnswer:
    """The question's inputs, which travel in the click's `state`; MalformedPayload for
    values the question's own widgets cannot produce."""
    period = prompt_period(action)
    values = view_values(body)
    recipients = values.get("recipients") or []
    if not all(_USER_ID.fullmatch(user_id) for user_id in recipients):
        raise MalformedPayload("the prompt's people are not user IDs")
    kind = values.get("kind") or PROMPT_KINDS[0].value
    if kind not in {k.value for k in PROMPT_KINDS}:
        raise MalformedPayload("the prompt's kind is not one it offers")
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not (isinstance(channel, str) and isinstance(ts, str) and channel and ts):
        raise MalformedPayload("a prompt's click names no message")
    return PromptAnswer(
        user_id=body["user"]["id"],
        period=period,
        recipients=recipients,
        kind=Kind(kind),
        note=values.get("note") or "",
        private="private" in (values.get("privacy") or []),
        dedupe_key=f"prompt:{channel}:{ts}",
    )


def answer_problem(services: Services, team_id: str, answer: PromptAnswer) -> str | None:
    """Why the answer can't be recorded as given (no Slack call), or None."""
    if not answer.recipients:
        return "Choose who helped you, or press *Nobody this week*."
    if problem := recipient_problems(services, team_id, answer.user_id, answer.recipients):
        return problem
    if not answer.note:
        return "Say in one line what they did."
    if len(answer.note) > NOTE_LENGTH:
        return f"Please keep it to one line of at most {NOTE_LENGTH} characters."
    return None


def credit_from_prompt(
    services: Services,
    client: WebClient,
    team_id: str,
    answer: PromptAnswer,
    respond: Callable[..., object],
) -> None:
    """Credit the people named (the usual rules: not yourself, no bots, the daily limit);
    the question becomes the confirmation, or stays with a note saying what to change."""
    if problem := answer_problem(services, team_id, answer):
        respond(response_type="ephemeral", replace_original=False, text=prompt_problem(problem))
        return
    draft = AssistDraft(
        team_id=team_id,
        giver_id=answer.user_id,
        recipient_ids=answer.recipients,
        kind=answer.kind,
        source=Source.MODAL,
        description=answer.note,
        is_private=answer.private,
        dedupe_key=answer.dedupe_key,
    )
    outcome, info = record_and_report(services, client, draft)
    text, blocks = outcome_message(outcome, info, offer_details=False)
    if info is None or not outcome.credited:
        respond(response_type="ephemeral", replace_original=False, text=text)
        return
    with services.sessions.begin() as session:
        record_answer(
            session, team_id, answer.user_id, answer.period, Answer.CREDITED, utcnow(), info.id
        )
    respond(replace_original=True, text=text, blocks=blocks)


def nobody_this_week(services: Services, team_id: str, user_id: str, period: str) -> Message:
    """[Nobody this week]: thanked, and nothing recorded but the answer itself."""
    with services.sessions.begin() as session:
        record_answer(session, team_id, user_id, period, Answer.NOBODY, utcnow())
    return nobody_message()


def stop_asking(services: Services, team_id: str, user_id: str) -> Message:
    """[Stop asking me]: never chosen again, until `/sells prompts on`."""
    with services.sessions.begin() as session:
        opt_out(session, team_id, user_id, utcnow())
    logger.info("%s stopped the weekly question", user_id)
    return stopped_message()


def prompts_subcommand(services: Services, words: list[str], user_id: str, team_id: str) -> str:
    """`/sells prompts on|off`: the answer to show."""
    choice = words[1].lower() if len(words) > 1 else ""
    if choice not in {"on", "off"}:
        return USAGE
    with services.sessions.begin() as session:
        if choice == "on":
            opt_in(session, team_id, user_id)
        else:
            opt_out(session, team_id, user_id, utcnow())
    if choice == "on":
        return "The weekly “Who helped you this week?” question is on: you may be asked again."
    return "You won't be asked “Who helped you this week?” again. `/sells prompts on` undoes it."

"""What a manager does with the weekly nudge: thank a report, snooze, stop, resume.
handlers/nudges.py (the buttons) and `/sells nudges on|off` call these."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.kit import people_summary
from bot.blocks.nudges import thanks_message
from bot.blocks.text import slack_date
from bot.services import Services
from bot.slack.messages import post_message
from models.base import utcnow
from models.nudges import record_thanks, set_nudges

logger = logging.getLogger(__name__)

SNOOZE = timedelta(days=7)
NOT_YOUR_REPORT = "You can thank only your own reports here."
LESSON = "Lessons from loud mistakes are celebrated, never thanked as a score: nothing sent."
STOPPED = "Stopped. Turn weekly nudges back on with `/sells nudges on`."


def send_thanks(
    services: Services, client: WebClient, team_id: str, manager: str, credit_id: int
) -> str:
    """DM each of the manager's reports credited by the assist behind `credit_id` the
    manager's thanks, once each; the answer for the manager."""
    with services.sessions.begin() as session:
        thanks = record_thanks(session, team_id, manager, credit_id)
    if thanks is None:
        return NOT_YOUR_REPORT
    if thanks.is_lesson:
        return LESSON
    text, blocks = thanks_message(manager, thanks.kind, thanks.description, thanks.is_private)
    for report in thanks.thanked:
        try:
            post_message(client, channel=report, text=text, blocks=blocks)
        except SlackApiError:
            logger.exception("could not pass %s's thanks to %s", manager, report)
    logger.info("manager %s thanked %s for credit %s", manager, thanks.thanked, credit_id)
    if not thanks.thanked:
        return f"You already thanked {people_summary(thanks.already, 1500)} for this one."
    sent = f":white_check_mark: Sent your thanks to {people_summary(thanks.thanked, 1500)}."
    if thanks.already:
        sent += f" (You had already thanked {people_summary(thanks.already, 1500)}.)"
    return sent


def snooze(services: Services, team_id: str, manager: str) -> str:
    """No nudges for a week; the answer says until when."""
    until = utcnow() + SNOOZE
    with services.sessions.begin() as session:
        set_nudges(session, team_id, manager, snooze_until=until)
    return (
        f"Snoozed: no nudges until {slack_date(until)}. `/sells nudges on` brings them back sooner."
    )


def stop(services: Services, team_id: str, manager: str) -> str:
    with services.sessions.begin() as session:
        set_nudges(session, team_id, manager, stopped=True)
    return STOPPED


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

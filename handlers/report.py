"""`/sells report`: an admin uploads the culture report to the channel they typed it in."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.services import Services
from bot.slack.failures import slack_error
from bot.slack.uploads import upload_report
from models.base import utcnow
from models.culture import MAX_MONTHS, MONTHS, culture_report

logger = logging.getLogger(__name__)

USAGE = f"Usage: `/sells report [months]` (1 to {MAX_MONTHS}, default {MONTHS})."


def report_subcommand(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    """Upload the report covering the last months up to today; runs after the ack."""
    if not services.is_admin(command["user_id"]):
        return _answer("Only admins can post the culture report.")
    months = _months(words[1:])
    if months is None:
        return _answer(USAGE)
    with services.sessions() as session:
        report = culture_report(
            session, team_id, utcnow(), services.settings.timezone, months=months, to_date=True
        )
    try:
        upload_report(client, command["channel_id"], report)
    except (SlackClientError, OSError) as error:
        reason = slack_error(error)
        logger.warning("/sells report in %s failed: %s", command["channel_id"], reason)
        return _answer(_failure(reason))
    return _answer(f"Posted the culture report for {report.span} in this channel.")


def _months(words: list[str]) -> int | None:
    if not words:
        return MONTHS
    if len(words) == 1 and words[0].isdigit() and 1 <= int(words[0]) <= MAX_MONTHS:
        return int(words[0])
    return None


def _failure(reason: str) -> str:
    if reason in ("not_in_channel", "channel_not_found"):
        return (
            "I can't post in this conversation. Invite me to the channel "
            "(`/invite @Everybody Sells`) or run `/sells report` in a channel I'm in."
        )
    return f"Slack refused the upload ({reason}). Please try again in a moment."


def _answer(text: str) -> tuple[str, list[dict]]:
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]

"""`/sells` subcommands: each takes what the command said and answers with a message.

A subcommand is `(services, words, command, client, team_id) -> (text, blocks)`; the
listener in handlers/sells.py picks one by its first word and runs it after the ack
(or at once, for one that opens a form while its trigger_id is fresh).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.blocks.deals import person_deals_line
from bot.blocks.kit import note_message
from bot.blocks.onboarding import directory_message
from bot.blocks.referrals import referrals_message
from bot.blocks.sells import (
    DEPARTMENTS_BOARD,
    department_board_message,
    leaderboard_message,
    stats_message,
    unknown_department_message,
)
from bot.blocks.sessions import cadence_blocks
from bot.flows.lessons import lesson_subcommand
from bot.flows.nudges import nudges_subcommand
from bot.flows.prompts import prompts_subcommand
from bot.flows.referrals import do_reassign
from bot.forms import split_mentions
from bot.services import Services
from bot.slack.failures import slack_error
from bot.slack.uploads import upload_report
from models.base import utcnow
from models.culture import MAX_MONTHS, MONTHS, culture_report
from models.deals import person_deals
from models.departments import (
    DESCRIPTION_LENGTH,
    canonical_department,
    describe,
    directory,
    may_describe,
)
from models.knowledge_sessions import cadence
from models.participation import participation_report
from models.referrals import referral_figures, referral_info, referrals_of
from models.stats import (
    BREADTH,
    CREDITS,
    PERIODS,
    department_board,
    departments,
    leaderboard,
    period_window,
    personal_stats,
)

logger = logging.getLogger(__name__)

Message = tuple[str, list[dict]]
Subcommand = Callable[[Services, list[str], dict, WebClient, str], Message]

REASSIGN_USAGE = (
    "Usage: `/sells referrals reassign <number> @rep` (the number is shown in `/sells referrals`)."
)
BOARDS = (BREADTH, CREDITS, DEPARTMENTS_BOARD)
DEPARTMENTS_USAGE = (
    "Usage: `/sells leaderboard departments [week|month|quarter]` ranks every department; "
    "`/sells leaderboard [week|month|quarter] Support` ranks one department's people."
)
REPORT_USAGE = f"Usage: `/sells report [months]` (1 to {MAX_MONTHS}, default {MONTHS})."
DESCRIBE = re.compile(r"^\s*dept\s+describe\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
DESCRIBE_USAGE = "Usage: `/sells dept describe Support: we keep customers happy enough to renew`."


def stats(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    now, tz = utcnow(), services.settings.timezone
    window, quarter = period_window("month", now, tz), period_window("quarter", now, tz)
    with services.sessions() as session:
        mine = personal_stats(session, team_id, command["user_id"], window)
        figures = referral_figures(session, team_id)
        deals = person_deals(session, team_id, command["user_id"], quarter.start, quarter.end)
    return stats_message(mine, figures, person_deals_line(deals, "this quarter"))


def board(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    """`/sells leaderboard [credits|departments] [week|month|quarter] [department]`:
    people by breadth (the default) or by credits, or departments by their share giving."""
    rest = words[1:]
    with services.sessions() as session:
        known = departments(session, team_id)
        lowered = {d.lower() for d in known}
        # A department called "Credits" is still a department when named in full.
        by = BREADTH
        if rest and rest[0].lower() in BOARDS and " ".join(rest).lower() not in lowered:
            by = rest.pop(0).lower()
        period = rest.pop(0).lower() if rest and rest[0].lower() in PERIODS else "month"
        window = period_window(period, utcnow(), services.settings.timezone)
        if by == DEPARTMENTS_BOARD:
            if rest:
                return note_message(DEPARTMENTS_USAGE)
            return department_board_message(department_board(session, team_id, window))
        department = " ".join(rest) or None
        if department and department.lower() not in lowered:
            return unknown_department_message(department, known, nearest(department, known))
        if department:  # as the org chart spells it
            department = next(d for d in known if d.lower() == department.lower())
        rows = leaderboard(session, team_id, window, department, by=by)
    return leaderboard_message(rows, window, department, by)


def nearest(typed: str, choices: Sequence[str], count: int = 3) -> list[str]:
    """The choices that look most like what was typed (case aside), best first."""
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(typed.lower(), list(by_lower), n=count, cutoff=0.5)
    return [by_lower[c] for c in close]


def referrals(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    user_id = command["user_id"]
    if len(words) > 1 and words[1].lower() == "reassign":
        return note_message(reassign(services, words[2:], user_id, client, team_id))
    with services.sessions() as session:
        rows = [referral_info(r) for r in referrals_of(session, team_id, user_id)]
    passed = [r for r in rows if r.referrer_id == user_id]
    owned = [r for r in rows if r.owner_id == user_id]
    return referrals_message(passed, owned, utcnow())


def reassign(
    services: Services, words: list[str], user_id: str, client: WebClient, team_id: str
) -> str:
    """`/sells referrals reassign 12 @rep`: admins hand a referral to another rep."""
    mentioned, rest = split_mentions(" ".join(words))
    number = rest.lstrip("#").split()[0] if rest.split() else ""
    if not (number.isdigit() and len(mentioned) == 1):
        return REASSIGN_USAGE
    if not services.is_admin(user_id):
        return "Only admins can reassign referrals."
    return do_reassign(services, client, team_id, user_id, int(number), mentioned[0])


def session_history(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    settings, now = services.settings, utcnow()
    days = settings.session_cadence_days
    with services.sessions() as session:
        rows = cadence(session, team_id, now, timedelta(days=days), settings.sales_department)
    blocks = cadence_blocks(rows, now - timedelta(days=days), settings.sales_department, days)
    return "Knowledge-sharing sessions by department", blocks


def nudges(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    return note_message(nudges_subcommand(services, words, command["user_id"], team_id))


def prompts(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    return note_message(prompts_subcommand(services, words, command["user_id"], team_id))


def report(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    """Upload the culture report covering the last months up to today, here."""
    if not services.is_admin(command["user_id"]):
        return note_message("Only admins can post the culture report.")
    months = report_months(words[1:])
    if months is None:
        return note_message(REPORT_USAGE)
    with services.sessions() as session:
        now, settings = utcnow(), services.settings
        figures = culture_report(
            session, team_id, now, settings.timezone, months=months, to_date=True
        )
        taking_part = participation_report(
            session,
            team_id,
            now,
            settings.timezone,
            months=months,
            to_date=True,
            sales_department=settings.sales_department,
            cadence_days=settings.session_cadence_days,
        )
    try:
        upload_report(client, command["channel_id"], figures, taking_part)
    except (SlackClientError, OSError) as error:
        reason = slack_error(error)
        logger.warning("/sells report in %s failed: %s", command["channel_id"], reason)
        return note_message(upload_failure(reason))
    return note_message(f"Posted the culture report for {figures.span} in this channel.")


def report_months(words: list[str]) -> int | None:
    if not words:
        return MONTHS
    if len(words) == 1 and words[0].isdigit() and 1 <= int(words[0]) <= MAX_MONTHS:
        return int(words[0])
    return None


def upload_failure(reason: str) -> str:
    if reason in ("not_in_channel", "channel_not_found"):
        return (
            "I can't post in this conversation. Invite me to the channel "
            "(`/invite @Everybody Sells`) or run `/sells report` in a channel I'm in."
        )
    return f"Slack refused the upload ({reason}). Please try again in a moment."


def dept(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> Message:
    """`/sells dept`: the directory; `/sells dept describe Dept: …` sets a department's line."""
    match = DESCRIBE.match(command.get("text") or "")
    if match:
        return note_message(
            describe_department(services, team_id, command["user_id"], match.group(1))
        )
    with services.sessions() as session:
        rows = directory(session, team_id)
    return directory_message(rows)


def describe_department(services: Services, team_id: str, user_id: str, rest: str) -> str:
    """Set a department's one line; only its managers and admins may."""
    name, separator, description = rest.partition(":")
    if not separator:
        name, _, description = rest.partition(" ")
    name, description = name.strip(), description.strip()
    if not name or not description:
        return DESCRIBE_USAGE
    if len(description) > DESCRIPTION_LENGTH:
        return f"Please use at most {DESCRIPTION_LENGTH} characters for the description."
    with services.sessions.begin() as session:
        department = canonical_department(session, team_id, name)
        if department is None:
            return f"There is no department called “{name}” in the org chart."
        if not may_describe(session, team_id, user_id, department, services.is_admin(user_id)):
            return f"Only managers in {department} and admins can describe it."
        describe(session, team_id, department, description, user_id)
    return f"Saved. New people will read: *{department}*: {description}"


SUBCOMMANDS: dict[str, Subcommand] = {
    "nudges": nudges,
    "prompts": prompts,
    "stats": stats,
    "leaderboard": board,
    "referrals": referrals,
    "sessions": session_history,
    "report": report,
    "lesson": lesson_subcommand,
    "dept": dept,
}
# A form must open while its trigger_id is fresh (3 s): these run before the others.
OPENS_A_FORM = frozenset({"lesson"})

"""`/sells`: help, my stats, the leaderboard and my referrals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.referrals import referral_list
from bot.blocks.sells import help_blocks, leaderboard_blocks, referral_figures_blocks, stats_blocks
from bot.blocks.sessions import cadence_blocks
from bot.blocks.text import plural
from bot.flows.lessons import lesson_subcommand
from bot.forms import split_mentions
from bot.services import Services
from handlers.departments import dept_subcommand
from handlers.nudges import nudges_subcommand
from handlers.referrals import do_reassign
from handlers.report import report_subcommand
from models.base import utcnow
from models.knowledge_sessions import cadence
from models.referrals import referral_figures, referrals_of
from models.stats import PERIODS, departments, leaderboard, period_window, personal_stats

logger = logging.getLogger(__name__)

Subcommand = Callable[[Services, list[str], dict, WebClient, str], tuple[str, list[dict]]]


def stats(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    window = period_window("month", utcnow(), services.settings.timezone)
    with services.sessions() as session:
        mine = personal_stats(session, team_id, command["user_id"], window)
        referrals = referral_figures(session, team_id)
    blocks = stats_blocks(mine) + referral_figures_blocks(referrals)
    return f"You received {mine.received} and gave {plural(mine.given, 'credit')}", blocks


def board(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    rest = words[1:]
    period = rest.pop(0).lower() if rest and rest[0].lower() in PERIODS else "month"
    department = " ".join(rest) or None
    window = period_window(period, utcnow(), services.settings.timezone)
    with services.sessions() as session:
        known = departments(session, team_id)
        if department and department.lower() not in {d.lower() for d in known}:
            text = (
                f"There is no department called “{department}”. Periods are week, month and "
                f"quarter; departments are {', '.join(known) or 'not imported yet'}."
            )
            return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        rows = leaderboard(session, team_id, window, department)
    return f"Leaderboard, {window.label}", leaderboard_blocks(rows, window, department)


def referrals(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    user_id = command["user_id"]
    if len(words) > 1 and words[1].lower() == "reassign":
        mentioned, rest = split_mentions(" ".join(words[2:]))
        number = rest.lstrip("#").split()[0] if rest.split() else ""
        if not (number.isdigit() and len(mentioned) == 1):
            text = (
                "Usage: `/sells referrals reassign <number> @rep` "
                "(the number is shown in `/sells referrals`)."
            )
        elif not services.is_admin(user_id):
            text = "Only admins can reassign referrals."
        else:
            text = do_reassign(services, client, team_id, user_id, int(number), mentioned[0])
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    with services.sessions() as session:
        rows = referrals_of(session, team_id, user_id)
    passed = [r for r in rows if r.referrer_id == user_id]
    owned = [r for r in rows if r.owner_id == user_id]
    return "Your referrals", referral_list(passed, owned, utcnow())


def session_history(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    settings = services.settings
    days = settings.session_cadence_days
    now = utcnow()
    with services.sessions() as session:
        rows = cadence(session, team_id, now, timedelta(days=days), settings.sales_department)
    blocks = cadence_blocks(rows, now - timedelta(days=days), settings.sales_department, days)
    return "Knowledge-sharing sessions by department", blocks


def nudges(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    text = nudges_subcommand(services, words, command["user_id"], team_id)
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


SUBCOMMANDS: dict[str, Subcommand] = {
    "nudges": nudges,
    "stats": stats,
    "leaderboard": board,
    "referrals": referrals,
    "sessions": session_history,
    "report": report_subcommand,
    "lesson": lesson_subcommand,
    "dept": dept_subcommand,
}

OPENS_A_FORM = {"lesson"}


def sells_command(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, command: dict, client: WebClient, respond: Respond, context: dict) -> None:
        ack()
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub in SUBCOMMANDS:

            def answer() -> None:
                text, blocks = SUBCOMMANDS[sub](
                    services, words, command, client, context["team_id"]
                )
                if text:  # a subcommand that opened a form has nothing to say
                    respond(response_type="ephemeral", text=text, blocks=blocks)

            # A form must open while its trigger_id is fresh; answers can wait their turn.
            if sub in OPENS_A_FORM:
                answer()
            else:
                services.after_ack(respond, answer)
            return
        prefix = []
        if sub != "help":
            logger.info("unknown /sells subcommand %r from %s", sub, command["user_id"])
            note = f"I don't know `/sells {sub}`. Here is what I can do:"
            prefix = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
        respond(
            response_type="ephemeral",
            text="Everybody sells: help",
            blocks=prefix + help_blocks(reaction=services.settings.assist_emoji),
        )

    return handle


def register(app: App, services: Services) -> None:
    app.command("/sells")(sells_command(services))

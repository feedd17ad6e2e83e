"""`/sells`: help, my stats and the leaderboard."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond

from bot.blocks.sells import help_blocks, leaderboard_blocks, stats_blocks
from handlers.services import Services
from models.base import utcnow
from models.stats import PERIODS, leaderboard, period_window, personal_stats

logger = logging.getLogger(__name__)


def sells_command(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, command: dict, respond: Respond, context: dict) -> None:
        ack()
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        team_id, user_id = context["team_id"], command["user_id"]
        tz = services.settings.timezone
        if sub == "stats":
            with services.sessions() as session:
                stats = personal_stats(
                    session, team_id, user_id, period_window("month", utcnow(), tz)
                )
            blocks = stats_blocks(stats)
            respond(
                response_type="ephemeral",
                text=f"You received {stats.received} and gave {stats.given} credits",
                blocks=blocks,
            )
        elif sub == "leaderboard":
            rest = words[1:]
            period = rest.pop(0).lower() if rest and rest[0].lower() in PERIODS else "month"
            department = " ".join(rest) or None
            window = period_window(period, utcnow(), tz)
            with services.sessions() as session:
                rows = leaderboard(session, team_id, window, department)
            respond(
                response_type="ephemeral",
                text=f"Leaderboard, {window.label}",
                blocks=leaderboard_blocks(rows, window, department),
            )
        else:
            if sub != "help":
                logger.info("unknown /sells subcommand %r from %s", sub, user_id)
            prefix = (
                []
                if sub == "help"
                else [
                    {
                        "type": "context",
                        "elements": [
                            {
                                "type": "mrkdwn",
                                "text": f"I don't know `/sells {sub}`. Here is what I can do:",
                            }
                        ],
                    }
                ]
            )
            respond(
                response_type="ephemeral",
                text="Everybody sells: help",
                blocks=prefix + help_blocks(),
            )

    return handle


def register(app: App, services: Services) -> None:
    app.command("/sells")(sells_command(services))

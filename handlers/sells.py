"""`/sells`: help, stats, the leaderboard, referrals, sessions and the admin subcommands."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.sells import help_message, unknown_subcommand_message
from bot.flows.sells import OPENS_A_FORM, SUBCOMMANDS, nearest
from bot.services import Services

logger = logging.getLogger(__name__)


def sells_command(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Answer a subcommand (after the ack, unless it opens a form), or the help."""
    services: Services = context["services"]
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else "help"

    def answer() -> None:
        text, blocks = SUBCOMMANDS[sub](services, words, command, client, context["team_id"])
        if text:  # a subcommand that opened a form has nothing to say
            respond(response_type="ephemeral", text=text, blocks=blocks)

    if sub in SUBCOMMANDS and sub not in OPENS_A_FORM:
        services.after_ack(respond, answer, ack=ack)  # acks, or says the bot is swamped
        return
    ack()
    if sub == "help":
        text, blocks = help_message(reaction=services.settings.assist_emoji)
        respond(response_type="ephemeral", text=text, blocks=blocks)
    elif sub not in SUBCOMMANDS:
        logger.info("unknown /sells subcommand %r from %s", sub, command["user_id"])
        text, blocks = unknown_subcommand_message(sub, next(iter(nearest(sub, SUBCOMMANDS)), None))
        respond(response_type="ephemeral", text=text, blocks=blocks)
    else:
        answer()  # it opens a form, whose trigger expires in 3 s


def register(app: App, services: Services) -> None:
    app.command("/sells")(sells_command)

"""The Events API: reactions, new members, Home opens.

The guard (bot/app.py) stores each delivery in the inbox before Bolt acks it; the one
listener here has it worked, and the inbox tries again after a fault of Slack or the
database until it is recorded. What each event does lives in bot/flows.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import App, BoltContext

from bot.flows.homes import show_home
from bot.flows.reactions import credit_reaction, reaction_lost, reaction_subject, revoke_reaction
from bot.flows.welcomes import welcome_newcomer
from bot.services import Services


def process_event(context: BoltContext) -> None:
    """Work the delivery the guard stored (a redelivery never gets this far)."""
    context["services"].inbox.run(context["inbox_item"])


def register(app: App, services: Services) -> None:
    inbox, client = services.inbox, services.client
    inbox.register(
        "reaction_added",
        partial(credit_reaction, services, client),
        gave_up=partial(reaction_lost, services, client),
        subject=reaction_subject,
    )
    inbox.register(
        "reaction_removed", partial(revoke_reaction, services, client), subject=reaction_subject
    )
    inbox.register("team_join", partial(welcome_newcomer, services, client))
    inbox.register("app_home_opened", partial(show_home, services, client))
    for event_type in ("reaction_added", "reaction_removed", "team_join", "app_home_opened"):
        app.event(event_type)(process_event)

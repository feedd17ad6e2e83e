"""The Events API listener: every event the inbox keeps is worked through it.

The guard (bot/app.py) stores each delivery in the inbox before Bolt acks it; this
listener then does the item's work, which the inbox retries after a fault of Slack or
the database until it is recorded. Features register their work with the inbox.
"""

from __future__ import annotations

from slack_bolt import BoltContext


def process_event(context: BoltContext) -> None:
    """Work the delivery the guard stored (a redelivery never gets this far)."""
    context["services"].inbox.run(context["inbox_item"])

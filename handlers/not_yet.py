"""`/session` is in the manifest but not built yet: say so plainly."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

NOT_YET = {
    "/session": "Scheduling knowledge-sharing sessions is not available in this version yet.",
}


def not_yet(ack: Ack, command: dict, respond: Respond) -> None:
    ack()
    respond(response_type="ephemeral", text=NOT_YET[command["command"]])


def register(app: App) -> None:
    for name in NOT_YET:
        app.command(name)(not_yet)

"""`/win`: celebrate a customer win in the recognition channel and credit the helpers."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.assists import CUSTOMER_ENTERED_ACTION, WIN_MODAL, win_modal
from bot.flows.assists import celebrate_win, win_form_errors
from bot.flows.deals import prefilled_win_form
from bot.forms import view_values
from bot.services import Services

logger = logging.getLogger(__name__)


def win_command(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
    """`/win` opens the form, its deal value in the workspace's currency."""
    ack()
    currency = context["services"].settings.currency
    view = win_modal(command.get("channel_id"), currency)
    client.views_open(trigger_id=command["trigger_id"], view=view)


def win_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The win form: checked before the ack, then recorded, credited and celebrated."""
    services: Services = context["services"]
    values = view_values(view)
    giver = body["user"]["id"]
    if errors := win_form_errors(services, context["team_id"], giver, values):
        logger.info("win form from %s refused: %s", giver, sorted(errors))
        ack(response_action="errors", errors=errors)
        return
    ack()
    celebrate_win(services, client, context["team_id"], giver, values, view)


def win_customer_entered(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Enter in the win form's customer field: preselect who helped with that customer."""
    ack()
    view = body.get("view") or {}
    if view.get("callback_id") != WIN_MODAL or not isinstance(view.get("id"), str):
        return
    typed = action.get("value") if isinstance(action.get("value"), str) else None
    form = prefilled_win_form(context["services"], view, typed, body["user"]["id"])
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=form)


def register(app: App, services: Services) -> None:
    app.command("/win")(win_command)
    app.view(WIN_MODAL)(win_submission)
    app.action({"block_id": "customer", "action_id": CUSTOMER_ENTERED_ACTION})(win_customer_entered)

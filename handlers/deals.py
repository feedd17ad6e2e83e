"""Buttons and the form on the deal-won DM: confirm who helped in one tap, or edit the list."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.deals import CONFIRM_ACTION, EDIT_ACTION, EDIT_MODAL, OPEN_ACTION
from bot.flows.deals import confirm, edit_form
from bot.forms import action_number, metadata_number, view_values
from bot.services import Services
from bot.slack.messages import tell


def confirm_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """[Confirm all]: credit the whole chain; the request becomes the confirmation."""
    deal_id = action_number(action)
    ack()
    services: Services = context["services"]

    def work() -> None:
        text, blocks = confirm(services, client, deal_id, body["user"]["id"])
        respond(replace_original=True, text=text, blocks=blocks)

    services.after_ack(respond, work)


def edit_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """[Add or remove people]: the form with the chain preselected."""
    deal_id = action_number(action)
    ack()
    view = edit_form(context["services"], deal_id, body["user"]["id"])
    if view is None:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="Only the deal's owner, their manager or an admin can confirm it.",
        )
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def edit_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The edited list: credit exactly those people."""
    deal_id = metadata_number(view, "deal")
    helpers = view_values(view).get("helpers") or []
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    text, blocks = confirm(services, client, deal_id, user_id, helpers)
    tell(client, user_id, None, text, blocks)


def open_action(ack: Ack) -> None:
    """The [Open in the CRM] link button: the browser opens it; Slack only wants an ack."""
    ack()


def register(app: App, services: Services) -> None:
    app.action(CONFIRM_ACTION)(confirm_action)
    app.action(EDIT_ACTION)(edit_action)
    app.view(EDIT_MODAL)(edit_submission)
    app.action(OPEN_ACTION)(open_action)

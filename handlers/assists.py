"""`/assist`: log help quickly with a mention, or fully with the modal."""

from __future__ import annotations

import logging
from functools import partial

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.assists import (
    ADD_DETAILS_ACTION,
    ASSIST_DETAILS_MODAL,
    ASSIST_MODAL,
    OPEN_ASSIST_MODAL_ACTION,
    STAGE_ACTION,
    THANK_BACK_ACTION,
    assist_details_modal,
    assist_modal,
)
from bot.flows.assists import (
    BAD_PICK,
    NOT_YOURS,
    QUEUED_ASSIST,
    answer_queued_assist,
    answer_quick_assist,
    assist_form_errors,
    credit_from_form,
    details_errors,
    message_assist_form,
    own_assist,
    queue_quick_assist,
    queued_assist_lost,
    quick_assist_draft,
    quick_assist_problem,
    save_details,
    save_stage,
    stage_pick,
    thanked_person,
)
from bot.forms import (
    action_number,
    message_origin,
    message_shortcut,
    metadata_number,
    split_recipients,
    view_metadata,
    view_values,
)
from bot.services import Services
from bot.slack.messages import tell

logger = logging.getLogger(__name__)


def assist_command(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """`/assist` alone opens the form; `/assist @ana what she did` credits Ana at once, or,
    when the bot is swamped, queues it and says so in the ack."""
    services: Services = context["services"]
    text = (command.get("text") or "").strip()
    if not text:
        ack()
        view = assist_modal(command.get("channel_id"))
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    recipients, description = split_recipients(text)
    if problem := quick_assist_problem(recipients, description):
        ack()
        answer, blocks = problem
        respond(response_type="ephemeral", text=answer, blocks=blocks)
        return
    if services.busy():
        answer, blocks = queue_quick_assist(services, command, context["team_id"], recipients)
        ack(response_type="ephemeral", text=answer, blocks=blocks)
        return
    ack()
    draft = quick_assist_draft(
        services, client, command, context["team_id"], recipients, description
    )
    services.after_ack(respond, lambda: answer_quick_assist(services, client, draft, respond))


def open_modal_action(ack: Ack, body: dict, client: WebClient) -> None:
    """The "Open the form" button under the `/assist` usage."""
    ack()
    channel_id = (body.get("channel") or {}).get("id")
    client.views_open(trigger_id=body["trigger_id"], view=assist_modal(channel_id))


def thank_back_action(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
    """The "Thank … back" button on a credit's DM: the assist form, with the giver chosen.
    A value no button of ours carries is refused (400) before the ack."""
    thanked = thanked_person(action)
    ack()
    # Whoever clicks gets the form; a forwarded DM's giver can't be asked to credit themself.
    recipients = [thanked] if thanked != body["user"]["id"] else []
    client.views_open(trigger_id=body["trigger_id"], view=assist_modal(None, recipients))


def log_assist_shortcut(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The message shortcut "Log as assist": the assist form, started from the message. A
    payload Slack can't send is refused (400) before the ack."""
    shortcut = message_shortcut(body)
    ack()
    view = message_assist_form(context["services"], client, context["team_id"], shortcut)
    client.views_open(trigger_id=shortcut.trigger_id, view=view)


def assist_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The assist form: checked before the ack, then recorded and confirmed."""
    services: Services = context["services"]
    values = view_values(view)
    message_origin(view)  # a form's link to a message that no form of ours carries: 400
    giver = body["user"]["id"]
    if errors := assist_form_errors(services, context["team_id"], giver, values):
        logger.info("assist form from %s refused: %s", giver, sorted(errors))
        ack(response_action="errors", errors=errors)
        return
    ack()
    credit_from_form(services, client, context["team_id"], giver, values, view)


def add_details_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The "Add details" button on a quick assist's confirmation: the form, for its giver."""
    ack()
    services: Services = context["services"]
    info = own_assist(services, context["team_id"], body["user"]["id"], action_number(action))
    if info is None:
        respond(response_type="ephemeral", replace_original=False, text=NOT_YOURS)
        return
    channel_id = (body.get("channel") or {}).get("id")
    client.views_open(trigger_id=body["trigger_id"], view=assist_details_modal(info, channel_id))


def stage_action(
    ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext
) -> None:
    """The stage picked on a quick assist's confirmation: saved, and the confirmation redrawn."""
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    picked = stage_pick(action)
    if picked is None:
        logger.warning("stage pick from %s with a bad value %r", user_id, action)
        respond(response_type="ephemeral", replace_original=False, text=BAD_PICK)
        return
    team_id = context["team_id"]
    services.after_ack(respond, lambda: save_stage(services, team_id, user_id, *picked, respond))


def details_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The details form of an assist logged quickly: saved, for its giver only."""
    values = view_values(view)
    if errors := details_errors(values):
        ack(response_action="errors", errors=errors)
        return
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    assist_id = metadata_number(view, "assist_id")
    text, blocks = save_details(services, context["team_id"], user_id, assist_id, values)
    tell(client, user_id, view_metadata(view).get("channel_id"), text, blocks)


# The message shortcut's callback ID, as manifest.yml declares it (a public name).
LOG_ASSIST_SHORTCUT = "log_assist"


def register(app: App, services: Services) -> None:
    client = services.client
    services.inbox.register(
        QUEUED_ASSIST,
        partial(answer_queued_assist, services, client),
        gave_up=partial(queued_assist_lost, services, client),
    )
    app.command("/assist")(assist_command)
    app.message_shortcut(LOG_ASSIST_SHORTCUT)(log_assist_shortcut)
    app.action(OPEN_ASSIST_MODAL_ACTION)(open_modal_action)
    app.action(THANK_BACK_ACTION)(thank_back_action)
    app.view(ASSIST_MODAL)(assist_submission)
    app.action(ADD_DETAILS_ACTION)(add_details_action)
    app.action(STAGE_ACTION)(stage_action)
    app.view(ASSIST_DETAILS_MODAL)(details_submission)

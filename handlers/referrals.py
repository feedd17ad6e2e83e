"""`/referral` and the buttons reps use to move a referral through its states.

Listeners only: the work is in bot/flows/referrals.py, the Block Kit in bot/blocks/referrals.py.
"""

from __future__ import annotations

import logging
import re
from functools import partial

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.kit import text_message
from bot.blocks.referrals import (
    CLAIM_ACTION,
    MOVE_ACTION,
    REASON_MODAL,
    REASSIGN_ACTION,
    REASSIGN_MODAL,
    REFERRAL_MODAL,
    WON_MODAL,
    admins_only,
    closing_modal,
    reassign_modal,
    referral_modal,
    refusal,
)
from bot.flows.referrals import (
    check_closing,
    claim,
    close_referral,
    do_reassign,
    find_referral,
    form_errors,
    move_and_report,
    parse_move,
    read_closing,
    reply_privately,
    send_referral,
)
from bot.forms import action_number, metadata_number, view_metadata, view_values
from bot.services import Services
from bot.slack.messages import post_message
from models.referrals import NEEDS_REASON, State

logger = logging.getLogger(__name__)


def referral_command(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
    """`/referral`: the form, remembering the conversation it was opened in."""
    ack()
    services: Services = context["services"]
    has_queue = bool(services.settings.referral_queue)
    view = referral_modal(command.get("channel_id"), has_queue=has_queue)
    client.views_open(trigger_id=command["trigger_id"], view=view)


def referral_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The `/referral` form: field errors in the ack, else saved and delivered."""
    services: Services = context["services"]
    values, referrer = view_values(view), body["user"]["id"]
    errors = form_errors(values, referrer, has_queue=bool(services.settings.referral_queue))
    if errors:
        logger.info("referral form from %s refused: %s", referrer, sorted(errors))
        ack(response_action="errors", errors=errors)
        return
    ack()
    origin = view_metadata(view).get("channel_id")
    team_id, dedupe_key = context["team_id"], f"view:{view['id']}"
    send_referral(services, client, team_id, referrer, values, origin, dedupe_key)


def move_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """A state button on the owner's card; Won, Lost and Not a fit open a form first."""
    ack()
    services: Services = context["services"]
    referral_id, target = parse_move(action.get("value"))
    actor, team_id = body["user"]["id"], context["team_id"]
    if target not in NEEDS_REASON and target != State.WON:
        work = partial(
            move_and_report, services, client, respond, team_id, referral_id, actor, target
        )
        services.after_ack(respond, work)
        return
    outcome = check_closing(services, team_id, referral_id, actor, target)
    if outcome.referral is None or outcome.refused is not None:
        reply_privately(respond, refusal(outcome, target, actor))
        return
    view = closing_modal(outcome.referral, target, services.settings.currency)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def closing_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The reason (lost, not a fit) or deal value (won) form, then the move itself."""
    closing = read_closing(view)
    if closing.errors:
        ack(response_action="errors", errors=closing.errors)
        return
    ack()
    close_referral(context["services"], client, context["team_id"], body["user"]["id"], closing)


def claim_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Claim on a queue post: the first rep to click takes the referral."""
    ack()
    services: Services = context["services"]
    actor = body["user"]["id"]
    outcome = claim(services, client, context["team_id"], action_number(action), actor)
    if not outcome.moved:
        reply_privately(respond, refusal(outcome, State.ACCEPTED, actor))


def reassign_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Reassign on a queue post: admins choose the new owner in a form."""
    ack()
    services: Services = context["services"]
    if not services.is_admin(body["user"]["id"]):
        reply_privately(respond, admins_only())
        return
    referral = find_referral(services, context["team_id"], action_number(action))
    if referral is not None:
        client.views_open(trigger_id=body["trigger_id"], view=reassign_modal(referral))


def reassign_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The reassign form; the admin's answer comes as a DM."""
    ack()
    services: Services = context["services"]
    admin, owner = body["user"]["id"], view_values(view).get("owner")
    answer = do_reassign(services, client, context["team_id"], admin, metadata_number(view), owner)
    text, blocks = text_message(answer)
    post_message(client, channel=admin, text=text, blocks=blocks)


def register(app: App, services: Services) -> None:
    app.command("/referral")(referral_command)
    app.view(REFERRAL_MODAL)(referral_submission)
    app.action(re.compile(f"^{MOVE_ACTION}_"))(move_action)
    app.view(REASON_MODAL)(closing_submission)
    app.view(WON_MODAL)(closing_submission)
    app.action(CLAIM_ACTION)(claim_action)
    app.action(REASSIGN_ACTION)(reassign_action)
    app.view(REASSIGN_MODAL)(reassign_submission)

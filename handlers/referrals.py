"""`/referral` and the buttons reps use to move a referral through its states."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.referrals import (
    CLAIM_ACTION,
    MOVE_ACTION,
    REASON_MODAL,
    REASSIGN_ACTION,
    REASSIGN_MODAL,
    REFERRAL_MODAL,
    WON_MODAL,
    reason_modal,
    reassign_modal,
    referral_modal,
    referral_won_post,
    referrer_update,
    refusal_text,
    won_modal,
)
from bot.flows.homes import refresh_homes
from bot.flows.referral_cards import post_queue_card, post_working_card, refresh_cards
from bot.forms import (
    action_number,
    metadata_number,
    parse_money,
    url_error,
    view_metadata,
    view_values,
)
from bot.services import Services
from bot.slack.messages import post_message, tell
from bot.verification import MalformedPayload
from models.referrals import (
    NEEDS_REASON,
    REFERRAL_LENGTHS,
    MoveOutcome,
    Need,
    Referral,
    ReferralDraft,
    Refused,
    State,
    Urgency,
    check_move,
    claim_referral,
    create_referral,
    get_referral,
    move,
    reassign,
)

logger = logging.getLogger(__name__)


def referral_command(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, command: dict, client: WebClient) -> None:
        ack()
        view = referral_modal(
            command.get("channel_id"), has_queue=bool(services.settings.referral_queue)
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)

    return handle


def form_errors(values: dict, referrer: str, has_queue: bool) -> dict[str, str]:
    errors = {
        name: f"Please use at most {limit:,} characters (this has {len(values[name]):,})."
        for name, limit in REFERRAL_LENGTHS.items()
        if values.get(name) and len(values[name]) > limit
    }
    if message := url_error(values.get("crm_url")):
        errors["crm_url"] = message
    if values.get("owner") == referrer:
        errors["owner"] = "Pass it to someone else" + (
            ", or leave this empty for the queue." if has_queue else "."
        )
    elif not values.get("owner") and not has_queue:
        errors["owner"] = "Choose a rep: no referrals channel is set up (REFERRALS_CHANNEL)."
    return errors


def referral_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        referrer = body["user"]["id"]
        queue = services.settings.referral_queue
        errors = form_errors(values, referrer, has_queue=bool(queue))
        if errors:
            logger.info("referral form from %s refused: %s", referrer, sorted(errors))
            ack(response_action="errors", errors=errors)
            return
        ack()
        team_id = context["team_id"]
        origin = view_metadata(view).get("channel_id")
        owner, note = values.get("owner"), ""
        if owner:
            info = services.directory.person(client, team_id, owner)
            if info is None or not info.creditable:
                note = f"<@{owner}> can't take referrals, so it went to the queue. "
                owner = None
        if not owner and not queue:
            tell(
                client, referrer, origin, note + "Nothing was sent: there is no referrals channel."
            )
            return
        draft = ReferralDraft(
            team_id=team_id,
            referrer_id=referrer,
            customer=values.get("customer") or "",
            need=Need(values.get("need") or Need.OTHER.value),
            urgency=Urgency(values.get("urgency") or Urgency.NORMAL.value),
            context=values.get("context") or "",
            contact=values.get("contact"),
            crm_url=values.get("crm_url"),
            owner_id=owner,
            queue_channel_id=queue,
            origin_channel_id=origin,
            is_private=services.kept_private(client, values, origin),
            dedupe_key=f"view:{view['id']}",
        )
        with services.sessions.begin() as session:
            referral, created = create_referral(session, draft)
        if not created:
            return
        where = deliver_new(services, client, referral)
        tell(
            client,
            referrer,
            origin,
            f":incoming_envelope: {note}Your referral for *{referral.customer}* {where}.",
        )

    return handle


def deliver_new(services: Services, client: WebClient, referral: Referral) -> str:
    """Send a new referral to its rep, or post it in the queue; the referrer's answer."""
    if referral.owner_id:
        if post_working_card(services.sessions, client, referral):
            return f"is with <@{referral.owner_id}>"
        return f"was saved, but I couldn't message <@{referral.owner_id}>"
    problem = post_queue_card(services.sessions, client, referral)
    channel = referral.queue_channel_id
    if problem:
        return f"was saved, but I couldn't post it in <#{channel}> ({problem}): invite me there"
    return f"is in <#{channel}> for a rep to claim"


def announce(services: Services, client: WebClient, outcome: MoveOutcome, actor: str) -> None:
    """After a move: the card, the referrer, and on a win the recognition channel."""
    referral = outcome.referral
    refresh_cards(client, referral)
    post_message(client, channel=referral.referrer_id, text=referrer_update(referral, actor))
    refresh_homes(
        services, client, referral.team_id, [referral.referrer_id, referral.owner_id or actor]
    )
    if referral.state != State.WON.value:
        return
    channel = services.settings.recognition_channel
    if channel:
        text, blocks = referral_won_post(referral)
        try:
            post_message(client, channel=channel, text=text, blocks=blocks, unfurl_links=False)
        except SlackApiError as error:
            logger.warning(
                "won referral %s not celebrated: %s", referral.id, error.response.get("error")
            )


def apply_move(
    services: Services,
    client: WebClient,
    team_id: str,
    referral_id: int,
    actor: str,
    target: State,
    *,
    reason: str | None = None,
    deal_value: Decimal | None = None,
) -> MoveOutcome:
    referrer = None
    if target == State.WON:
        with services.sessions() as session:
            found = get_referral(session, team_id, referral_id)
        if found is not None:
            referrer = services.directory.person(client, team_id, found.referrer_id)
    with services.sessions.begin() as session:
        outcome = move(
            session,
            team_id,
            referral_id,
            actor,
            target,
            referrer=referrer,
            reason=reason,
            deal_value=deal_value,
        )
    logger.info("referral %s → %s by %s: refused=%s", referral_id, target, actor, outcome.refused)
    if outcome.moved:
        announce(services, client, outcome, actor)
    return outcome


def move_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        referral_id, target = parse_move(action.get("value"))
        actor, team_id = body["user"]["id"], context["team_id"]
        if target in NEEDS_REASON or target == State.WON:
            with services.sessions() as session:
                referral = get_referral(session, team_id, referral_id)
                refused = check_move(referral, actor, target) if referral else None
            if referral is None or refused is not None:
                outcome = MoveOutcome(
                    referral, refused, State(referral.state) if referral else None
                )
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=refusal_text(outcome, target),
                )
                return
            view = won_modal(referral) if target == State.WON else reason_modal(referral, target)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return

        def move() -> None:
            outcome = apply_move(services, client, team_id, referral_id, actor, target)
            if not outcome.moved:
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=refusal_text(outcome, target),
                )

        services.after_ack(respond, move)

    return handle


def parse_move(value: object) -> tuple[int, State]:
    """`12:won` → (12, State.WON); the move buttons carry their referral and target."""
    referral_id, _, state = str(value or "").partition(":")
    try:
        return action_number({"value": referral_id}), State(state)
    except ValueError:
        raise MalformedPayload("a move button's value is not a referral and a state") from None


def closing_submission(services: Services) -> Callable[..., None]:
    """The reason (lost, not a fit) or deal value (won) modal, then the move itself."""

    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values, meta = view_values(view), view_metadata(view)
        referral_id = metadata_number(view)
        try:
            target = State(meta.get("state"))
        except ValueError:
            raise MalformedPayload("the form's state is not a referral state") from None
        actor = body["user"]["id"]
        errors: dict[str, str] = {}
        reason = values.get("reason")
        if reason and len(reason) > REFERRAL_LENGTHS["reason"]:
            errors["reason"] = f"Please use at most {REFERRAL_LENGTHS['reason']} characters."
        try:
            deal_value = parse_money(values.get("deal_value"))
        except ValueError as problem:
            errors["deal_value"] = str(problem)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        outcome = apply_move(
            services,
            client,
            context["team_id"],
            referral_id,
            actor,
            target,
            reason=reason,
            deal_value=deal_value,
        )
        # A resubmitted form (retry, double click) finds the move done: nothing to say.
        if not outcome.moved and outcome.refused != Refused.ALREADY:
            referral = outcome.referral
            tell(
                client,
                actor,
                referral.card_channel if referral else None,
                refusal_text(outcome, target),
            )

    return handle


def claim_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        actor = body["user"]["id"]
        with services.sessions.begin() as session:
            outcome = claim_referral(session, context["team_id"], action_number(action), actor)
        logger.info("referral %s claim by %s: refused=%s", action["value"], actor, outcome.refused)
        if not outcome.moved:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=refusal_text(outcome, State.ACCEPTED),
            )
            return
        # The claimer works the referral from a card in their DM, with the full details.
        post_working_card(services.sessions, client, outcome.referral)
        announce(services, client, outcome, actor)

    return handle


def reassign_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        if not services.is_admin(body["user"]["id"]):
            respond(
                response_type="ephemeral",
                replace_original=False,
                text="Only admins can reassign referrals.",
            )
            return
        with services.sessions() as session:
            referral = get_referral(session, context["team_id"], action_number(action))
        if referral is not None:
            client.views_open(trigger_id=body["trigger_id"], view=reassign_modal(referral))

    return handle


def reassign_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        ack()
        owner = view_values(view).get("owner")
        text = do_reassign(
            services,
            client,
            context["team_id"],
            body["user"]["id"],
            metadata_number(view),
            owner,
        )
        post_message(client, channel=body["user"]["id"], text=text)

    return handle


def do_reassign(
    services: Services,
    client: WebClient,
    team_id: str,
    admin: str,
    referral_id: int,
    owner: str | None,
) -> str:
    """Hand a referral to `owner`; the answer for the admin."""
    info = services.directory.person(client, team_id, owner) if owner else None
    if info is None or not info.creditable:
        return "Choose an active person to hand the referral to."
    with services.sessions.begin() as session:
        outcome = reassign(
            session, team_id, referral_id, admin, owner, is_admin=services.is_admin(admin)
        )
    if not outcome.moved:
        return refusal_text(outcome, None)
    referral = outcome.referral
    refresh_cards(client, referral, retired_owner=outcome.previous_owner)
    post_working_card(services.sessions, client, referral)
    post_message(client, channel=referral.referrer_id, text=referrer_update(referral, admin))
    return f"Referral #{referral.id} for *{referral.customer}* is now with <@{owner}>."


def register(app: App, services: Services) -> None:
    app.command("/referral")(referral_command(services))
    app.view(REFERRAL_MODAL)(referral_submission(services))
    app.action(re.compile(f"^{MOVE_ACTION}_"))(move_action(services))
    app.view(REASON_MODAL)(closing_submission(services))
    app.view(WON_MODAL)(closing_submission(services))
    app.action(CLAIM_ACTION)(claim_action(services))
    app.action(REASSIGN_ACTION)(reassign_action(services))
    app.view(REASSIGN_MODAL)(reassign_submission(services))

"""A referral from its form to its close: save and deliver it, move, claim and reassign it,
and keep its cards, its referrer and the Homes up to date.

Where a referral shows: the owner's DM card (with the buttons) and, for queue referrals,
the public queue post (Claim, then just the state). Both are updated in place. The
domain hands back `ReferralInfo`, so nothing here reads a row after its transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.referrals import (
    TOO_LARGE,
    card_not_sent,
    celebration_not_posted,
    reassign_text,
    referral_card,
    referral_not_sent,
    referral_sent,
    referral_won_post,
    referrer_update,
    refusal,
)
from bot.flows.homes import refresh_homes
from bot.flows.join_in import invite_join_in
from bot.forms import (
    action_number,
    metadata_number,
    parse_money,
    url_error,
    view_metadata,
    view_values,
)
from bot.services import Services
from bot.slack.messages import post_message, tell, update_message
from bot.verification import MalformedPayload
from models.recognition_posts import PostKind
from models.referrals import (
    REFERRAL_LENGTHS,
    MoveOutcome,
    Need,
    ReferralDraft,
    ReferralInfo,
    Refused,
    State,
    Urgency,
    check_move,
    claim_referral,
    create_referral,
    get_referral,
    move,
    reassign,
    referral_info,
)

logger = logging.getLogger(__name__)

Message = tuple[str, list[dict]]


def reply_privately(respond: Callable[..., object], message: Message) -> None:
    """Answer the person who clicked, only them, leaving the message they clicked alone."""
    text, blocks = message
    respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)


def form_errors(values: dict, referrer: str, has_queue: bool) -> dict[str, str]:
    """The `/referral` form's field errors, for the ack; empty when it can be sent."""
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


def send_referral(
    services: Services,
    client: WebClient,
    team_id: str,
    referrer: str,
    values: dict,
    origin: str | None,
    dedupe_key: str,
) -> None:
    """Save a valid `/referral` form once and deliver it; the referrer hears where it went.

    A rep who can't take referrals (gone, a bot) is skipped for the queue.
    """
    queue = services.settings.referral_queue
    owner, skipped = values.get("owner"), None
    if owner:
        person = services.directory.person(client, team_id, owner)
        if person is None or not person.creditable:
            owner, skipped = None, owner
    if not owner and not queue:
        tell(client, referrer, origin, *referral_not_sent(skipped))
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
        dedupe_key=dedupe_key,
    )
    with services.sessions.begin() as session:
        saved, created = create_referral(session, draft)
        referral = referral_info(saved)
    if created:
        referral, problem = deliver_new(services, client, referral)
        tell(client, referrer, origin, *referral_sent(referral, problem, skipped))


def deliver_new(
    services: Services, client: WebClient, referral: ReferralInfo
) -> tuple[ReferralInfo, str | None]:
    """Send a new referral to its rep, or post it in the queue: the referral with its card,
    and None, or as it was and why Slack refused the post."""
    if referral.owner_id:
        return post_working_card(services, client, referral)
    return post_queue_card(services, client, referral)


def refused_post(error: SlackApiError, what: str, referral_id: int) -> str:
    """Slack's error code for a post it refused, logged: a message too large for Slack is
    our fault and logged as an error, anything else (not in the channel…) as a warning."""
    code = str(error.response.get("error") or "unknown_error")
    level = logging.ERROR if code in TOO_LARGE else logging.WARNING
    logger.log(level, "referral %s: %s not posted: %s", referral_id, what, code)
    return code


def post_working_card(
    services: Services, client: WebClient, referral: ReferralInfo
) -> tuple[ReferralInfo, str | None]:
    """DM the owner the card they act on; it becomes the card that is kept up to date."""
    text, blocks = referral_card(referral, public=False, currency=services.settings.currency)
    try:
        posted = post_message(
            client, channel=referral.owner_id or "", text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as error:
        return referral, refused_post(error, "the owner's card", referral.id)
    with services.sessions.begin() as session:
        saved = get_referral(session, referral.team_id, referral.id)
        saved.card_channel, saved.card_ts = posted["channel"], posted["ts"]
    return replace(referral, card_channel=posted["channel"], card_ts=posted["ts"]), None


def post_queue_card(
    services: Services, client: WebClient, referral: ReferralInfo
) -> tuple[ReferralInfo, str | None]:
    """Post an unassigned referral in the queue channel (or say why that failed)."""
    text, blocks = referral_card(referral, public=True, currency=services.settings.currency)
    channel = referral.queue_channel_id or ""
    try:
        posted = post_message(client, channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as error:
        return referral, refused_post(error, "the queue card", referral.id)
    with services.sessions.begin() as session:
        saved = get_referral(session, referral.team_id, referral.id)
        saved.queue_ts = posted["ts"]
    return replace(referral, queue_ts=posted["ts"]), None


def refresh_cards(
    services: Services,
    client: WebClient,
    referral: ReferralInfo,
    *,
    retired_owner: str | None = None,
) -> None:
    """Show the current state on the working card and the queue post.

    After a reassignment, the previous owner's card is retired: no buttons, a note instead.
    """
    targets = []
    if referral.card_channel and referral.card_ts:
        targets.append((referral.card_channel, referral.card_ts, False))
    if referral.queue_channel_id and referral.queue_ts:
        targets.append((referral.queue_channel_id, referral.queue_ts, True))
    for channel, ts, public in targets:
        text, blocks = referral_card(
            referral,
            public=public,
            retired=retired_owner is not None and not public,
            currency=services.settings.currency,
        )
        try:
            update_message(client, channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning(
                "referral %s card not updated: %s", referral.id, error.response.get("error")
            )


def announce(services: Services, client: WebClient, outcome: MoveOutcome, actor: str) -> None:
    """After a move: the card, the referrer, and on a win the recognition channel (the rep
    who won it hears if the celebration could not be posted)."""
    referral = outcome.referral
    if referral is None:
        return
    currency = services.settings.currency
    refresh_cards(services, client, referral)
    tell_referrer(client, referral, actor, currency)
    refresh_homes(
        services, client, referral.team_id, [referral.referrer_id, referral.owner_id or actor]
    )
    channel = services.settings.recognition_channel
    if referral.state != State.WON.value or not channel:
        return
    text, blocks = referral_won_post(referral, currency)
    try:
        posted = post_message(client, channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as error:
        problem = refused_post(error, "the celebration", referral.id)
        tell(client, actor, None, *celebration_not_posted(referral, channel, problem))
        return
    invite_join_in(
        services.sessions,
        client,
        referral.team_id,
        services.settings.assist_emoji,
        (posted["channel"], posted["ts"]),
        PostKind.REFERRAL_WON,
        [referral.referrer_id],
        thanked_by=referral.owner_id,
    )


def tell_referrer(
    client: WebClient, referral: ReferralInfo, actor: str, currency: str | None
) -> None:
    """The referrer's DM about a move; a referrer Slack won't reach (gone, deactivated)
    stops nothing else."""
    text, blocks = referrer_update(referral, actor, currency)
    try:
        post_message(client, channel=referral.referrer_id, text=text, blocks=blocks)
    except SlackApiError as error:
        refused_post(error, "the referrer's update", referral.id)


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
    """Move the referral (compare-and-set: a repeat finds it done) and announce the move."""
    referrer = None
    if target == State.WON:
        with services.sessions() as session:
            found = get_referral(session, team_id, referral_id)
            referrer_id = found.referrer_id if found is not None else None
        if referrer_id is not None:
            referrer = services.directory.person(client, team_id, referrer_id)
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


def move_and_report(
    services: Services,
    client: WebClient,
    respond: Callable[..., object],
    team_id: str,
    referral_id: int,
    actor: str,
    target: State,
) -> None:
    """A move that needs no form; the clicker hears why, if it changed nothing."""
    outcome = apply_move(services, client, team_id, referral_id, actor, target)
    if not outcome.moved:
        reply_privately(respond, refusal(outcome, target, actor))


def parse_move(value: object) -> tuple[int, State]:
    """`12:won` → (12, State.WON); the move buttons carry their referral and target."""
    referral_id, _, state = str(value or "").partition(":")
    try:
        return action_number({"value": referral_id}), State(state)
    except ValueError:
        raise MalformedPayload("a move button's value is not a referral and a state") from None


def check_closing(
    services: Services, team_id: str, referral_id: int, actor: str, target: State
) -> MoveOutcome:
    """May `actor` close the referral as `target`? Asked before the form that asks why or
    for how much; `refused` is None when they may."""
    with services.sessions() as session:
        referral = get_referral(session, team_id, referral_id)
        if referral is None:
            return MoveOutcome(None, Refused.NOT_FOUND)
        refused = check_move(referral, actor, target)
        return MoveOutcome(referral_info(referral), refused, State(referral.state))


@dataclass(frozen=True)
class Closing:
    """A filled reason (lost, not a fit) or deal-value (won) form, or its field errors."""

    referral_id: int
    target: State
    reason: str | None = None
    deal_value: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_closing(view: dict) -> Closing:
    """The closing form's values; a referral or state no form carries is MalformedPayload."""
    values, meta = view_values(view), view_metadata(view)
    referral_id = metadata_number(view)
    try:
        target = State(meta.get("state"))
    except ValueError:
        raise MalformedPayload("the form's state is not a referral state") from None
    errors: dict[str, str] = {}
    reason = values.get("reason")
    if reason and len(reason) > REFERRAL_LENGTHS["reason"]:
        errors["reason"] = f"Please use at most {REFERRAL_LENGTHS['reason']} characters."
    deal_value = None
    try:
        deal_value = parse_money(values.get("deal_value"))
    except ValueError as problem:
        errors["deal_value"] = str(problem)
    return Closing(referral_id, target, reason, deal_value, errors)


def close_referral(
    services: Services, client: WebClient, team_id: str, actor: str, closing: Closing
) -> None:
    """Make the move a closing form asked for; a refusal is told where the card is."""
    outcome = apply_move(
        services,
        client,
        team_id,
        closing.referral_id,
        actor,
        closing.target,
        reason=closing.reason,
        deal_value=closing.deal_value,
    )
    # A resubmitted form (retry, double click) finds the move done: nothing to say.
    if not outcome.moved and outcome.refused != Refused.ALREADY:
        channel = outcome.referral.card_channel if outcome.referral else None
        tell(client, actor, channel, *refusal(outcome, closing.target, actor))


def claim(
    services: Services, client: WebClient, team_id: str, referral_id: int, actor: str
) -> MoveOutcome:
    """Take a queue referral (the first claim wins); the claimer gets its working card."""
    with services.sessions.begin() as session:
        outcome = claim_referral(session, team_id, referral_id, actor)
    logger.info("referral %s claim by %s: refused=%s", referral_id, actor, outcome.refused)
    if outcome.moved and outcome.referral is not None:
        # The claimer works the referral from a card in their DM, with the full details.
        referral, problem = post_working_card(services, client, outcome.referral)
        announce(services, client, replace(outcome, referral=referral), actor)
        if problem is not None:
            tell(client, actor, referral.queue_channel_id, *card_not_sent(referral, problem))
    return outcome


def find_referral(services: Services, team_id: str, referral_id: int) -> ReferralInfo | None:
    with services.sessions() as session:
        referral = get_referral(session, team_id, referral_id)
        return referral_info(referral) if referral is not None else None


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
    if owner is None or info is None or not info.creditable:
        return reassign_text(None)
    with services.sessions.begin() as session:
        outcome = reassign(
            session, team_id, referral_id, admin, owner, is_admin=services.is_admin(admin)
        )
    problem = None
    if outcome.moved and outcome.referral is not None:
        referral = outcome.referral
        refresh_cards(services, client, referral, retired_owner=outcome.previous_owner)
        _, problem = post_working_card(services, client, referral)
        tell_referrer(client, referral, admin, services.settings.currency)
    return reassign_text(outcome, problem)

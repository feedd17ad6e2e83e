"""A deal won in the CRM: find its owner in Slack, ask them to confirm who helped, and on
confirmation credit everyone, celebrate the win and close the referral it came from.

`receive` runs in the webhook's request (one transaction, no Slack call); the Slack work
runs after the answer, and the deals job tries again whatever did not happen then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.assists import win_modal
from bot.blocks.deals import deal_confirmed, deal_edit_modal, deal_refusal, deal_request
from bot.blocks.referrals import referrer_update
from bot.faults import describe
from bot.flows.assists import celebrate
from bot.flows.homes import refresh_homes
from bot.forms import view_metadata
from bot.services import Services
from bot.slack.delivery import send_once
from bot.slack.messages import notify_credited, post_message
from models.assists import MAX_LENGTHS, assist_info
from models.base import utcnow
from models.deals import (
    ChainLink,
    CrmDeal,
    DealInfo,
    DealReport,
    DealStatus,
    Received,
    confirm_deal,
    deal_info,
    deals_to_ask,
    deals_to_escalate,
    deals_to_remind,
    get_deal,
    help_chain,
    matching_referral,
    receive_deal,
)
from models.people import find_person
from models.referrals import Referral, won_in_crm
from models.user_text import clean_text

logger = logging.getLogger(__name__)


def receive(services: Services, report: DealReport) -> Received:
    """Store the deal (once per source and deal id); a new one is asked about after."""
    now = utcnow()
    with services.sessions.begin() as session:
        received = receive_deal(session, services.team_id, report, now)
    logger.info(
        "deal %s:%s from the CRM: %s",
        report.source,
        report.deal_id,
        "new" if received.new else "amount updated" if received.changed else "seen before",
    )
    if received.new:
        services.defer(lambda: ask_owner_safely(services, received.deal.id))
    return received


def ask_owner_safely(services: Services, deal_id: int) -> None:
    """`ask_owner`, after the webhook's answer; a failure is left for the deals job."""
    try:
        ask_owner(services, deal_id)
    except Exception as error:
        logger.warning(
            "deal %s: the owner was not asked yet (%s); trying again later",
            deal_id,
            describe(error),
        )


def ask_owner(services: Services, deal_id: int, now: datetime | None = None) -> bool:
    """Find the owner by email; close the referral the deal came from; DM the owner the
    help chain to confirm. An owner nobody in Slack has the email of is left for admins."""
    now, client, team_id = now or utcnow(), services.client, services.team_id
    with services.sessions() as session:
        deal = get_deal(session, team_id, deal_id)
        if deal is None or deal.status == DealStatus.CONFIRMED.value or deal.asked_at:
            return False
        email = deal.owner_email
    owner = services.directory.lookup_email(client, team_id, email)
    with services.sessions.begin() as session:
        deal = get_deal(session, team_id, deal_id)
        deal.looked_up_at = now
        if owner is None or not owner.creditable:
            deal.status = DealStatus.OWNER_UNKNOWN.value
            logger.warning("deal %s: nobody in Slack has the owner's email %s", deal_id, email)
            return False
        deal.owner_id, deal.status = owner.user_id, DealStatus.PENDING.value
        info = deal_info(deal)
    close_referral(services, client, deal_id, owner.user_id, now)
    return ask(services, client, info, owner.user_id, f"crm-deal-ask:{deal_id}", now)


def ask(
    services: Services,
    client: WebClient,
    deal: DealInfo,
    person: str,
    key: str,
    now: datetime,
    *,
    for_owner: str | None = None,
    reminder: bool = False,
) -> bool:
    """DM `person` the request to confirm who helped (once per `key`), and note it."""
    chain = chain_for(services, deal, exclude=[person])
    text, blocks = deal_request(deal, chain, for_owner=for_owner, reminder=reminder)
    sent = send_once(
        services.sessions, client, services.team_id, key, person, text, blocks, now=now
    )
    with services.sessions.begin() as session:
        saved = get_deal(session, services.team_id, deal.id)
        if reminder:
            saved.reminded_at = now
        elif for_owner:
            saved.escalated_at, saved.asked_id = now, person
        else:
            saved.asked_at, saved.asked_id = now, person
    return sent


def chain_for(services: Services, deal: DealInfo, exclude: Sequence[str] = ()) -> list[ChainLink]:
    with services.sessions() as session:
        return help_chain(
            session, services.team_id, deal.customer, deal.url, utcnow(), exclude=exclude
        )


def close_referral(
    services: Services, client: WebClient, deal_id: int, owner_id: str, now: datetime
) -> None:
    """The referral this deal came from becomes won with its value; its referrer hears."""
    with services.sessions() as session:
        deal = get_deal(session, services.team_id, deal_id)
        if deal.referral_id is not None:  # matched on an earlier try
            referral = session.get(Referral, deal.referral_id)
        else:
            referral = matching_referral(session, services.team_id, deal.customer, now, deal.id)
        if referral is None:
            return
        referral_id, referrer_id = referral.id, referral.referrer_id
    referrer = services.directory.person(client, services.team_id, referrer_id)
    with services.sessions.begin() as session:
        deal = get_deal(session, services.team_id, deal_id)
        found = session.get_one(Referral, referral_id)
        deal.referral_id = found.id
        outcome = won_in_crm(session, found, owner_id, referrer, deal.amount, now)
    if outcome.moved and outcome.referral is not None:
        text, blocks = referrer_update(outcome.referral, owner_id, services.settings.currency)
        post_message(client, channel=outcome.referral.referrer_id, text=text, blocks=blocks)
        refresh_homes(services, client, services.team_id, [outcome.referral.referrer_id])


def may_confirm(services: Services, deal: CrmDeal, user_id: str) -> bool:
    """The owner, whoever was asked in their place, and admins may confirm."""
    return user_id in {deal.owner_id, deal.asked_id} or services.is_admin(user_id)


def confirm(
    services: Services,
    client: WebClient,
    deal_id: int,
    user_id: str,
    helpers: Sequence[str] | None = None,
) -> tuple[str, list[dict]]:
    """Credit the helpers (`None`: the whole chain), celebrate, answer the confirmer."""
    with services.sessions() as session:
        deal = get_deal(session, services.team_id, deal_id)
        if deal is None or not may_confirm(services, deal, user_id):
            return deal_refusal("Only the deal's owner, their manager or an admin can confirm it.")
        info = deal_info(deal)
    if helpers is None:
        helpers = [link.user_id for link in chain_for(services, info, exclude=[user_id])]
    people = services.directory.people(client, services.team_id, helpers)
    with services.sessions.begin() as session:
        deal = get_deal(session, services.team_id, deal_id)
        outcome = confirm_deal(session, deal, user_id, helpers, people, utcnow())
        win = assist_info(outcome.assist) if outcome.assist is not None else None
    if win is None:
        # Nobody else to credit (none found, or only bots and people who left): the deal is
        # confirmed all the same, so nobody is asked about it again.
        return deal_confirmed(info, [], "Nobody else was credited, so nothing was posted.")
    note = "Already confirmed: nothing changed."
    if not outcome.duplicate:
        notify_credited(client, win, outcome.credited)
        note = celebrate(services, client, win)
        refresh_homes(services, client, services.team_id, [user_id, *outcome.credited])
    logger.info("deal %s confirmed by %s: %d credited", deal_id, user_id, len(win.credited))
    return deal_confirmed(info, win.credited, note)


def edit_form(services: Services, deal_id: int, user_id: str) -> dict | None:
    """The form to change who is credited, or None if `user_id` may not confirm it."""
    with services.sessions() as session:
        deal = get_deal(session, services.team_id, deal_id)
        if deal is None or not may_confirm(services, deal, user_id):
            return None
        info = deal_info(deal)
    return deal_edit_modal(info, chain_for(services, info, exclude=[user_id]))


def follow_up(services: Services, now: datetime | None = None) -> dict[str, int]:
    """The deals job: ask owners not asked yet, remind after 3 days, ask the manager after
    7 (an owner without a manager is left to the admins, who see the deal in their Home)."""
    now, team_id, client = now or utcnow(), services.team_id, services.client
    with services.sessions() as session:
        to_ask = [d.id for d in deals_to_ask(session, team_id, now)]
        to_remind = [deal_info(d) for d in deals_to_remind(session, team_id, now)]
        to_escalate = [
            (deal_info(d), _manager(session, team_id, d.owner_id))
            for d in deals_to_escalate(session, team_id, now)
        ]
    done = {"asked": 0, "reminded": 0, "escalated": 0}
    for deal_id in to_ask:
        done["asked"] += ask_owner(services, deal_id, now)
    for deal in to_remind:
        key = f"crm-deal-remind:{deal.id}"
        done["reminded"] += ask(
            services, client, deal, deal.owner_id or "", key, now, reminder=True
        )
    for deal, manager in to_escalate:
        key = f"crm-deal-escalate:{deal.id}"
        if manager is None:
            logger.warning("deal %s: its owner has no manager to ask; admins see it", deal.id)
            _mark_escalated(services, deal.id, now)
            continue
        done["escalated"] += ask(services, client, deal, manager, key, now, for_owner=deal.owner_id)
    return done


def _manager(session: Session, team_id: str, owner_id: str | None) -> str | None:
    person = find_person(session, team_id, owner_id) if owner_id else None
    return person.manager_id if person else None


def _mark_escalated(services: Services, deal_id: int, now: datetime) -> None:
    with services.sessions.begin() as session:
        get_deal(session, services.team_id, deal_id).escalated_at = now


def prefilled_win_form(services: Services, view: dict, customer: str | None, giver: str) -> dict:
    """The `/win` form again, its helpers preselected from the chain for `customer`."""
    customer = clean_text(customer or "").strip()[: MAX_LENGTHS["customer"]] or None
    chain: list[ChainLink] = []
    if customer:
        with services.sessions() as session:
            chain = help_chain(session, services.team_id, customer, None, utcnow(), exclude=[giver])
    return win_modal(
        view_metadata(view).get("channel_id"),
        services.settings.currency,
        helpers=[link.user_id for link in chain],
        found_for=customer,
    )

"""Deals won in the CRM for the demo's sample company: help chains and revenue to show.

Built after the assists, through the bot's own functions, as if the CRM had reported each
deal: stored once (`receive_deal`), the referral it came from becomes won (`won_in_crm`,
which credits the referrer), and the owner confirms who helped (`confirm_deal`, a win
crediting them) from the help chain the bot would have found on the day it closed. The
newest deal is still waiting for its owner's answer. Deals are for customers the company
worked with; the same seed gives the same deals, whatever the date.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.commands.sample_company import DEMO_TEAM_ID
from models.assists import Assist, Credit
from models.base import utcnow
from models.deals import (
    ChainLink,
    CrmDeal,
    DealReport,
    DealStatus,
    confirm_deal,
    get_deal,
    help_chain,
    matching_referral,
    receive_deal,
    strongest,
)
from models.people import Person, PersonInfo, as_info
from models.referrals import Need, ReferralDraft, State, Urgency, create_referral, won_in_crm
from models.stats import period_window

SOURCE = "demo-crm"
UTC_ZONE = ZoneInfo("UTC")
MAX_DEALS = 24
EARLIER = 0.5  # the share of deals won before this quarter, when the sample goes back further
WITH_REFERRAL = 0.6  # the share of confirmed deals that came from a referral
KEPT_HELPERS = (3, 7)  # owners confirm the few most involved; the rest of the chain is dropped
DEAL_NAMES = (
    "Expansion to two more regions",
    "Three-year renewal",
    "Platform deal",
    "Pilot to production",
    "Upgrade to Enterprise",
    "200 more seats",
)
CONTEXTS = (
    "they asked about more seats during a support call",
    "their new CTO wants a demo of the reporting",
    "three more teams there want in",
    "they are outgrowing their plan",
)


@dataclass(frozen=True)
class SampleDeals:
    confirmed: int
    pending: int
    referrals_won: int


def build_sample_deals(
    session: Session,
    team_id: str = DEMO_TEAM_ID,
    *,
    weeks: int = 6,
    seed: int = 1,
    currency: str = "USD",
    tz: ZoneInfo = UTC_ZONE,
    now: datetime | None = None,
) -> SampleDeals:
    """Deals for customers the company helped in the last `weeks`: about half won this
    quarter, all but the newest confirmed with their help chain; commits."""
    rng = random.Random(f"deals:{seed}")
    now = now or utcnow()
    since = now - timedelta(days=7 * weeks)
    quarter = period_window("quarter", now, tz)
    people = {
        p.user_id: p for p in session.scalars(select(Person).where(Person.team_id == team_id))
    }
    reps = sorted(u for u, p in people.items() if p.department == "Sales")
    customers = _customers(session, team_id, since)
    if not reps or not customers:
        return SampleDeals(0, 0, 0)
    count = min(len(customers), MAX_DEALS, max(4, len(people) // 5, weeks))
    unsold = rng.sample(sorted(customers), len(customers))
    moments = _close_moments(rng, count, since, quarter.start, now)
    done = SampleDeals(0, 0, 0)
    for number, closed in enumerate(moments):
        # A customer someone had helped with before the deal closed, so it has a chain.
        customer = next((c for c in unsold if customers[c] < closed), None)
        if customer is None:
            continue
        unsold.remove(customer)
        pending = number == count - 1  # the newest waits for its owner
        owner = rng.choice(reps)
        referred = pending or rng.random() < WITH_REFERRAL
        if referred:
            _referral(rng, session, team_id, customer, owner, people, since, closed)
        deal = _deal(rng, session, team_id, number, customer, owner, people, currency, closed)
        won = _close_referral(session, team_id, deal, owner, people, closed)
        if pending:
            deal.asked_at, deal.asked_id = closed + timedelta(minutes=2), owner
        else:
            _confirm(rng, session, team_id, deal, owner, people, closed, now)
        done = SampleDeals(
            done.confirmed + (not pending), done.pending + pending, done.referrals_won + won
        )
    session.commit()
    return done


def _customers(session: Session, team_id: str, since: datetime) -> dict[str, datetime]:
    """Customers with an active assist since `since`, and when the first of them was."""
    return dict(
        session.execute(
            select(Assist.customer, func.min(Assist.created_at))
            .where(
                Assist.team_id == team_id,
                Assist.customer.is_not(None),
                Assist.revoked_at.is_(None),
                Assist.created_at >= since,
            )
            .group_by(Assist.customer)
        ).all()
    )


def _close_moments(
    rng: random.Random, count: int, since: datetime, quarter_start: datetime, now: datetime
) -> list[datetime]:
    """When each deal closed, oldest first: about half this quarter (so its revenue table
    has them), the rest earlier in the sample's weeks; the newest in the last 2 days."""
    this_quarter = max(since, quarter_start)
    moments = []
    for _ in range(count - 1):
        if rng.random() < EARLIER and since < quarter_start:
            start, end = since, quarter_start
        else:
            start, end = this_quarter, max(this_quarter, now - timedelta(days=1))
        moments.append(start + (end - start) * rng.random())
    moments.sort()
    moments.append(max(this_quarter, now - timedelta(days=2)) + timedelta(hours=1) * rng.random())
    return [min(m, now - timedelta(minutes=30)) for m in moments]


def _referral(
    rng: random.Random,
    session: Session,
    team_id: str,
    customer: str,
    owner: str,
    people: dict[str, Person],
    since: datetime,
    closed: datetime,
) -> None:
    """A referral passed to the owner some weeks before the deal closed, by someone outside
    sales who was credited for work on that customer (anyone outside sales otherwise)."""
    helped = session.scalars(
        select(Credit.recipient_id)
        .join(Assist, Assist.id == Credit.assist_id)
        .where(
            Assist.team_id == team_id,
            Assist.customer == customer,
            Credit.revoked_at.is_(None),
            Credit.created_at < closed,
        )
        .group_by(Credit.recipient_id)
        .order_by(func.min(Credit.created_at), Credit.recipient_id)
        .limit(50)
    ).all()
    outside = [u for u in helped if u in people and people[u].department != "Sales"]
    outside = outside or sorted(u for u, p in people.items() if p.department != "Sales")
    referrer = rng.choice(outside)
    created = max(since, closed - timedelta(days=rng.uniform(7, 35)))
    if created >= closed:
        created = closed - timedelta(hours=1)
    referral, _ = create_referral(
        session,
        ReferralDraft(
            team_id=team_id,
            referrer_id=referrer,
            customer=customer,
            need=rng.choice([Need.EXPANSION, Need.NEW_LEAD]),
            urgency=rng.choice([Urgency.NORMAL, Urgency.HIGH]),
            context=rng.choice(CONTEXTS),
            owner_id=owner,
            dedupe_key=f"demo-referral:{customer}",
        ),
        now=created,
    )
    referral.state, referral.accepted_at = State.CONTACTED.value, created + timedelta(hours=3)
    referral.first_contact_at = referral.state_changed_at = created + timedelta(days=1)


def _deal(
    rng: random.Random,
    session: Session,
    team_id: str,
    number: int,
    customer: str,
    owner: str,
    people: dict[str, Person],
    currency: str,
    closed: datetime,
) -> CrmDeal:
    deal_id = f"D-{1001 + number}"
    received = receive_deal(
        session,
        team_id,
        DealReport(
            deal_id=deal_id,
            name=rng.choice(DEAL_NAMES),
            customer=customer,
            owner_email=people[owner].email or f"{owner.lower()}@example.com",
            amount=Decimal(rng.randrange(8, 240) * 500),
            currency=currency,
            closed_at=closed,
            url=f"https://crm.example.com/deals/{deal_id}",
            source=SOURCE,
        ),
        closed,
    )
    deal = get_deal(session, team_id, received.deal.id)
    deal.owner_id, deal.looked_up_at, deal.status = owner, closed, DealStatus.PENDING.value
    return deal


def _close_referral(
    session: Session,
    team_id: str,
    deal: CrmDeal,
    owner: str,
    people: dict[str, Person],
    closed: datetime,
) -> bool:
    """As when the owner is asked: the referral the deal came from becomes won."""
    referral = matching_referral(session, team_id, deal.customer, closed, deal.id)
    if referral is None:
        return False
    deal.referral_id = referral.id
    referrer = _info(people, referral.referrer_id)
    return won_in_crm(session, referral, owner, referrer, deal.amount, closed).moved


def _confirm(
    rng: random.Random,
    session: Session,
    team_id: str,
    deal: CrmDeal,
    owner: str,
    people: dict[str, Person],
    closed: datetime,
    now: datetime,
) -> None:
    """The owner confirms the most involved of the chain found when the deal closed."""
    asked = closed + timedelta(minutes=2)
    chain = chain_before(
        help_chain(session, team_id, deal.customer, deal.url, closed, exclude=[owner]), closed
    )
    helpers = [link.user_id for link in chain[: rng.randint(*KEPT_HELPERS)]]
    deal.asked_at, deal.asked_id = asked, owner
    answered = min(asked + timedelta(hours=rng.uniform(1, 30)), now - timedelta(minutes=5))
    confirm_deal(
        session, deal, owner, helpers, {u: _info(people, u) for u in helpers}, max(asked, answered)
    )


def chain_before(chain: Sequence[ChainLink], moment: datetime) -> list[ChainLink]:
    """The chain as the bot found it at `moment`: only what happened before it."""
    kept = []
    for link in chain:
        evidence = tuple(e for e in link.evidence if e.when <= moment)
        if evidence:
            kept.append(ChainLink(link.user_id, evidence))
    return sorted(kept, key=lambda link: (strongest(link.evidence[0]), link.user_id))


def _info(people: dict[str, Person], user_id: str) -> PersonInfo | None:
    person = people.get(user_id)
    return as_info(person) if person is not None else None

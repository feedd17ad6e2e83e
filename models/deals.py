"""Deals won in the CRM: received once per (source, deal id), confirmed with their help
chain by the deal's owner, and added up per department as sourced and influenced revenue.

A deal arrives by webhook. Its owner is asked to confirm who helped (the help chain: the
people credited about that customer in the last year, and the referrer). Confirming
records a win crediting them all; a referral for that customer becomes won with the
deal's value. Sourced revenue goes to the referrer's department; influenced revenue, whole
and never split, to every department with someone in the confirmed chain.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.assists import (
    Assist,
    AssistDraft,
    Credit,
    Kind,
    RecordOutcome,
    Source,
    Stage,
    record_assist,
)
from models.base import Base, TeamScoped, UtcDateTime, insert_once
from models.customers import customer_key, search_word
from models.people import Person, PersonInfo
from models.referrals import CLOSED, Referral, State
from models.user_text import clean_text

CHAIN_MONTHS = 12
REMIND_AFTER = timedelta(days=3)
ESCALATE_AFTER = timedelta(days=7)
LOOKUP_AGAIN_AFTER = timedelta(days=1)
LENGTHS = {"deal_id": 100, "deal_name": 200, "customer": 150, "owner_email": 320, "url": 500}
SOURCE_LENGTH = 50
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


class DealStatus(StrEnum):
    PENDING = "pending"  # the owner (or their manager) is asked to confirm the help chain
    OWNER_UNKNOWN = "owner_unknown"  # nobody in Slack has the owner's email: admins see it
    CONFIRMED = "confirmed"


class CrmDeal(TeamScoped, Base):
    __tablename__ = "crm_deals"
    __table_args__ = (
        UniqueConstraint("team_id", "source", "deal_id"),
        Index("ix_crm_deals_team_id_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    deal_id: Mapped[str] = mapped_column(String(LENGTHS["deal_id"]))
    name: Mapped[str] = mapped_column(String(LENGTHS["deal_name"]))
    customer: Mapped[str] = mapped_column(String(LENGTHS["customer"]))
    owner_email: Mapped[str] = mapped_column(String(LENGTHS["owner_email"]))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    url: Mapped[str | None] = mapped_column(String(LENGTHS["url"]))
    status: Mapped[str] = mapped_column(String(16), default=DealStatus.PENDING.value)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    assist_id: Mapped[int | None] = mapped_column(ForeignKey("assists.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    looked_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    asked_id: Mapped[str | None] = mapped_column(String(32))  # who was asked to confirm
    asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ask_channel: Mapped[str | None] = mapped_column(String(32))
    ask_ts: Mapped[str | None] = mapped_column(String(32))
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(32))

    @property
    def when(self) -> datetime:
        """When the deal was won: the CRM's close date, or when it was reported."""
        return self.closed_at or self.received_at


class DealFieldError(ValueError):
    """A deal report with a missing or malformed field; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class DealReport:
    """A deal as the CRM reported it, checked field by field."""

    deal_id: str
    name: str
    customer: str
    owner_email: str
    amount: Decimal | None = None
    currency: str = "USD"
    closed_at: datetime | None = None
    url: str | None = None
    source: str = "crm"


def read_deal(payload: Mapping[str, Any], default_currency: str) -> DealReport:
    """The deal in a webhook's JSON object; raises DealFieldError for the first bad field.
    Fields the bot does not know are ignored."""
    owner_email = _text(payload, "owner_email", required=True)
    if not _EMAIL.fullmatch(owner_email):
        raise DealFieldError("owner_email", "is not an email address")
    currency = _text(payload, "currency", required=False, limit=3) or default_currency
    if not _CURRENCY.fullmatch(currency):
        raise DealFieldError("currency", "must be an ISO 4217 code such as EUR")
    url = _text(payload, "url", required=False) or None
    if url and (not url.startswith(("https://", "http://")) or re.search(r"[\s<>|]", url)):
        raise DealFieldError("url", "must be one http(s) link")
    source = _text(payload, "source", required=False, limit=SOURCE_LENGTH).lower() or "crm"
    return DealReport(
        deal_id=_text(payload, "deal_id", required=True),
        name=_text(payload, "deal_name", required=True),
        customer=_text(payload, "customer", required=True),
        owner_email=owner_email.lower(),
        amount=_amount(payload.get("amount")),
        currency=currency.upper(),
        closed_at=_moment(payload.get("closed_at")),
        url=url,
        source=source,
    )


def _text(payload: Mapping[str, Any], field: str, *, required: bool, limit: int = 0) -> str:
    value = payload.get(field)
    if value is None or value == "":
        if required:
            raise DealFieldError(field, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DealFieldError(field, "must be text")
    text = clean_text(str(value)).strip()
    limit = limit or LENGTHS.get(field, 0)
    if required and not text:
        raise DealFieldError(field, "is required")
    if limit and len(text) > limit:
        raise DealFieldError(field, f"must be at most {limit} characters")
    return text


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DealFieldError("amount", "must be a number")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise DealFieldError("amount", "must be a number") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise DealFieldError("amount", "must be a number from 0 to 999,999,999,999.99")
    return amount.quantize(Decimal("0.01"))


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DealFieldError("closed_at", "must be an ISO 8601 date or time")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DealFieldError("closed_at", "must be an ISO 8601 date or time") from None
    if not 2000 <= moment.year <= 2100:
        raise DealFieldError("closed_at", "is not a plausible date")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DealInfo:
    """A deal as the bot shows it: plain data for builders."""

    id: int
    source: str
    deal_id: str
    name: str
    customer: str
    owner_email: str
    owner_id: str | None
    amount: Decimal | None
    currency: str
    url: str | None
    status: str
    when: datetime
    referral_id: int | None = None


def deal_info(deal: CrmDeal) -> DealInfo:
    return DealInfo(
        deal.id,
        deal.source,
        deal.deal_id,
        deal.name,
        deal.customer,
        deal.owner_email,
        deal.owner_id,
        deal.amount,
        deal.currency,
        deal.url,
        deal.status,
        deal.when,
        deal.referral_id,
    )


@dataclass(frozen=True)
class Received:
    deal: DealInfo
    new: bool  # the first delivery of this deal
    changed: bool  # a repeat that changed the amount


def receive_deal(session: Session, team_id: str, report: DealReport, now: datetime) -> Received:
    """Store a deal once per (source, deal id). A repeat changes nothing, but a new amount,
    which also reaches the win and the referral the deal already closed."""
    existing = _by_key(session, team_id, report.source, report.deal_id)
    if existing is None:
        deal = CrmDeal(
            team_id=team_id,
            source=report.source,
            deal_id=report.deal_id,
            name=report.name,
            customer=report.customer,
            owner_email=report.owner_email,
            amount=report.amount,
            currency=report.currency,
            closed_at=report.closed_at,
            url=report.url,
            status=DealStatus.PENDING.value,
            received_at=now,
            updated_at=now,
        )
        stored, created = insert_once(
            session, deal, lambda: _by_key(session, team_id, report.source, report.deal_id)
        )
        return Received(deal_info(stored), created, False)
    if (existing.amount, existing.currency) == (report.amount, report.currency):
        return Received(deal_info(existing), False, False)
    existing.amount, existing.currency, existing.updated_at = report.amount, report.currency, now
    win = session.get(Assist, existing.assist_id) if existing.assist_id else None
    if win is not None:
        win.deal_value = report.amount
    referral = session.get(Referral, existing.referral_id) if existing.referral_id else None
    if referral is not None and referral.state == State.WON.value:
        referral.deal_value = report.amount
    session.flush()
    return Received(deal_info(existing), False, True)


def _by_key(session: Session, team_id: str, source: str, deal_id: str) -> CrmDeal | None:
    return session.scalar(
        select(CrmDeal).where(
            CrmDeal.team_id == team_id, CrmDeal.source == source, CrmDeal.deal_id == deal_id
        )
    )


def get_deal(session: Session, team_id: str, deal_id: int) -> CrmDeal | None:
    return session.scalar(select(CrmDeal).where(CrmDeal.team_id == team_id, CrmDeal.id == deal_id))


class Help(StrEnum):
    REFERRED = "referred"  # passed the referral for this customer
    CREDITED = "credited"  # was credited for work on this customer
    GAVE = "gave"  # credited others for work on this customer


@dataclass(frozen=True)
class HelpEvidence:
    kind: Help
    when: datetime
    detail: str | None = None  # what they did, when it may be quoted (never private text)


@dataclass(frozen=True)
class ChainLink:
    """One person in a deal's help chain, with why: their most recent evidence first."""

    user_id: str
    evidence: tuple[HelpEvidence, ...]


def help_chain(
    session: Session,
    team_id: str,
    customer: str,
    url: str | None,
    now: datetime,
    *,
    exclude: Iterable[str] = (),
) -> list[ChainLink]:
    """Who helped win this customer in the last year: the referrer of a referral for it,
    the people credited for work on it (named alike, or with the same CRM link) and those
    who credited them. Bots, people who left and `exclude` (the owner) are left out."""
    since = now - timedelta(days=30 * CHAIN_MONTHS)
    key = customer_key(customer)
    found: dict[str, list[HelpEvidence]] = defaultdict(list)
    for assist in _assists_about(session, team_id, key, url, since):
        detail = None if assist.is_private else (assist.description or None)
        for credit in assist.credits:
            if credit.revoked_at is None:
                found[credit.recipient_id].append(
                    HelpEvidence(Help.CREDITED, assist.created_at, detail)
                )
        found[assist.giver_id].append(HelpEvidence(Help.GAVE, assist.created_at))
    for referral in referrals_about(session, team_id, key, since):
        found[referral.referrer_id].append(HelpEvidence(Help.REFERRED, referral.created_at))
    people = {
        p.user_id: p
        for p in session.scalars(
            select(Person).where(Person.team_id == team_id, Person.user_id.in_(list(found)))
        )
    }
    left_out = set(exclude)
    links = [
        ChainLink(user, tuple(sorted(evidence, key=strongest)))
        for user, evidence in found.items()
        if user not in left_out
        and not (user in people and (people[user].is_bot or people[user].is_deleted))
    ]
    return sorted(links, key=lambda link: (strongest(link.evidence[0]), link.user_id))


def strongest(evidence: HelpEvidence) -> tuple[int, float]:
    """Referred first, then credited, then gave; the most recent first within each."""
    rank = {Help.REFERRED: 0, Help.CREDITED: 1, Help.GAVE: 2}[evidence.kind]
    return rank, -evidence.when.timestamp()


def _assists_about(
    session: Session, team_id: str, key: str, url: str | None, since: datetime
) -> list[Assist]:
    word = search_word(key)
    if not word and not url:
        return []
    about = []
    if word:
        about.append(func.lower(Assist.customer).contains(word, autoescape=True))
    if url:
        about.append(Assist.crm_url == url)
    rows = session.scalars(
        select(Assist).where(
            Assist.team_id == team_id,
            Assist.revoked_at.is_(None),
            Assist.created_at >= since,
            or_(*about),
        )
    )
    return [a for a in rows if customer_key(a.customer) == key or (url and a.crm_url == url)]


def referrals_about(session: Session, team_id: str, key: str, since: datetime) -> list[Referral]:
    """Referrals for the customer (named alike), newest first."""
    word = search_word(key)
    if not word:
        return []
    rows = session.scalars(
        select(Referral)
        .where(
            Referral.team_id == team_id,
            Referral.created_at >= since,
            func.lower(Referral.customer).contains(word, autoescape=True),
        )
        .order_by(Referral.created_at.desc())
    )
    return [r for r in rows if customer_key(r.customer) == key]


def matching_referral(
    session: Session, team_id: str, customer: str, now: datetime, deal_id: int | None = None
) -> Referral | None:
    """The referral a deal for `customer` came from: the newest one still open, else the
    newest one won by hand in Slack that no deal came from yet. A referral sources at most
    one deal: one another deal already came from is never matched again (so a later deal
    for the same customer does not take its "sourced" revenue), and a lost or not-a-fit
    referral did not lead to this deal. `deal_id`: the deal asking, which may keep its own."""
    found = referrals_about(
        session, team_id, customer_key(customer), now - timedelta(days=30 * CHAIN_MONTHS)
    )
    taken = set(
        session.scalars(
            select(CrmDeal.referral_id).where(
                CrmDeal.team_id == team_id,
                CrmDeal.referral_id.in_([r.id for r in found]),
                CrmDeal.id != (deal_id or 0),
            )
        )
    )
    free = [r for r in found if r.id not in taken]
    open_ = [r for r in free if State(r.state) not in CLOSED]
    won = [r for r in free if r.state == State.WON.value]
    return (open_ or won or [None])[0]


def confirm_deal(
    session: Session,
    deal: CrmDeal,
    confirmer_id: str,
    helper_ids: Iterable[str],
    people: Mapping[str, PersonInfo | None],
    now: datetime,
) -> RecordOutcome:
    """Record the deal's win crediting its confirmed helpers (once: a second confirmation
    finds the first), and mark the deal confirmed."""
    outcome = record_assist(
        session,
        AssistDraft(
            team_id=deal.team_id,
            giver_id=confirmer_id,
            recipient_ids=list(helper_ids),
            kind=Kind.WIN,
            source=Source.WEBHOOK,
            stage=Stage.SALE,
            customer=deal.customer,
            description=f"won {deal.name}",
            crm_url=deal.url,
            deal_value=deal.amount,
            dedupe_key=f"crm-deal:{deal.id}",
        ),
        people,
        limit=None,
        now=now,
    )
    if deal.status != DealStatus.CONFIRMED.value:
        deal.status, deal.confirmed_by, deal.confirmed_at = (
            DealStatus.CONFIRMED.value,
            confirmer_id,
            now,
        )
        deal.assist_id = outcome.assist.id if outcome.assist is not None else None
    return outcome


def deals_to_ask(session: Session, team_id: str, now: datetime) -> list[CrmDeal]:
    """Deals whose owner was never asked (a lookup still to do, or to do again)."""
    return list(
        session.scalars(
            select(CrmDeal).where(
                CrmDeal.team_id == team_id,
                or_(
                    (CrmDeal.status == DealStatus.PENDING.value) & CrmDeal.asked_at.is_(None),
                    (CrmDeal.status == DealStatus.OWNER_UNKNOWN.value)
                    & (CrmDeal.looked_up_at < now - LOOKUP_AGAIN_AFTER),
                ),
            )
        )
    )


def deals_to_remind(session: Session, team_id: str, now: datetime) -> list[CrmDeal]:
    """Pending for 3 days and not reminded: the owner gets one reminder."""
    return list(
        session.scalars(
            select(CrmDeal).where(
                CrmDeal.team_id == team_id,
                CrmDeal.status == DealStatus.PENDING.value,
                CrmDeal.asked_at <= now - REMIND_AFTER,
                CrmDeal.reminded_at.is_(None),
                CrmDeal.escalated_at.is_(None),
            )
        )
    )


def deals_to_escalate(session: Session, team_id: str, now: datetime) -> list[CrmDeal]:
    """Pending for 7 days: the owner's manager is asked instead, once."""
    return list(
        session.scalars(
            select(CrmDeal).where(
                CrmDeal.team_id == team_id,
                CrmDeal.status == DealStatus.PENDING.value,
                CrmDeal.asked_at <= now - ESCALATE_AFTER,
                CrmDeal.escalated_at.is_(None),
            )
        )
    )


def unowned_deals(session: Session, team_id: str) -> list[DealInfo]:
    """Deals whose owner nobody in Slack has the email of: admins can fix the address."""
    rows = session.scalars(
        select(CrmDeal)
        .where(CrmDeal.team_id == team_id, CrmDeal.status == DealStatus.OWNER_UNKNOWN.value)
        .order_by(CrmDeal.received_at)
    )
    return [deal_info(d) for d in rows]


@dataclass(frozen=True)
class DepartmentRevenue:
    """What one department sourced (its people referred the deal) and influenced (its
    people are in the confirmed chain; each deal counted whole, never split)."""

    department: str
    currency: str
    sourced: Decimal = Decimal(0)
    influenced: Decimal = Decimal(0)
    deals_sourced: int = 0
    deals_influenced: int = 0


def department_revenue(
    session: Session, team_id: str, start: datetime, end: datetime
) -> list[DepartmentRevenue]:
    """Per department and currency, for deals won in [start, end): biggest first."""
    deals = _deals_won(session, team_id, start, end)
    sourced: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    influenced: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    departments = _departments(session, team_id, deals)
    for deal, referrer, helpers in deals:
        value = deal.amount or Decimal(0)
        if referrer is not None and departments.get(referrer):
            sourced[(departments[referrer], deal.currency)].append(value)
        for department in {departments[h] for h in helpers if departments.get(h)}:
            influenced[(department, deal.currency)].append(value)
    rows = [
        DepartmentRevenue(
            department,
            currency,
            sum(sourced.get((department, currency), []), Decimal(0)),
            sum(influenced.get((department, currency), []), Decimal(0)),
            len(sourced.get((department, currency), [])),
            len(influenced.get((department, currency), [])),
        )
        for department, currency in sorted(set(sourced) | set(influenced))
    ]
    return sorted(rows, key=lambda r: (-(r.sourced + r.influenced), r.department))


@dataclass(frozen=True)
class WonTotal:
    """All deals won in a window in one currency: how many, worth how much in all."""

    currency: str
    deals: int
    value: Decimal


def won_totals(session: Session, team_id: str, start: datetime, end: datetime) -> list[WonTotal]:
    """Per currency, the deals won in [start, end), each counted once: the whole that the
    departments' influenced figures add up to more than."""
    totals: dict[str, list[Decimal]] = defaultdict(list)
    for deal, _, _ in _deals_won(session, team_id, start, end):
        totals[deal.currency].append(deal.amount or Decimal(0))
    return [
        WonTotal(currency, len(values), sum(values, Decimal(0)))
        for currency, values in sorted(totals.items(), key=lambda t: -sum(t[1], Decimal(0)))
    ]


@dataclass(frozen=True)
class PersonDeals:
    count: int = 0
    totals: tuple[tuple[str, Decimal], ...] = ()  # (currency, value), biggest first


def person_deals(
    session: Session, team_id: str, user_id: str, start: datetime, end: datetime
) -> PersonDeals:
    """The deals won in [start, end) whose confirmed chain credits `user_id`."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for deal, _, helpers in _deals_won(session, team_id, start, end):
        if user_id in helpers:
            count += 1
            totals[deal.currency] += deal.amount or Decimal(0)
    return PersonDeals(count, tuple(sorted(totals.items(), key=lambda t: -t[1])))


def _deals_won(
    session: Session, team_id: str, start: datetime, end: datetime
) -> list[tuple[CrmDeal, str | None, set[str]]]:
    """Each deal won in the window, its referrer and its confirmed helpers."""
    won_at = func.coalesce(CrmDeal.closed_at, CrmDeal.received_at)
    deals = list(
        session.scalars(
            select(CrmDeal).where(CrmDeal.team_id == team_id, won_at >= start, won_at < end)
        )
    )
    referrers = dict(
        session.execute(
            select(Referral.id, Referral.referrer_id).where(
                Referral.id.in_([d.referral_id for d in deals if d.referral_id])
            )
        ).all()
    )
    helpers: dict[int, set[str]] = defaultdict(set)
    for assist_id, recipient in session.execute(
        select(Credit.assist_id, Credit.recipient_id).where(
            Credit.assist_id.in_([d.assist_id for d in deals if d.assist_id]),
            Credit.revoked_at.is_(None),
        )
    ):
        helpers[assist_id].add(recipient)
    return [
        (d, referrers.get(d.referral_id), helpers.get(d.assist_id, set()) if d.assist_id else set())
        for d in deals
    ]


def _departments(
    session: Session, team_id: str, deals: list[tuple[CrmDeal, str | None, set[str]]]
) -> dict[str, str | None]:
    people = {r for _, r, _ in deals if r} | {h for _, _, hs in deals for h in hs}
    if not people:
        return {}
    return dict(
        session.execute(
            select(Person.user_id, Person.department).where(
                Person.team_id == team_id, Person.user_id.in_(people)
            )
        ).all()
    )

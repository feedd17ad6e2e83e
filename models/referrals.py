"""Referrals: a buying signal passed to sales, and the state machine it moves through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column, relationship

from models.assists import (
    MAX_LENGTHS,
    AssistDraft,
    Kind,
    RecordOutcome,
    Source,
    Stage,
    record_assist,
)
from models.base import Base, TeamScoped, UtcDateTime, insert_once, utcnow
from models.people import Person, PersonInfo


class State(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"
    NOT_A_FIT = "not_a_fit"


class Need(StrEnum):
    EXPANSION = "expansion"
    NEW_LEAD = "new_lead"
    RENEWAL_RISK = "renewal_risk"
    OTHER = "other"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


# Forward only: new → accepted → contacted → closed; skipping ahead is fine, going back is not.
ORDER = [State.NEW, State.ACCEPTED, State.CONTACTED]
CLOSED = frozenset({State.WON, State.LOST, State.NOT_A_FIT})
NEEDS_REASON = frozenset({State.LOST, State.NOT_A_FIT})
FIRST_CONTACT = frozenset({State.CONTACTED, State.WON, State.LOST})
REFERRAL_LENGTHS = {"context": 1500, "contact": 200, "reason": 500, **MAX_LENGTHS}


class Referral(TeamScoped, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key"),
        # The digest's referrals won in the week.
        Index("ix_referrals_team_id_state_closed_at", "team_id", "state", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referrer_id: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    customer: Mapped[str] = mapped_column(String(MAX_LENGTHS["customer"]))
    need: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8), default=Urgency.NORMAL.value)
    context: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(200))
    crm_url: Mapped[str | None] = mapped_column(String(MAX_LENGTHS["crm_url"]))
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    origin_channel_id: Mapped[str | None] = mapped_column(String(32))
    queue_channel_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=State.NEW.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state_changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(500))
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The owner's DM card (with the buttons) and the public queue post, for chat.update.
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    queue_ts: Mapped[str | None] = mapped_column(String(32))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    history: Mapped[list[ReferralMove]] = relationship(
        back_populates="referral", lazy="selectin", order_by="ReferralMove.id"
    )

    @property
    def closed(self) -> bool:
        return State(self.state) in CLOSED


@dataclass(frozen=True)
class ReferralInfo:
    """A referral as the bot shows it: plain data read from the row, for builders.

    The fields after `queue_channel_id` say where its messages are (the owner's DM card,
    the queue post), so a flow can update them without going back to the row."""

    id: int
    referrer_id: str
    owner_id: str | None
    customer: str
    need: str
    urgency: str
    context: str
    contact: str | None
    crm_url: str | None
    is_private: bool
    state: str
    created_at: datetime
    assigned_at: datetime | None
    state_changed_at: datetime
    close_reason: str | None
    deal_value: Decimal | None
    queue_channel_id: str | None = None
    team_id: str = ""
    origin_channel_id: str | None = None
    card_channel: str | None = None
    card_ts: str | None = None
    queue_ts: str | None = None


def referral_info(referral: Referral) -> ReferralInfo:
    """The row as plain data; read it inside the session that loaded the row."""
    return ReferralInfo(
        id=referral.id,
        referrer_id=referral.referrer_id,
        owner_id=referral.owner_id,
        customer=referral.customer,
        need=referral.need,
        urgency=referral.urgency,
        context=referral.context,
        contact=referral.contact,
        crm_url=referral.crm_url,
        is_private=referral.is_private,
        state=referral.state,
        created_at=referral.created_at,
        assigned_at=referral.assigned_at,
        state_changed_at=referral.state_changed_at,
        close_reason=referral.close_reason,
        deal_value=referral.deal_value,
        queue_channel_id=referral.queue_channel_id,
        team_id=referral.team_id,
        origin_channel_id=referral.origin_channel_id,
        card_channel=referral.card_channel,
        card_ts=referral.card_ts,
        queue_ts=referral.queue_ts,
    )


class ReferralMove(TeamScoped, Base):
    """One change of state or owner, for the referrer's story and the export."""

    __tablename__ = "referral_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    actor_id: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="history")


@dataclass(frozen=True)
class ReferralDraft:
    team_id: str
    referrer_id: str
    customer: str
    need: Need
    urgency: Urgency = Urgency.NORMAL
    context: str = ""
    contact: str | None = None
    crm_url: str | None = None
    owner_id: str | None = None
    queue_channel_id: str | None = None
    origin_channel_id: str | None = None
    is_private: bool = False
    dedupe_key: str | None = None


def create_referral(
    session: Session, draft: ReferralDraft, now: datetime | None = None
) -> tuple[Referral, bool]:
    """Store a new referral; (referral, created) — False when this submission was seen before."""
    now = now or utcnow()
    existing = _by_dedupe_key(session, draft.team_id, draft.dedupe_key)
    if existing is not None:
        return existing, False
    referral = Referral(
        team_id=draft.team_id,
        referrer_id=draft.referrer_id,
        owner_id=draft.owner_id,
        customer=draft.customer,
        need=draft.need.value,
        urgency=draft.urgency.value,
        context=draft.context,
        contact=draft.contact or None,
        crm_url=draft.crm_url or None,
        queue_channel_id=None if draft.owner_id else draft.queue_channel_id,
        origin_channel_id=draft.origin_channel_id,
        is_private=draft.is_private,
        state=State.NEW.value,
        created_at=now,
        assigned_at=now if draft.owner_id else None,
        state_changed_at=now,
        dedupe_key=draft.dedupe_key,
    )
    return insert_once(
        session, referral, lambda: _by_dedupe_key(session, draft.team_id, draft.dedupe_key)
    )


class Refused(StrEnum):
    NOT_FOUND = "not_found"
    NOT_OWNER = "not_owner"
    ALREADY = "already"
    BACKWARDS = "backwards"
    CLOSED = "closed"
    CLAIMED = "claimed"
    NOT_ADMIN = "not_admin"
    NEEDS_REASON = "needs_reason"


@dataclass(frozen=True)
class MoveOutcome:
    """What a move, claim or reassignment did: the referral as it now stands (plain data,
    safe to use after the transaction), or why nothing changed."""

    referral: ReferralInfo | None
    refused: Refused | None = None
    from_state: State | None = None
    credit: RecordOutcome | None = None
    previous_owner: str | None = None

    @property
    def moved(self) -> bool:
        return self.refused is None


def allowed(from_state: State, to_state: State) -> bool:
    """Forward moves only; closed referrals stay closed."""
    if from_state in CLOSED or to_state == State.NEW or to_state == from_state:
        return False
    if to_state in CLOSED:
        return True
    return ORDER.index(to_state) > ORDER.index(from_state)


def check_move(referral: Referral, actor_id: str, to_state: State) -> Refused | None:
    """Why `actor_id` may not move `referral` to `to_state`, or None if they may."""
    current = State(referral.state)
    if referral.owner_id != actor_id:
        return Refused.NOT_OWNER
    if current == to_state:
        return Refused.ALREADY
    if current in CLOSED:
        return Refused.CLOSED
    if not allowed(current, to_state):
        return Refused.BACKWARDS
    return None


def move(
    session: Session,
    team_id: str,
    referral_id: int,
    actor_id: str,
    to_state: State,
    *,
    referrer: PersonInfo | None = None,
    reason: str | None = None,
    deal_value: Decimal | None = None,
    now: datetime | None = None,
) -> MoveOutcome:
    """Move a referral to `to_state` if the actor owns it and the move goes forward.

    A compare-and-set on the current state makes double clicks and retries harmless:
    of two identical clicks exactly one moves the referral, the other is told it already did.
    """
    now = now or utcnow()
    referral = get_referral(session, team_id, referral_id)
    if referral is None:
        return MoveOutcome(None, Refused.NOT_FOUND)
    current = State(referral.state)
    refused = check_move(referral, actor_id, to_state)
    if refused is None and to_state in NEEDS_REASON and not (reason or "").strip():
        refused = Refused.NEEDS_REASON
    if refused is not None:
        return MoveOutcome(referral_info(referral), refused, current)
    values: dict[str, object] = {"state": to_state.value, "state_changed_at": now}
    if to_state == State.ACCEPTED or (referral.accepted_at is None and to_state != State.NEW):
        values["accepted_at"] = referral.accepted_at or now
    if to_state in FIRST_CONTACT and referral.first_contact_at is None:
        values["first_contact_at"] = now
    if to_state in CLOSED:
        values.update(closed_at=now, close_reason=reason or None, deal_value=deal_value)
    if not _compare_and_set(session, referral, current, values):
        session.refresh(referral)
        return MoveOutcome(referral_info(referral), Refused.ALREADY, State(referral.state))
    _log(session, referral, actor_id, current, to_state, reason, now)
    session.refresh(referral)
    credit = _credit_referrer(session, referral, referrer, now) if to_state == State.WON else None
    return MoveOutcome(referral_info(referral), None, current, credit)


def won_in_crm(
    session: Session,
    referral: Referral,
    owner_id: str | None,
    referrer: PersonInfo | None,
    deal_value: Decimal | None,
    now: datetime,
) -> MoveOutcome:
    """The CRM reports the deal this referral led to as won: it becomes won with the deal's
    value, whatever state it was in, and its referrer is credited (once). One already won
    only takes the value."""
    current = State(referral.state)
    if current == State.WON:
        referral.deal_value = deal_value
        return MoveOutcome(referral_info(referral), Refused.ALREADY, current)
    if referral.owner_id is None and owner_id:
        referral.owner_id, referral.assigned_at = owner_id, now
    values: dict[str, object] = {
        "state": State.WON.value,
        "state_changed_at": now,
        "accepted_at": referral.accepted_at or now,
        "closed_at": now,
        "deal_value": deal_value,
        "owner_id": referral.owner_id,
    }
    if not _compare_and_set(session, referral, current, values):
        session.refresh(referral)
        return MoveOutcome(referral_info(referral), Refused.ALREADY, State(referral.state))
    _log(session, referral, owner_id or "crm", current, State.WON, "won in the CRM", now)
    session.refresh(referral)
    credit = _credit_referrer(session, referral, referrer, now)
    return MoveOutcome(referral_info(referral), None, current, credit)


def claim_referral(
    session: Session, team_id: str, referral_id: int, actor_id: str, now: datetime | None = None
) -> MoveOutcome:
    """Take an unowned queue referral: the first claim wins, and claiming accepts it."""
    now = now or utcnow()
    referral = get_referral(session, team_id, referral_id)
    if referral is None:
        return MoveOutcome(None, Refused.NOT_FOUND)
    current = State(referral.state)
    if referral.owner_id is not None:
        refused = Refused.ALREADY if referral.owner_id == actor_id else Refused.CLAIMED
        return MoveOutcome(referral_info(referral), refused, current)
    if current in CLOSED:
        return MoveOutcome(referral_info(referral), Refused.CLOSED, current)
    taken = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.owner_id.is_(None))
        .values(
            owner_id=actor_id,
            assigned_at=now,
            state=State.ACCEPTED.value,
            state_changed_at=now,
            accepted_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(referral)
    if taken.rowcount != 1:
        return MoveOutcome(referral_info(referral), Refused.CLAIMED, current)
    _log(session, referral, actor_id, current, State.ACCEPTED, "claimed", now)
    return MoveOutcome(referral_info(referral), None, current)


def reassign(
    session: Session,
    team_id: str,
    referral_id: int,
    admin_id: str,
    new_owner_id: str,
    *,
    is_admin: bool,
    now: datetime | None = None,
) -> MoveOutcome:
    """An admin hands a referral to another rep; its state and SLA clock start over for them."""
    now = now or utcnow()
    referral = get_referral(session, team_id, referral_id)
    if referral is None:
        return MoveOutcome(None, Refused.NOT_FOUND)
    current = State(referral.state)
    if not is_admin:
        return MoveOutcome(referral_info(referral), Refused.NOT_ADMIN, current)
    if referral.closed:
        return MoveOutcome(referral_info(referral), Refused.CLOSED, current)
    if referral.owner_id == new_owner_id:
        return MoveOutcome(referral_info(referral), Refused.ALREADY, current)
    previous = referral.owner_id
    referral.owner_id = new_owner_id
    referral.assigned_at = now
    _log(session, referral, admin_id, current, current, f"reassigned to {new_owner_id}", now)
    return MoveOutcome(referral_info(referral), None, current, previous_owner=previous)


def get_referral(session: Session, team_id: str, referral_id: int) -> Referral | None:
    return session.scalar(
        select(Referral).where(Referral.team_id == team_id, Referral.id == referral_id)
    )


def referrals_of(
    session: Session, team_id: str, user_id: str, limit: int | None = None
) -> list[Referral]:
    """Referrals someone passed or owns, open ones first, newest first: all of them unless
    `limit` says how many, so a list that shows a few can say truly how many more there are.
    Their history is not loaded."""
    query = (
        select(Referral)
        .options(lazyload(Referral.history))
        .where(
            Referral.team_id == team_id,
            or_(Referral.referrer_id == user_id, Referral.owner_id == user_id),
        )
        .order_by(Referral.closed_at.is_not(None), Referral.created_at.desc(), Referral.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def overdue(session: Session, team_id: str | None, before: datetime) -> Sequence[Referral]:
    """Owned referrals still new that were assigned before `before`."""
    query = select(Referral).where(
        Referral.state == State.NEW.value,
        Referral.owner_id.is_not(None),
        Referral.assigned_at < before,
    )
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    return session.scalars(query.order_by(Referral.id)).all()


def _compare_and_set(
    session: Session, referral: Referral, expected: State, values: dict[str, object]
) -> bool:
    result = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.state == expected.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _log(
    session: Session,
    referral: Referral,
    actor_id: str,
    from_state: State,
    to_state: State,
    note: str | None,
    now: datetime,
) -> None:
    """Record one move in the referral's history (who, from which state to which, why)."""
    session.add(
        ReferralMove(
            team_id=referral.team_id,
            referral_id=referral.id,
            actor_id=actor_id,
            from_state=from_state.value,
            to_state=to_state.value,
            owner_id=referral.owner_id,
            note=note,
            at=now,
        )
    )
    session.flush()


def _credit_referrer(
    session: Session, referral: Referral, referrer: PersonInfo | None, now: datetime
) -> RecordOutcome:
    """A won referral credits the person who passed it, given by the rep who won it."""
    draft = AssistDraft(
        team_id=referral.team_id,
        giver_id=referral.owner_id or "",
        recipient_ids=[referral.referrer_id],
        kind=Kind.REFERRAL,
        source=Source.REFERRAL,
        stage=Stage.RESALE if referral.need != Need.NEW_LEAD else Stage.PRE_SALE,
        customer=referral.customer,
        description=referral.context,
        deal_value=referral.deal_value,
        channel_id=referral.origin_channel_id,
        is_private=referral.is_private,
        dedupe_key=f"referral:{referral.id}",
    )
    people = {referral.referrer_id: referrer} if referrer else {}
    return record_assist(session, draft, people, limit=None, now=now)


def _by_dedupe_key(session: Session, team_id: str, key: str | None) -> Referral | None:
    if key is None:
        return None
    return session.scalar(
        select(Referral).where(Referral.team_id == team_id, Referral.dedupe_key == key)
    )


@dataclass(frozen=True)
class Conversion:
    """Won ÷ closed, and the median time from passing a referral to first contact."""

    won: int
    closed: int
    median_to_contact: timedelta | None

    @property
    def rate(self) -> float | None:
        return self.won / self.closed if self.closed else None


@dataclass(frozen=True)
class ReferralFigures:
    overall: Conversion
    by_department: dict[str, Conversion]


def referral_figures(
    session: Session, team_id: str, since: datetime | None = None
) -> ReferralFigures:
    """Conversion and time to first contact, overall and by the referrer's department."""
    query = (
        select(Referral.state, Referral.created_at, Referral.first_contact_at, Person.department)
        .outerjoin(
            Person,
            (Person.team_id == Referral.team_id) & (Person.user_id == Referral.referrer_id),
        )
        .where(Referral.team_id == team_id)
    )
    if since is not None:
        query = query.where(Referral.created_at >= since)
    groups: dict[str, list[tuple[str, datetime, datetime | None]]] = {}
    everything: list[tuple[str, datetime, datetime | None]] = []
    for state, created, contact, department in session.execute(query):
        everything.append((state, created, contact))
        groups.setdefault(department or "No department", []).append((state, created, contact))
    return ReferralFigures(
        overall=_conversion(everything),
        by_department={name: _conversion(rows) for name, rows in sorted(groups.items())},
    )


def _conversion(rows: Sequence[tuple[str, datetime, datetime | None]]) -> Conversion:
    closed = [state for state, _, _ in rows if State(state) in CLOSED]
    waits = sorted(contact - created for _, created, contact in rows if contact is not None)
    median = None
    if waits:
        middle = len(waits) // 2
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return Conversion(
        won=sum(1 for state in closed if state == State.WON.value),
        closed=len(closed),
        median_to_contact=median,
    )

"""Assists and credits: the tables and the rules for recording them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Insert,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    UniqueConstraint,
    Update,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, TeamScoped, UtcDateTime, insert_once, utcnow
from models.people import PersonInfo


class Kind(StrEnum):
    ASSIST = "assist"
    WIN = "win"
    REFERRAL = "referral"
    SERVICE = "service"
    INSIGHT = "insight"
    SESSION = "session"
    LESSON = "lesson"


class Stage(StrEnum):
    PRE_SALE = "pre-sale"
    SALE = "sale"
    POST_SALE = "post-sale"
    RESALE = "resale"


class Source(StrEnum):
    COMMAND = "command"
    MODAL = "modal"
    REACTION = "reaction"
    REFERRAL = "referral"
    SESSION = "session"
    WEBHOOK = "webhook"


# Field limits, enforced on input (with a field error naming the limit) and in the schema.
MAX_LENGTHS = {"customer": 150, "description": 1500, "crm_url": 500}


class Assist(TeamScoped, Base):
    __tablename__ = "assists"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key"),
        # The digest's stories: a week of assists, not a scan of all of them.
        Index("ix_assists_team_id_created_at", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    giver_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(16))
    customer: Mapped[str | None] = mapped_column(String(MAX_LENGTHS["customer"]))
    description: Mapped[str] = mapped_column(Text, default="")
    crm_url: Mapped[str | None] = mapped_column(String(MAX_LENGTHS["crm_url"]))
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    source: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    credits: Mapped[list[Credit]] = relationship(back_populates="assist", lazy="selectin")


class Credit(TeamScoped, Base):
    __tablename__ = "credits"
    __table_args__ = (
        UniqueConstraint("assist_id", "recipient_id"),
        # A period's credits (digest, leaderboards, culture report); one person's received
        # and given credits (`/sells stats`, Home, "credited before?" for the digest's
        # first-timers). Every query filters on the team, so these replace the single-column
        # indexes. Not covering on purpose: SQLite without statistics (a bot's database is
        # never ANALYZEd) would then prefer scanning a whole covering index to a range.
        Index("ix_credits_team_id_created_at", "team_id", "created_at"),
        Index(
            "ix_credits_team_id_recipient_id_created_at", "team_id", "recipient_id", "created_at"
        ),
        Index("ix_credits_team_id_giver_id_created_at", "team_id", "giver_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assist_id: Mapped[int] = mapped_column(ForeignKey("assists.id", ondelete="CASCADE"))
    recipient_id: Mapped[str] = mapped_column(String(32))
    # Copied from the assist so limits, leaderboards and counts by stage need no join; kept
    # in step with the assist by `record_assist` and `update_details`.
    giver_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    assist: Mapped[Assist] = relationship(back_populates="credits")


@dataclass(frozen=True)
class AssistInfo:
    """An assist as the bot shows it: plain data read from the row, for builders."""

    id: int
    giver_id: str
    kind: str
    stage: str | None
    customer: str | None
    description: str
    crm_url: str | None
    deal_value: Decimal | None
    source: str
    channel_id: str | None
    permalink: str | None
    is_private: bool
    credited: tuple[str, ...]  # who it credits now (revoked credits left out)
    created_at: datetime | None = None


def assist_info(assist: Assist) -> AssistInfo:
    return AssistInfo(
        id=assist.id,
        giver_id=assist.giver_id,
        kind=assist.kind,
        stage=assist.stage,
        customer=assist.customer,
        description=assist.description,
        crm_url=assist.crm_url,
        deal_value=assist.deal_value,
        source=assist.source,
        channel_id=assist.channel_id,
        permalink=assist.permalink,
        is_private=assist.is_private,
        credited=tuple(c.recipient_id for c in assist.credits if c.revoked_at is None),
        created_at=assist.created_at,
    )


class GivingDay(TeamScoped, Base):
    """Credits a giver has given on one local day: the daily limit, enforced atomically."""

    __tablename__ = "giving_days"
    __table_args__ = (UniqueConstraint("team_id", "giver_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    giver_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    given: Mapped[int] = mapped_column(Integer, default=0)


class Refusal(StrEnum):
    SELF = "self"
    BOT = "bot"
    DELETED = "deleted"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AssistDraft:
    """An assist as a user described it, before the rules are applied."""

    team_id: str
    giver_id: str
    recipient_ids: Sequence[str]
    kind: Kind = Kind.ASSIST
    source: Source = Source.COMMAND
    stage: Stage | None = None
    description: str = ""
    customer: str | None = None
    crm_url: str | None = None
    deal_value: Decimal | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    is_private: bool = False
    dedupe_key: str | None = None


@dataclass(frozen=True)
class LimitReached:
    limit: int
    given_today: int
    requested: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.given_today, 0)


@dataclass(frozen=True)
class RecordOutcome:
    """What happened to a draft: who was credited, who was refused and why."""

    assist: Assist | None = None
    credited: tuple[str, ...] = ()
    refused: tuple[tuple[str, Refusal], ...] = ()
    duplicate: bool = False
    limit_reached: LimitReached | None = None
    reactivated: bool = False
    # A new assist stored with plain statements has no ORM object: only this.
    stored: AssistInfo | None = None

    @property
    def recorded(self) -> bool:
        stored = self.assist is not None or self.stored is not None
        return stored and bool(self.credited) and not self.duplicate

    @property
    def info(self) -> AssistInfo | None:
        """The assist as plain data for the builders; read it before its transaction ends."""
        if self.stored is not None:
            return self.stored
        return assist_info(self.assist) if self.assist is not None else None


@dataclass(frozen=True)
class GivingLimit:
    """How many people one giver may credit per local day."""

    per_day: int
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def day(self, now: datetime) -> date:
        return now.astimezone(self.timezone).date()

    def day_start(self, now: datetime) -> datetime:
        return datetime.combine(self.day(now), time.min, tzinfo=self.timezone)


def too_long(values: Mapping[str, str | None]) -> dict[str, int]:
    """Fields whose text is over its limit, with the limit, for a field error."""
    return {
        name: MAX_LENGTHS[name]
        for name, value in values.items()
        if value is not None and len(value) > MAX_LENGTHS[name]
    }


def screen_recipients(
    giver_id: str, recipient_ids: Sequence[str], people: Mapping[str, PersonInfo | None]
) -> tuple[list[str], list[tuple[str, Refusal]]]:
    """Split recipients into those who may be credited and those refused, with the reason."""
    eligible: list[str] = []
    refused: list[tuple[str, Refusal]] = []
    for user_id in dict.fromkeys(recipient_ids):
        info = people.get(user_id)
        if user_id == giver_id:
            refused.append((user_id, Refusal.SELF))
        elif info is None:
            refused.append((user_id, Refusal.UNKNOWN))
        elif info.is_bot:
            refused.append((user_id, Refusal.BOT))
        elif info.is_deleted:
            refused.append((user_id, Refusal.DELETED))
        else:
            eligible.append(user_id)
    return eligible, refused


def record_assist(
    session: Session,
    draft: AssistDraft,
    people: Mapping[str, PersonInfo | None],
    limit: GivingLimit | None,
    now: datetime | None = None,
    *,
    plain: bool = False,
) -> RecordOutcome:
    """Apply the crediting rules to `draft` and store it; idempotent on `draft.dedupe_key`.

    `limit` is None for credits the bot gives on someone's behalf (a won referral).
    `plain`: the caller only reads the outcome (its `info`, who was credited) and changes
    nothing on `outcome.assist`; it is then stored with plain statements, and a new
    assist comes back detached from the session.
    """
    return _record_new(session, draft, people, limit, now or utcnow(), plain=plain)


def _record_new(
    session: Session,
    draft: AssistDraft,
    people: Mapping[str, PersonInfo | None],
    limit: GivingLimit | None,
    now: datetime,
    gives: int | None = None,
    *,
    plain: bool = False,
) -> RecordOutcome:
    """Store `draft` unless its dedupe key is taken, which the insert itself finds out:
    a look-up first would cost every new assist a statement to spare the rare repeat.

    `gives`: how much it counts against the giver's daily limit; by default one per person
    credited."""
    eligible, refused = screen_recipients(draft.giver_id, draft.recipient_ids, people)
    # A lesson is worth sharing even when nobody else was involved in the mistake.
    if not eligible and draft.kind != Kind.LESSON:
        return RecordOutcome(refused=tuple(refused))
    if draft.source in TYPED and (repeat := find_repeat(session, draft, eligible, now)):
        return _duplicate(repeat)
    cost = len(eligible) if gives is None else gives
    if plain:
        return _insert_plain(session, draft, eligible, refused, limit, cost, now)
    row = _assist_row(draft, now)
    assist = Assist(**row)
    assist.credits = [Credit(**credit) for credit in _credit_rows(row, eligible)]
    reached: list[LimitReached] = []

    def within_limit() -> bool:
        # In the insert's savepoint: a lost dedupe race gives the credits back.
        if limit and (over := reserve_credits(session, *giving, cost, limit, now)):
            reached.append(over)
            return False
        return True

    giving = (draft.team_id, draft.giver_id)
    stored, created = insert_once(
        session,
        assist,
        lambda: find_by_dedupe_key(session, draft.team_id, draft.dedupe_key),
        first=within_limit,
    )
    if reached:
        return _over_limit(session, draft, refused, reached[0])
    if not created:
        # A concurrent delivery of the same thing won the race: report it as a duplicate.
        return _duplicate(stored)
    return RecordOutcome(assist=assist, credited=tuple(eligible), refused=tuple(refused))


def _over_limit(
    session: Session,
    draft: AssistDraft,
    refused: Sequence[tuple[str, Refusal]],
    reached: LimitReached,
) -> RecordOutcome:
    """Over the limit, unless this was recorded before (a redelivery): then say so."""
    if (existing := find_by_dedupe_key(session, draft.team_id, draft.dedupe_key)) is not None:
        return _duplicate(existing)
    return RecordOutcome(refused=tuple(refused), limit_reached=reached)


def _insert_plain(
    session: Session,
    draft: AssistDraft,
    eligible: Sequence[str],
    refused: Sequence[tuple[str, Refusal]],
    limit: GivingLimit | None,
    cost: int,
    now: datetime,
) -> RecordOutcome:
    """`_record_new`'s insert in plain statements, for the hot paths (a reaction, an inline
    /assist): the claim on the limit, INSERT … ON CONFLICT DO NOTHING for the assist (a
    taken dedupe key gives the claim back), one INSERT for its credits. No ORM objects, no
    savepoint and no unit of work: half the statements' cost. The outcome carries the
    assist as plain data only (`stored`)."""
    if limit and (
        over := reserve_credits(session, draft.team_id, draft.giver_id, cost, limit, now)
    ):
        return _over_limit(session, draft, refused, over)
    # On the session's connection: the ORM's execute path costs more than the statement.
    connection = session.connection()
    row = _assist_row(draft, now)
    assist_id = connection.scalar(_INSERT_ASSIST[connection.dialect.name], row)
    if assist_id is None:  # a concurrent delivery of the same thing was stored first
        if limit:
            day = limit.day(now)
            giver = {"b_team_id": draft.team_id, "b_giver_id": draft.giver_id, "b_day": day}
            connection.execute(_GIVE_BACK, {**giver, "count": cost})
        existing = find_by_dedupe_key(session, draft.team_id, draft.dedupe_key)
        if existing is None:
            raise RuntimeError(f"assist {draft.dedupe_key} conflicted, yet is not stored")
        return _duplicate(existing)
    if eligible:
        credits = [{**credit, "assist_id": assist_id} for credit in _credit_rows(row, eligible)]
        connection.execute(_INSERT_CREDITS, credits)
    shown = {name: row[name] for name in _SHOWN_COLUMNS}
    info = AssistInfo(id=assist_id, credited=tuple(eligible), **shown)
    return RecordOutcome(credited=tuple(eligible), refused=tuple(refused), stored=info)


def _assist_row(draft: AssistDraft, now: datetime) -> dict[str, Any]:
    """A new assist's columns, all but its id: for the ORM object or a plain INSERT."""
    return {
        "team_id": draft.team_id,
        "giver_id": draft.giver_id,
        "kind": draft.kind.value,
        "stage": draft.stage.value if draft.stage else None,
        "customer": draft.customer or None,
        "description": draft.description,
        "crm_url": draft.crm_url or None,
        "deal_value": draft.deal_value,
        "source": draft.source.value,
        "channel_id": draft.channel_id,
        "message_ts": draft.message_ts,
        "permalink": draft.permalink,
        "is_private": draft.is_private,
        "dedupe_key": draft.dedupe_key,
        "created_at": now,
        "revoked_at": None,
    }


def _credit_rows(assist: Mapping[str, Any], recipients: Sequence[str]) -> list[dict[str, Any]]:
    """A new assist's credits, one per recipient, without the assist's id."""
    shared = {name: assist[name] for name in ("team_id", "giver_id", "kind", "stage")}
    return [
        {**shared, "recipient_id": user_id, "created_at": assist["created_at"], "revoked_at": None}
        for user_id in recipients
    ]


# What the builders show of a new assist (AssistInfo's fields but its id and the credited).
_SHOWN_COLUMNS = tuple(
    f.name for f in dataclasses.fields(AssistInfo) if f.name not in ("id", "credited")
)


# Sources a person types: the same assist again a moment later is a retry, not a new one.
TYPED = frozenset({Source.COMMAND, Source.MODAL})
REPEAT_WINDOW = timedelta(minutes=10)


def find_repeat(
    session: Session, draft: AssistDraft, eligible: Sequence[str], now: datetime
) -> Assist | None:
    """The same giver's identical assist (kind, story, customer, people) from the last few
    minutes: someone trying again after an error, which must not credit twice."""
    # Plain ids first: nearly always there are none, and loading nothing costs the least.
    found = (
        session.connection()
        .scalars(
            _REPEATS,
            {
                "b_team_id": draft.team_id,
                "b_giver_id": draft.giver_id,
                "b_kind": draft.kind.value,
                "b_description": draft.description,
                "since": now - REPEAT_WINDOW,
                "now": now,
            },
        )
        .all()
    )
    if not found:
        return None
    candidates = session.scalars(select(Assist).where(Assist.id.in_(found)))
    for assist in candidates:
        if (assist.customer or None) == (draft.customer or None) and {
            c.recipient_id for c in assist.credits
        } == set(eligible):
            return assist
    return None


def _repeats() -> Select:
    assists = Assist.__table__.c
    return select(assists.id).where(
        assists.team_id == bindparam("b_team_id"),
        assists.giver_id == bindparam("b_giver_id"),
        assists.kind == bindparam("b_kind"),
        assists.description == bindparam("b_description"),
        assists.created_at.between(bindparam("since"), bindparam("now")),
        assists.revoked_at.is_(None),
        assists.source.in_([s.value for s in TYPED]),
    )


def find_by_dedupe_key(session: Session, team_id: str, key: str | None) -> Assist | None:
    if key is None:
        return None
    return session.scalar(select(Assist).where(Assist.team_id == team_id, Assist.dedupe_key == key))


def get_assist(session: Session, team_id: str, assist_id: int) -> Assist | None:
    return session.scalar(select(Assist).where(Assist.team_id == team_id, Assist.id == assist_id))


def reaction_key(giver_id: str, channel_id: str, message_ts: str, emoji: str) -> str:
    """One reaction (giver, message, emoji) is one credit, however often Slack delivers it."""
    return f"reaction:{giver_id}:{channel_id}:{message_ts}:{emoji}"


def credit_reaction(
    session: Session,
    draft: AssistDraft,
    people: Mapping[str, PersonInfo | None],
    limit: GivingLimit,
    now: datetime | None = None,
    *,
    gives: int | None = None,
    plain: bool = False,
) -> RecordOutcome:
    """Record a reaction's credits (the message's author, or the people a recognition post
    names), or bring back those revoked when the reaction was removed. `gives`: what it
    counts against the daily limit, by default one per person credited."""
    now = now or utcnow()
    outcome = _record_new(session, draft, people, limit, now, gives, plain=plain)
    existing = outcome.assist if outcome.duplicate else None
    if existing is None or existing.revoked_at is None:
        return outcome
    cost = len(existing.credits) if gives is None else gives
    reached = reserve_credits(session, draft.team_id, draft.giver_id, cost, limit, now)
    if reached is not None:
        return RecordOutcome(limit_reached=reached)
    existing.revoked_at = None
    for credit in existing.credits:
        credit.revoked_at = None
        credit.created_at = now
    existing.created_at = now
    return RecordOutcome(
        assist=existing,
        credited=tuple(c.recipient_id for c in existing.credits),
        reactivated=True,
    )


def revoke_assist(session: Session, assist: Assist, now: datetime | None = None) -> bool:
    """Revoke an assist and its credits; False if it was already revoked."""
    if assist.revoked_at is not None:
        return False
    now = now or utcnow()
    assist.revoked_at = now
    for credit in assist.credits:
        credit.revoked_at = now
    return True


def revoke_by_key(
    session: Session, team_id: str, key: str, now: datetime | None = None
) -> list[str] | None:
    """Revoke the assist stored under dedupe `key` (a reaction taken off) and its credits;
    the people it had credited, or None if there was nothing to revoke. Two UPDATEs: this
    runs on every reaction removed."""
    now = now or utcnow()
    connection = session.connection()
    assist_id = connection.scalar(_REVOKE_ASSIST, {"b_team_id": team_id, "key": key, "now": now})
    if assist_id is None:
        return None
    return list(connection.scalars(_REVOKE_CREDITS, {"assist": assist_id, "now": now}))


def _revoke_statements() -> tuple[Update, Update]:
    assists, credits = Assist.__table__.c, Credit.__table__.c
    assist = (
        update(Assist.__table__)
        .where(
            assists.team_id == bindparam("b_team_id"),
            assists.dedupe_key == bindparam("key"),
            assists.revoked_at.is_(None),
        )
        .values(revoked_at=bindparam("now"))
        .returning(assists.id)
    )
    credit = (
        update(Credit.__table__)
        .where(credits.assist_id == bindparam("assist"), credits.revoked_at.is_(None))
        .values(revoked_at=bindparam("now"))
        .returning(credits.recipient_id)
    )
    return assist, credit


def set_stage(assist: Assist, stage: Stage) -> None:
    """Place an assist, and each of its credits, in a stage of the loop."""
    assist.stage = stage.value
    for credit in assist.credits:
        credit.stage = stage.value


def update_details(
    assist: Assist,
    *,
    kind: Kind,
    stage: Stage | None,
    customer: str | None,
    description: str,
    crm_url: str | None,
) -> None:
    """Let the giver complete an assist recorded with defaults."""
    assist.kind = kind.value
    assist.stage = stage.value if stage else None
    assist.customer = customer or None
    assist.description = description
    assist.crm_url = crm_url or None
    for credit in assist.credits:
        credit.kind = kind.value
        credit.stage = assist.stage


def _duplicate(existing: Assist) -> RecordOutcome:
    return RecordOutcome(
        assist=existing,
        credited=tuple(c.recipient_id for c in existing.credits if c.revoked_at is None),
        duplicate=True,
    )


def _claim() -> Update:
    days, count = GivingDay.__table__.c, bindparam("count")
    return (
        update(GivingDay.__table__)
        .where(
            days.team_id == bindparam("b_team_id"),
            days.giver_id == bindparam("b_giver_id"),
            days.day == bindparam("b_day"),
            days.given + count <= bindparam("per_day"),
        )
        .values(given=days.given + count)
    )


def reserve_credits(
    session: Session, team_id: str, giver_id: str, count: int, limit: GivingLimit, now: datetime
) -> LimitReached | None:
    """Count `count` credits against today's limit, or say why not.

    One conditional UPDATE does the check and the increment, so concurrent requests from
    the same giver cannot both slip under the limit. Revoking later does not give credits
    back, so adding and removing a reaction cannot be used to get around the limit.
    """
    day = limit.day(now)
    claim = {
        "b_team_id": team_id,
        "b_giver_id": giver_id,
        "b_day": day,
        "count": count,
        "per_day": limit.per_day,
    }
    # The giver's row for today usually exists: claim first, create it only if missing.
    if session.connection().execute(_CLAIM, claim).rowcount == 1:
        return None
    where = (GivingDay.team_id == team_id, GivingDay.giver_id == giver_id, GivingDay.day == day)
    if session.scalar(select(GivingDay.id).where(*where)) is None:
        try:
            with session.begin_nested():
                session.add(GivingDay(team_id=team_id, giver_id=giver_id, day=day, given=0))
        except IntegrityError:
            pass  # created by a concurrent request: the UPDATE below serialises on it
    # Once more, whatever the look-up saw: a concurrent request may have created the row
    # between the first claim and the look-up.
    if session.connection().execute(_CLAIM, claim).rowcount == 1:
        return None
    given = session.scalar(select(GivingDay.given).where(*where))
    return LimitReached(limit=limit.per_day, given_today=given or 0, requested=count)


def remaining_today(
    session: Session, team_id: str, giver_id: str, limit: GivingLimit, now: datetime
) -> int:
    """How many more people `giver_id` may credit today."""
    given = session.scalar(
        select(GivingDay.given).where(
            GivingDay.team_id == team_id,
            GivingDay.giver_id == giver_id,
            GivingDay.day == limit.day(now),
        )
    )
    return max(limit.per_day - (given or 0), 0)


# Statements on the path of every credit, built once (building them cost as much as
# running them): the repeat check of a typed assist, and the claim on the daily limit.
_REPEATS = _repeats()
_CLAIM = _claim()
_REVOKE_ASSIST, _REVOKE_CREDITS = _revoke_statements()


def _plain_statements() -> tuple[dict[str, Insert], Insert, Update]:
    table = Assist.__table__
    inserts = {
        "sqlite": sqlite.insert(table).on_conflict_do_nothing().returning(table.c.id),
        "postgresql": postgresql.insert(table).on_conflict_do_nothing().returning(table.c.id),
    }
    days = GivingDay.__table__.c
    give_back = (
        update(GivingDay.__table__)
        .where(
            days.team_id == bindparam("b_team_id"),
            days.giver_id == bindparam("b_giver_id"),
            days.day == bindparam("b_day"),
        )
        .values(given=days.given - bindparam("count"))
    )
    return inserts, insert(Credit.__table__), give_back


_INSERT_ASSIST, _INSERT_CREDITS, _GIVE_BACK = _plain_statements()

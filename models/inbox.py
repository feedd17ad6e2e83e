"""The durable inbox: every Events API delivery the bot acks is written here first.

Slack does not resend an event it saw acknowledged, so an event is stored before the ack
and marked done only once its work is recorded. The unique (team, event id) makes a
redelivery a no-op. An item whose work failed waits for its `due_at`; an item a process
holds in memory is due when that hold runs out, so a crashed process loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime

PENDING, DONE, FAILED = "pending", "done", "failed"
ERROR_LENGTH = 500
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class InboxEvent(TeamScoped, Base):
    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        # The retrier's question: what is pending and due?
        Index("ix_inbox_events_status_due_at", "status", "due_at"),
        # Is an earlier event about the same thing (one person's reaction) still pending?
        Index("ix_inbox_events_subject_status", "subject", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    held_by: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Events with the same subject are worked in the order they were received.
    subject: Mapped[str | None] = mapped_column(String(255))


@dataclass(frozen=True)
class InboxItem:
    """One stored delivery, as the code that does its work needs it."""

    id: int | None  # None while the database could not be reached to store it
    team_id: str
    event_id: str
    event_type: str
    body: dict[str, Any]
    received_at: datetime
    attempts: int = 1
    subject: str | None = None


def _accept_statement(dialect: str) -> Any:
    insert = _INSERT[dialect]
    # On the table, not the mapped class: with parameters, an ORM insert takes the slower
    # bulk-insert path.
    table = InboxEvent.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(table.c.id)
    )


# Built once per dialect: this runs before every event's ack, and building the statement
# cost as much as running it.
_ACCEPT = {dialect: _accept_statement(dialect) for dialect in _INSERT}


def accept(
    session: Session | Connection, item: InboxItem, *, held_by: str, hold: timedelta
) -> InboxItem | None:
    """Store a delivery, held by `held_by` for `hold`; None if it was stored before.

    One INSERT … ON CONFLICT DO NOTHING: this runs before every event's ack."""
    values = {
        "team_id": item.team_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "body": json.dumps(item.body, separators=(",", ":")),
        "status": PENDING,
        "received_at": item.received_at,
        "due_at": item.received_at + hold,
        "held_by": held_by,
        "attempts": 1,
        "subject": item.subject,
    }
    new_id = session.scalar(_ACCEPT[_dialect(session)], values)
    if new_id is None:
        return None
    return replace(item, id=new_id, attempts=1)


_EVENTS = InboxEvent.__table__.c
_EARLIER = (
    select(_EVENTS.id)
    .where(
        _EVENTS.team_id == bindparam("b_team_id"),
        _EVENTS.subject == bindparam("b_subject"),
        _EVENTS.status == PENDING,
        _EVENTS.id < bindparam("item_id"),
    )
    .limit(1)
)


def earlier_pending(session: Session | Connection, item: InboxItem) -> bool:
    """Is an event about the same subject, received before this one, still to be worked?
    (A reaction removed must not be worked before the reaction added.)"""
    if item.subject is None or item.id is None:
        return False
    found = session.scalar(
        _EARLIER, {"b_team_id": item.team_id, "b_subject": item.subject, "item_id": item.id}
    )
    return found is not None


def wait_for_earlier(session: Session | Connection, item_id: int, due_at: datetime) -> None:
    """Leave an item for the retrier, due at `due_at`, without counting it as a failure."""
    _set(session, item_id, due_at=due_at, held_by="", attempts=InboxEvent.attempts - 1)


def take_due(
    session: Session, now: datetime, *, held_by: str, hold: timedelta, limit: int
) -> list[InboxItem]:
    """Hold up to `limit` pending items that are due. Each is taken with a conditional
    UPDATE on the `due_at` it was read with, so two processes never take the same one."""
    due = session.execute(
        select(InboxEvent.id, InboxEvent.due_at)
        .where(InboxEvent.status == PENDING, InboxEvent.due_at <= now)
        .order_by(InboxEvent.due_at)
        .limit(limit)
    ).all()
    taken: list[InboxItem] = []
    for item_id, due_at in due:
        won = session.execute(
            update(InboxEvent)
            .where(
                InboxEvent.id == item_id,
                InboxEvent.status == PENDING,
                InboxEvent.due_at == due_at,
            )
            .values(due_at=now + hold, held_by=held_by, attempts=InboxEvent.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:
            row = session.get_one(InboxEvent, item_id)
            taken.append(_item(row))
    return taken


_FINISH = (
    update(InboxEvent.__table__)
    .where(_EVENTS.id == bindparam("item_id"))
    .values(status=DONE, finished_at=bindparam("now"), last_error=None)
)


def finish(session: Session | Connection, item_id: int, now: datetime) -> None:
    session.execute(_FINISH, {"item_id": item_id, "now": now})


def postpone(session: Session, item_id: int, due_at: datetime, error: str) -> None:
    """Try again at `due_at`; anyone may take it then."""
    _set(session, item_id, due_at=due_at, held_by="", last_error=error[:ERROR_LENGTH])


def give_up(session: Session, item_id: int, now: datetime, error: str) -> None:
    _set(session, item_id, status=FAILED, finished_at=now, last_error=error[:ERROR_LENGTH])


def release_held(session: Session, held_by: str, now: datetime) -> int:
    """Make what `held_by` holds due now: it is stopping and will not get to it."""
    released = session.execute(
        update(InboxEvent)
        .where(InboxEvent.status == PENDING, InboxEvent.held_by == held_by)
        .values(due_at=now, held_by="")
        .execution_options(synchronize_session=False)
    )
    return released.rowcount


def prune(session: Session, before: datetime) -> int:
    """Forget finished items; Slack retries an event for about an hour, never for days."""
    pruned = session.execute(
        delete(InboxEvent)
        .where(InboxEvent.status != PENDING, InboxEvent.finished_at < before)
        .execution_options(synchronize_session=False)
    )
    return pruned.rowcount


def pending_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(InboxEvent).where(InboxEvent.status == PENDING)
    )


def status_of(session: Session | Connection, team_id: str, event_id: str) -> str | None:
    return session.scalar(
        select(InboxEvent.status).where(
            InboxEvent.team_id == team_id, InboxEvent.event_id == event_id
        )
    )


def _dialect(session: Session | Connection) -> str:
    bind = session.get_bind() if isinstance(session, Session) else session
    return bind.dialect.name


def _set(session: Session | Connection, item_id: int, **values: object) -> None:
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == item_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _item(row: InboxEvent) -> InboxItem:
    return InboxItem(
        row.id,
        row.team_id,
        row.event_id,
        row.event_type,
        json.loads(row.body),
        row.received_at,
        row.attempts,
        row.subject,
    )

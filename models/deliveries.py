"""Exactly-once sends across restarts and instances: claim a key, send, mark it done.

A claim is a row with a unique (team, key). Whoever inserts it sends; the others skip.
A claim that was never completed (the sender crashed) expires after a lease and may be
taken over, so nothing is lost; a completed one is never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime

DEFAULT_LEASE = timedelta(minutes=10)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class Delivery(TeamScoped, Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Claimed:
    """A claim the caller now holds. `retry`: a sender before it claimed the key and never
    completed it (it crashed, or Slack failed), so the message may already be out."""

    retry: bool = False


def claim(
    session: Session,
    team_id: str,
    key: str,
    now: datetime,
    *,
    worker: str = "",
    lease: timedelta = DEFAULT_LEASE,
) -> Claimed | None:
    """A Claimed if the caller now holds `key` and should send (commit before sending)."""
    existing = session.scalar(
        select(Delivery).where(Delivery.team_id == team_id, Delivery.key == key)
    )
    if existing is None:
        try:
            with session.begin_nested():
                session.add(Delivery(team_id=team_id, key=key, claimed_at=now, claimed_by=worker))
            return Claimed()
        except IntegrityError:
            return None
    if existing.done_at is not None or existing.claimed_at > now - lease:
        return None
    # The previous sender's lease ran out: take over, but only if nobody else just did.
    taken = session.execute(
        update(Delivery)
        .where(
            Delivery.id == existing.id,
            Delivery.done_at.is_(None),
            Delivery.claimed_at == existing.claimed_at,
        )
        .values(claimed_at=now, claimed_by=worker, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return Claimed(retry=True) if taken.rowcount == 1 else None


def complete(session: Session, team_id: str, key: str, now: datetime) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.key == key)
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, team_id: str, key: str) -> None:
    """Give a claim back after a failed send, so the next run retries at once."""
    session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.key == key, Delivery.done_at.is_(None))
        .values(claimed_at=LONG_AGO)
        .execution_options(synchronize_session=False)
    )


def is_done(session: Session, team_id: str, key: str) -> bool:
    done = session.scalar(
        select(Delivery.done_at).where(Delivery.team_id == team_id, Delivery.key == key)
    )
    return done is not None


def first_claimed(session: Session, team_id: str, key: str) -> datetime | None:
    return session.scalar(
        select(Delivery.claimed_at).where(Delivery.team_id == team_id, Delivery.key == key)
    )

"""Slack delivers events at least once; this table makes each delivery count once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime, utcnow

INSERT_OR_IGNORE = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class ProcessedEvent(TeamScoped, Base):
    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("team_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def claim_event(session: Session, team_id: str, event_id: str) -> bool:
    """Mark an event as handled inside the caller's transaction; False if it already was.

    Claimed in the same transaction as the write it guards, so a crash before commit
    leaves the event unclaimed and Slack's retry still gets processed.
    """
    dialect = session.get_bind().dialect.name
    if dialect in INSERT_OR_IGNORE:
        # One statement instead of look, savepoint, insert: this runs on every event.
        claimed = session.execute(
            INSERT_OR_IGNORE[dialect](ProcessedEvent)
            .values(team_id=team_id, event_id=event_id, processed_at=utcnow())
            .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
            .returning(ProcessedEvent.id)
        )
        return claimed.scalar() is not None
    exists = select(ProcessedEvent.id).where(
        ProcessedEvent.team_id == team_id, ProcessedEvent.event_id == event_id
    )
    if session.scalar(exists) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(team_id=team_id, event_id=event_id))
    except IntegrityError:
        return False
    return True

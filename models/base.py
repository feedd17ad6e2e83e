"""Declarative base shared by every table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TeamScoped:
    """Every row belongs to one Slack workspace; queries filter on it."""

    team_id: Mapped[str] = mapped_column(String(32), index=True)


Row = TypeVar("Row", bound=Base)


def insert_once(
    session: Session,
    row: Row,
    winner: Callable[[], Row | None],
    *,
    first: Callable[[], bool] | None = None,
) -> tuple[Row | None, bool]:
    """Insert `row` in a savepoint; (row, True), or (the row that won a race to the same
    unique key, False) when a concurrent delivery of the same thing inserted it first.

    `first` runs in the same savepoint before the insert (a limit to reserve); when it
    returns False, the savepoint is rolled back, nothing is inserted: (None, False)."""
    try:
        with session.begin_nested() as savepoint:
            if first is not None and not first():
                savepoint.rollback()
                return None, False
            session.add(row)
    except IntegrityError:
        first = winner()
        if first is None:
            raise
        return first, False
    return row, True

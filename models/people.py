"""People in a workspace: who they are in Slack and where they sit in the org chart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime, utcnow


class Person(TeamScoped, Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        # Departments and headcounts (digest, culture report) read from the index alone.
        Index("ix_people_team_id_department", "team_id", "department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    department: Mapped[str | None] = mapped_column(String(100))
    manager_id: Mapped[str | None] = mapped_column(String(32))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set once they open the bot's Home tab, so it is kept fresh only for people who use it.
    home_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class PersonInfo:
    """What Slack tells us about a user (from `users.info` or `users.lookupByEmail`)."""

    user_id: str
    name: str = ""
    email: str | None = None
    is_bot: bool = False
    is_deleted: bool = False

    @property
    def creditable(self) -> bool:
        return not (self.is_bot or self.is_deleted)


def save_person(session: Session, team_id: str, info: PersonInfo) -> Person:
    """Insert or refresh what Slack said about someone, keeping their org chart fields."""
    person = find_person(session, team_id, info.user_id)
    if person is None:
        person = Person(team_id=team_id, user_id=info.user_id)
        session.add(person)
    person.name = info.name or person.name or info.user_id
    person.email = info.email or person.email
    person.is_bot = info.is_bot
    person.is_deleted = info.is_deleted
    person.refreshed_at = utcnow()
    session.flush()
    return person


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.team_id == team_id, Person.user_id == user_id)
    )


def people_by_id(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, Person]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.scalars(select(Person).where(Person.team_id == team_id, Person.user_id.in_(ids)))
    return {person.user_id: person for person in rows}


def as_info(person: Person) -> PersonInfo:
    return PersonInfo(
        user_id=person.user_id,
        name=person.name,
        email=person.email,
        is_bot=person.is_bot,
        is_deleted=person.is_deleted,
    )


def names_by_id(session: Session, team_id: str) -> dict[str, str]:
    rows = session.execute(select(Person.user_id, Person.name).where(Person.team_id == team_id))
    return {user_id: name for user_id, name in rows if name}

"""Each department's one line on "how we help sell", for the directory new people see."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped
from models.people import Person

DESCRIPTION_LENGTH = 300
MATCHES = 100  # Slack shows at most 100 options in a select


class DepartmentProfile(TeamScoped, Base):
    __tablename__ = "department_profiles"
    __table_args__ = (UniqueConstraint("team_id", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_LENGTH))
    updated_by: Mapped[str] = mapped_column(String(32))


def canonical_department(session: Session, team_id: str, name: str) -> str | None:
    """The org chart's spelling of a department, matched case-insensitively."""
    return session.scalar(
        select(Person.department)
        .where(Person.team_id == team_id, func.lower(Person.department) == name.strip().lower())
        .limit(1)
    )


def may_describe(
    session: Session, team_id: str, user_id: str, department: str, is_admin: bool
) -> bool:
    """Admins, and managers of someone in the department, may describe it."""
    if is_admin:
        return True
    managed = session.scalar(
        select(func.count(Person.id)).where(
            Person.team_id == team_id,
            Person.manager_id == user_id,
            func.lower(Person.department) == department.lower(),
        )
    )
    return bool(managed)


def describe(session: Session, team_id: str, department: str, text: str, user_id: str) -> None:
    profile = session.scalar(
        select(DepartmentProfile).where(
            DepartmentProfile.team_id == team_id, DepartmentProfile.department == department
        )
    )
    if profile is None:
        session.add(
            DepartmentProfile(
                team_id=team_id, department=department, description=text, updated_by=user_id
            )
        )
    else:
        profile.description, profile.updated_by = text, user_id


def directory(session: Session, team_id: str) -> list[tuple[str, str | None]]:
    """Every department in the org chart with its description, if it has one."""
    described = dict(
        session.execute(
            select(DepartmentProfile.department, DepartmentProfile.description).where(
                DepartmentProfile.team_id == team_id
            )
        ).all()
    )
    names = session.scalars(
        select(Person.department)
        .where(Person.team_id == team_id, Person.department.is_not(None))
        .distinct()
        .order_by(Person.department)
    )
    return [(name, described.get(name)) for name in names if name]


def departments_matching(
    session: Session, team_id: str, typed: str, limit: int = MATCHES
) -> list[str]:
    """The org chart's departments whose name contains what was typed (any case), those
    starting with it first, then alphabetically; at most `limit` (a type-ahead's answer)."""
    typed = typed.strip().lower()
    name = func.lower(Person.department)
    later = case((name.startswith(typed, autoescape=True), 0), else_=1).label("later")
    rows = session.execute(
        select(Person.department, later)
        .where(
            Person.team_id == team_id,
            Person.department.is_not(None),
            Person.department != "",
            name.contains(typed, autoescape=True),
        )
        .distinct()
        .order_by(later, Person.department)
        .limit(limit)
    )
    return [department for department, _ in rows]

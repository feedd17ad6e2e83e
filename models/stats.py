"""Figures people ask for: their own record and the leaderboard."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models.assists import Credit, Kind
from models.participation import given_by_department, headcount
from models.people import Person

PERIODS = ("week", "month", "quarter")
# What a leaderboard ranks by: breadth (how many different people credited someone, the
# default: one enthusiastic giver cannot top it) or raw credits.
BREADTH, CREDITS = "breadth", "credits"
# "Make loud mistakes": lessons are celebrated, never ranked.
UNRANKED_KINDS = (Kind.LESSON.value,)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    label: str


def period_window(period: str, now: datetime, tz: ZoneInfo) -> Window:
    """The calendar week, month or quarter to date, in the workspace's time zone."""
    local = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start = local - timedelta(days=local.weekday())
        label = f"week of {start:%-d %b %Y}"
    elif period == "month":
        start = local.replace(day=1)
        label = f"{start:%B %Y}"
    elif period == "quarter":
        start = local.replace(day=1, month=3 * ((local.month - 1) // 3) + 1)
        label = f"Q{(start.month - 1) // 3 + 1} {start:%Y}"
    else:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    return Window(start=start, end=now, label=label)


@dataclass(frozen=True)
class PersonalStats:
    user_id: str
    window: Window
    given_by_kind: Counter[str] = field(default_factory=Counter)
    given_by_stage: Counter[str] = field(default_factory=Counter)
    received_by_kind: Counter[str] = field(default_factory=Counter)
    received_by_stage: Counter[str] = field(default_factory=Counter)

    @property
    def given(self) -> int:
        return sum(self.given_by_kind.values())

    @property
    def received(self) -> int:
        return sum(self.received_by_kind.values())


def personal_stats(session: Session, team_id: str, user_id: str, window: Window) -> PersonalStats:
    """Credits one person gave and received in `window`, by kind and by stage."""
    stats = PersonalStats(user_id=user_id, window=window)
    for column, by_kind, by_stage in (
        (Credit.giver_id, stats.given_by_kind, stats.given_by_stage),
        (Credit.recipient_id, stats.received_by_kind, stats.received_by_stage),
    ):
        rows = session.execute(
            select(Credit.kind, Credit.stage, func.count(Credit.id))
            .where(
                Credit.team_id == team_id,
                column == user_id,
                Credit.revoked_at.is_(None),
                Credit.created_at >= window.start,
                Credit.created_at < window.end,
            )
            .group_by(Credit.kind, Credit.stage)
        )
        for kind, stage, count in rows:
            by_kind[kind] += count
            by_stage[stage or "unset"] += count
    return stats


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    user_id: str
    name: str
    department: str | None
    credits: int
    givers: int


def leaderboard(
    session: Session,
    team_id: str,
    window: Window,
    department: str | None = None,
    size: int = 10,
    *,
    by: str = BREADTH,
) -> list[LeaderRow]:
    """People credited in `window` (lessons excluded), optionally within a department:
    by breadth (the most different people crediting them, then credits) or by credits
    (then breadth)."""
    person = and_(Person.team_id == Credit.team_id, Person.user_id == Credit.recipient_id)
    credits = func.count(Credit.id).label("credits")
    givers = func.count(func.distinct(Credit.giver_id)).label("givers")
    order = (givers.desc(), credits.desc()) if by == BREADTH else (credits.desc(), givers.desc())
    query = (
        select(Credit.recipient_id, Person.name, Person.department, credits, givers)
        .outerjoin(Person, person)
        .where(
            Credit.team_id == team_id,
            Credit.revoked_at.is_(None),
            Credit.created_at >= window.start,
            Credit.created_at < window.end,
            Credit.kind.not_in(UNRANKED_KINDS),
        )
        .group_by(Credit.recipient_id, Person.name, Person.department)
        .order_by(*order, Credit.recipient_id)
        .limit(size)
    )
    if department:
        query = query.where(func.lower(Person.department) == department.lower())
    return [
        LeaderRow(rank, user_id, name or user_id, dept, count, givers)
        for rank, (user_id, name, dept, count, givers) in enumerate(session.execute(query), 1)
    ]


def departments(session: Session, team_id: str) -> list[str]:
    rows = session.scalars(
        select(Person.department)
        .where(Person.team_id == team_id, Person.department.is_not(None))
        .distinct()
        .order_by(Person.department)
    )
    return [row for row in rows if row]


@dataclass(frozen=True)
class DepartmentRow:
    """One department on the departments board: the share of its people who credited
    someone (a rate per its size), beside the raw counts."""

    rank: int
    department: str
    people: int  # in the org chart now
    givers: int  # its people who credited someone in the window
    credits_given: int

    @property
    def share_giving(self) -> float:
        return self.givers / self.people if self.people else 0.0


@dataclass(frozen=True)
class DepartmentBoard:
    window: Window
    rows: list[DepartmentRow]  # departments where someone gave, best share first
    departments: int  # in the org chart
    people: int  # in the org chart
    givers: int  # across the org chart

    @property
    def share_giving(self) -> float:
        return self.givers / self.people if self.people else 0.0


def department_board(session: Session, team_id: str, window: Window) -> DepartmentBoard:
    """Departments ranked by the share of their people who credited someone in `window`
    (then by givers, then by name), with the givers and credits behind each share.

    Only departments where someone gave are ranked: a board of the rest would name teams
    for not taking part. Credits the bot gives (a won referral, a held session) are not
    anyone's giving, and lessons count like any other credit given.
    """
    people = headcount(session, team_id)
    given = given_by_department(session, team_id, window.start, window.end)
    ranked = sorted(
        (
            (name, count, len(given[name]), sum(given[name].values()))
            for name, count in people.items()
            if given.get(name)
        ),
        key=lambda row: (-row[2] / row[1], -row[2], row[0]),
    )
    return DepartmentBoard(
        window=window,
        rows=[DepartmentRow(rank, *row) for rank, row in enumerate(ranked, 1)],
        departments=len(people),
        people=sum(people.values()),
        givers=sum(len(given.get(name, {})) for name in people),
    )

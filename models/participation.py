"""Who takes part, by month and department: the figures behind the habit.

- **Giving and receiving.** A department's share giving is its people who credited someone
  in the month ÷ its people now; its share receiving, those credited ÷ its people now (the
  culture report's participation). Credits the bot gives for a won referral or a held
  session are left out of giving: nobody chose to give them.
- **Managers and peers.** A manager is anyone in the org chart whom someone reports to;
  everyone else is a peer. Each side's share giving, and the credits it gave.
- **Help flow.** Credits given from one department to another (and within one), the
  rows of a department × department heatmap.
- **Session coverage.** Which department taught which within the session cadence: a held
  session counts for its presenting department and its audience (sales, for "How we build
  what you sell", when no audience was chosen).

Departments come from the current org chart, bots and people who left not counted, as in
the culture report. Each month is a few grouped queries over an index range of credits
(team_id, created_at), the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased

from models.assists import Credit
from models.culture import Month, last_months
from models.giving_drops import AUTOMATIC
from models.knowledge_sessions import Direction, KnowledgeSession, SessionState
from models.people import Person

MANAGERS, PEERS = "managers", "peers"


@dataclass(frozen=True)
class DepartmentMonth:
    """One department in one month."""

    department: str
    people: int  # in the org chart now
    givers: int  # its people who credited someone (automatic credits aside)
    receivers: int  # its people credited by someone
    credits_given: int
    credits_received: int
    managers: int = 0  # its people whom someone reports to
    managers_giving: int = 0
    credits_by_managers: int = 0
    sessions_taught: int = 0  # held sessions it presented to another department
    sessions_attended: int = 0  # held sessions another department presented to it

    @property
    def share_giving(self) -> float:
        return _share(self.givers, self.people)

    @property
    def share_receiving(self) -> float:
        return _share(self.receivers, self.people)

    def role(self, role: str) -> RoleGiving:
        if role == MANAGERS:
            return RoleGiving(
                MANAGERS, self.managers, self.managers_giving, self.credits_by_managers
            )
        return RoleGiving(
            PEERS,
            self.people - self.managers,
            self.givers - self.managers_giving,
            self.credits_given - self.credits_by_managers,
        )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class RoleGiving:
    """Managers, or peers, as givers in one month."""

    role: str  # MANAGERS or PEERS
    people: int
    givers: int
    credits: int

    @property
    def share_giving(self) -> float:
        return _share(self.givers, self.people)


@dataclass(frozen=True)
class MonthParticipation:
    month: Month
    departments: dict[str, DepartmentMonth]  # every department of the org chart, by name

    def role(self, role: str) -> RoleGiving:
        """Managers (or peers) across the org chart as givers in the month."""
        sides = [d.role(role) for d in self.departments.values()]
        return RoleGiving(
            role,
            sum(s.people for s in sides),
            sum(s.givers for s in sides),
            sum(s.credits for s in sides),
        )

    @property
    def credits_given(self) -> int:
        return sum(d.credits_given for d in self.departments.values())

    @property
    def people(self) -> int:
        return sum(d.people for d in self.departments.values())

    @property
    def givers(self) -> int:
        return sum(d.givers for d in self.departments.values())

    @property
    def receivers(self) -> int:
        return sum(d.receivers for d in self.departments.values())


@dataclass(frozen=True)
class HelpFlow:
    """Credits given between departments from `start` to `end`."""

    start: datetime
    end: datetime
    credits: dict[tuple[str, str], int]  # (giver's department, recipient's) -> credits

    def get(self, giver: str, recipient: str) -> int:
        return self.credits.get((giver, recipient), 0)

    def total(self) -> int:
        return sum(self.credits.values())

    def across(self) -> int:
        """Credits given to someone in another department."""
        return sum(n for (giver, recipient), n in self.credits.items() if giver != recipient)

    def busiest(self, count: int, *, across_only: bool = True) -> list[tuple[str, str, int]]:
        """The largest flows, largest first (ties by name): the heatmap's hottest cells."""
        flows = [
            (giver, recipient, n)
            for (giver, recipient), n in self.credits.items()
            if giver != recipient or not across_only
        ]
        return sorted(flows, key=lambda f: (-f[2], f[0], f[1]))[:count]

    def departments(self, count: int) -> list[str]:
        """The `count` departments with the most credits given and received: the heatmap's
        rows and columns, since a grid of 200 × 200 helps nobody."""
        volume: dict[str, int] = defaultdict(int)
        for (giver, recipient), n in self.credits.items():
            volume[giver] += n
            volume[recipient] += n
        ranked = sorted(volume.items(), key=lambda item: (-item[1], item[0]))
        return [department for department, _ in ranked[:count]]


@dataclass(frozen=True)
class Coverage:
    """Who taught whom within the cadence: (teacher, learner) -> sessions held."""

    since: datetime
    until: datetime
    taught: dict[tuple[str, str], int]
    departments: tuple[str, ...]  # the org chart's departments, by name
    sales_department: str

    def taught_sales(self, department: str) -> bool:
        return self.taught.get((department, self.sales_department), 0) > 0

    def learned_from_sales(self, department: str) -> bool:
        return self.taught.get((self.sales_department, department), 0) > 0

    def both_ways(self) -> list[str]:
        return [d for d in self._others() if self.taught_sales(d) and self.learned_from_sales(d)]

    def one_way(self) -> list[str]:
        return [d for d in self._others() if self.taught_sales(d) != self.learned_from_sales(d)]

    def neither(self) -> list[str]:
        return [
            d for d in self._others() if not self.taught_sales(d) and not self.learned_from_sales(d)
        ]

    def _others(self) -> list[str]:
        sales = self.sales_department.lower()
        return [d for d in self.departments if d.lower() != sales]


def _members(team_id: str, person: type[Person] = Person) -> tuple[ColumnElement[bool], ...]:
    """Conditions on a Person: active, in a department of the org chart."""
    return (
        person.team_id == team_id,
        person.department.is_not(None),
        person.department != "",
        person.is_bot.is_(False),
        person.is_deleted.is_(False),
    )


def _in(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Credit.team_id == team_id,
        Credit.revoked_at.is_(None),
        Credit.created_at >= start,
        Credit.created_at < end,
    )


def headcount(session: Session, team_id: str) -> dict[str, int]:
    """Department -> its active people, by department name."""
    rows = session.execute(
        select(Person.department, func.count(Person.id))
        .where(*_members(team_id))
        .group_by(Person.department)
        .order_by(Person.department)
    )
    return {department: count for department, count in rows}


def participation(
    session: Session, team_id: str, months: Sequence[Month], sales_department: str = "Sales"
) -> list[MonthParticipation]:
    """Giving and receiving per department, managers versus peers, and the sessions each
    department taught and attended, for each month."""
    people = headcount(session, team_id)
    managers = _managers(session, team_id)
    managers_in = _managers_by_department(session, team_id, managers)
    result = []
    for month in months:
        given = _given(session, team_id, month)
        received = _received(session, team_id, month)
        taught = _taught(session, team_id, month.start, month.end, sales_department, list(people))
        departments = {}
        for name, count in people.items():
            by_giver = given.get(name, {})
            leading = {giver: n for giver, n in by_giver.items() if giver in managers}
            departments[name] = DepartmentMonth(
                department=name,
                people=count,
                givers=len(by_giver),
                receivers=received.get(name, (0, 0))[0],
                credits_given=sum(by_giver.values()),
                credits_received=received.get(name, (0, 0))[1],
                managers=managers_in.get(name, 0),
                managers_giving=len(leading),
                credits_by_managers=sum(leading.values()),
                sessions_taught=sum(n for (t, _), n in taught.items() if t == name),
                sessions_attended=sum(n for (_, a), n in taught.items() if a == name),
            )
        result.append(MonthParticipation(month, departments))
    return result


def _given(session: Session, team_id: str, month: Month) -> dict[str, dict[str, int]]:
    """Department -> each of its givers -> credits given in the month (automatic aside)."""
    return given_by_department(session, team_id, month.start, month.end)


def given_by_department(
    session: Session, team_id: str, start: datetime, end: datetime
) -> dict[str, dict[str, int]]:
    """Department -> each of its givers -> credits given from `start` to `end` (the
    credits the bot gives aside)."""
    rows = session.execute(
        select(Person.department, Credit.giver_id, func.count(Credit.id))
        .join(Person, and_(Person.team_id == Credit.team_id, Person.user_id == Credit.giver_id))
        .where(
            *_in(team_id, start, end),
            Credit.kind.not_in(AUTOMATIC),
            *_members(team_id),
        )
        .group_by(Person.department, Credit.giver_id)
    )
    given: dict[str, dict[str, int]] = defaultdict(dict)
    for department, giver, credits in rows:
        given[department][giver] = credits
    return given


def _received(session: Session, team_id: str, month: Month) -> dict[str, tuple[int, int]]:
    """Department -> (its people credited, credits they received) in the month."""
    rows = session.execute(
        select(
            Person.department, func.count(func.distinct(Credit.recipient_id)), func.count(Credit.id)
        )
        .join(Person, and_(Person.team_id == Credit.team_id, Person.user_id == Credit.recipient_id))
        .where(*_in(team_id, month.start, month.end), *_members(team_id))
        .group_by(Person.department)
    )
    return {department: (people, credits) for department, people, credits in rows}


def _managers(session: Session, team_id: str) -> set[str]:
    """Active people whom an active person reports to."""
    reports_to = set(
        session.scalars(
            select(Person.manager_id)
            .where(*_members(team_id), Person.manager_id.is_not(None))
            .distinct()
        )
    )
    active = set(session.scalars(select(Person.user_id).where(*_members(team_id))))
    return reports_to & active


def _managers_by_department(session: Session, team_id: str, managers: set[str]) -> dict[str, int]:
    """Department -> the managers who sit in it (not those who manage people there)."""
    counts: dict[str, int] = defaultdict(int)
    for user_id, department in session.execute(
        select(Person.user_id, Person.department).where(*_members(team_id))
    ):
        if user_id in managers:
            counts[department] += 1
    return counts


def help_flow(session: Session, team_id: str, start: datetime, end: datetime) -> HelpFlow:
    """Credits from each department to each, between people in the org chart."""
    giver, recipient = aliased(Person), aliased(Person)
    rows = session.execute(
        select(giver.department, recipient.department, func.count(Credit.id))
        .join(giver, and_(giver.team_id == Credit.team_id, giver.user_id == Credit.giver_id))
        .join(
            recipient,
            and_(recipient.team_id == Credit.team_id, recipient.user_id == Credit.recipient_id),
        )
        .where(*_in(team_id, start, end), *_members(team_id, giver), *_members(team_id, recipient))
        .group_by(giver.department, recipient.department)
    )
    return HelpFlow(start, end, {(g, r): n for g, r, n in rows})


def session_coverage(
    session: Session, team_id: str, now: datetime, cadence: timedelta, sales_department: str
) -> Coverage:
    """Sessions held within the cadence, as (teacher, learner) pairs of org-chart names."""
    names = tuple(headcount(session, team_id))
    since = now - cadence
    return Coverage(
        since=since,
        until=now,
        taught=_taught(session, team_id, since, now, sales_department, names),
        departments=names,
        sales_department=_spelling(names).get(sales_department.lower(), sales_department),
    )


def _spelling(names: Sequence[str]) -> dict[str, str]:
    return {name.lower(): name for name in names}


def _taught(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    sales_department: str,
    names: Sequence[str],
) -> dict[tuple[str, str], int]:
    """(teacher, learner) -> sessions held that started from `start` to `end`."""
    spelling = _spelling(names)
    rows = session.execute(
        select(
            KnowledgeSession.department,
            KnowledgeSession.audience_department,
            KnowledgeSession.direction,
        ).where(
            KnowledgeSession.team_id == team_id,
            KnowledgeSession.state == SessionState.HELD.value,
            KnowledgeSession.starts_at >= start,
            KnowledgeSession.starts_at < end,
        )
    )
    taught: dict[tuple[str, str], int] = defaultdict(int)
    for teacher, audience, direction in rows:
        if not audience and direction == Direction.BUILD_TO_SALES.value:
            audience = sales_department
        if not teacher or not audience:
            continue  # a customer story for everyone teaches no one department in particular
        # Typed names follow the org chart's spelling, so "support" and "Support" meet.
        pair = (spelling.get(teacher.lower(), teacher), spelling.get(audience.lower(), audience))
        if pair[0] != pair[1]:
            taught[pair] += 1
    return dict(taught)


def months_since(first: datetime, now: datetime, tz: ZoneInfo) -> list[Month]:
    """Every calendar month from the one holding `first` to the current one (to date)."""
    local = first.astimezone(tz)
    start = datetime(local.year, local.month, 1, tzinfo=tz)
    months = []
    while start <= now:
        following = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=tz)
        months.append(Month(start, min(following, now), to_date=following > now))
        start = following
    return months


@dataclass(frozen=True)
class ParticipationSnapshot:
    """What the admin's Home shows: this month's giving and receiving, managers versus
    peers, the month's help flow, and session coverage within the cadence."""

    month: MonthParticipation
    flow: HelpFlow
    coverage: Coverage
    cadence_days: int


def participation_snapshot(
    session: Session,
    team_id: str,
    now: datetime,
    tz: ZoneInfo,
    sales_department: str,
    cadence_days: int,
) -> ParticipationSnapshot:
    """This calendar month so far, in the workspace's time zone."""
    local = now.astimezone(tz)
    month = Month(datetime(local.year, local.month, 1, tzinfo=tz), now, to_date=True)
    [figures] = participation(session, team_id, [month], sales_department)
    return ParticipationSnapshot(
        month=figures,
        flow=help_flow(session, team_id, month.start, now),
        coverage=session_coverage(
            session, team_id, now, timedelta(days=cadence_days), sales_department
        ),
        cadence_days=cadence_days,
    )


@dataclass(frozen=True)
class ParticipationReport:
    """The culture report's participation figures: giving and receiving per month and
    department, managers versus peers, the help flow over the whole span, and session
    coverage within the cadence at its end."""

    months: list[MonthParticipation]
    flow: HelpFlow
    coverage: Coverage
    headcount: dict[str, int]  # department -> its people now
    cadence_days: int

    @property
    def span(self) -> str:
        first, last = self.months[0].month, self.months[-1].month
        if first.key == last.key:
            return last.label
        return f"{first.start:%b %Y} – {last.label}"


def participation_report(
    session: Session,
    team_id: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    months: int,
    to_date: bool,
    sales_department: str,
    cadence_days: int,
) -> ParticipationReport:
    """The same months as the culture report (`models.culture.last_months`)."""
    span = last_months(now, months, tz, to_date=to_date)
    end = span[-1].end
    return ParticipationReport(
        months=participation(session, team_id, span, sales_department),
        flow=help_flow(session, team_id, span[0].start, end),
        coverage=session_coverage(
            session, team_id, end, timedelta(days=cadence_days), sales_department
        ),
        headcount=headcount(session, team_id),
        cadence_days=cadence_days,
    )

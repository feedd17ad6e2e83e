"""The monthly culture report: the "everybody sells" index and credits per stage, by month.

Month boundaries are computed in Python in the workspace's time zone, and each month is
aggregated in SQL with plain range conditions: the same queries on SQLite and PostgreSQL,
no date functions, and each one a range scan of the index on credits (team_id, created_at)
(one month of ~1M credits is ~50k), with no join to the assists: a credit carries its stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from models.assists import Credit, Stage
from models.deals import DepartmentRevenue, department_revenue
from models.people import Person

MONTHS = 6
MAX_MONTHS = 36
UNSET = "unset"  # credits whose assist has no stage (reactions, lessons)
# The current org chart: people who can be credited today.
_ACTIVE = (Person.is_bot.is_(False), Person.is_deleted.is_(False))


@dataclass(frozen=True)
class Month:
    """One calendar month in the workspace's time zone; `end` is `now` for the month so far."""

    start: datetime
    end: datetime
    to_date: bool = False

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y}" + (" (to date)" if self.to_date else "")


@dataclass(frozen=True)
class MonthFigures:
    month: Month
    credited: dict[str, int]  # department -> people credited at least once
    participation: dict[str, float]  # department -> share of its people credited
    credits_by_stage: dict[str, int]  # every Stage value, plus UNSET when there are some
    departments_total: int

    @property
    def credits(self) -> int:
        return sum(self.credits_by_stage.values())

    @property
    def departments_contributing(self) -> tuple[str, ...]:
        return tuple(d for d, people in self.credited.items() if people)

    @property
    def index(self) -> float | None:
        """Departments with someone credited ÷ departments, as in the weekly digest."""
        if not self.departments_total:
            return None
        return len(self.departments_contributing) / self.departments_total


@dataclass(frozen=True)
class QuarterRevenue:
    """Deals won in the CRM in one calendar quarter, as far as the report's months cover it:
    sourced and influenced revenue per department and currency (see `department_revenue`)."""

    label: str  # "Q2 2026", or "Q2 2026 (May–Jun)" for the part of it the report covers
    start: datetime
    end: datetime
    rows: tuple[DepartmentRevenue, ...]


@dataclass(frozen=True)
class CultureReport:
    months: tuple[MonthFigures, ...]
    headcount: dict[str, int]  # the current org chart: department -> active people
    revenue: tuple[QuarterRevenue, ...] = ()  # the quarters the months fall in, oldest first

    @property
    def has_revenue(self) -> bool:
        """Whether any deal from the CRM was won in the report's months."""
        return any(q.rows for q in self.revenue)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(self.headcount)

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages to show: all four, and UNSET only when some credit has no stage."""
        shown = [s.value for s in Stage]
        if any(m.credits_by_stage.get(UNSET) for m in self.months):
            shown.append(UNSET)
        return tuple(shown)

    @property
    def span(self) -> str:
        first, last = self.months[0].month, self.months[-1].month
        if first.key == last.key:
            return last.label
        return f"{first.start:%b %Y} – {last.label}"


def last_months(now: datetime, count: int, tz: ZoneInfo, *, to_date: bool) -> tuple[Month, ...]:
    """The `count` calendar months up to `now` in `tz`: ending with the current month so far
    (`to_date`), or with the last complete month (what the monthly post covers)."""
    if not 1 <= count <= MAX_MONTHS:
        raise ValueError(f"a report covers 1 to {MAX_MONTHS} months, not {count}")
    local = now.astimezone(tz)
    year, month = local.year, local.month
    if not to_date:
        year, month = _shift(year, month, -1)
    months = []
    for back in range(count - 1, -1, -1):
        y, m = _shift(year, month, -back)
        start = datetime(y, m, 1, tzinfo=tz)
        end = datetime(*_shift(y, m, 1), 1, tzinfo=tz)
        months.append(Month(start, end))
    if to_date:
        months[-1] = Month(months[-1].start, now, to_date=True)
    return tuple(months)


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def culture_report(
    session: Session,
    team_id: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    months: int = MONTHS,
    to_date: bool = False,
    revenue: bool = True,
) -> CultureReport:
    """The figures for the last `months` months (see `last_months`): two grouped queries per
    month, each an index range scan on credits (team_id, created_at); with `revenue`, the
    revenue of the quarters they fall in too."""
    headcount = _headcount(session, team_id)
    figures = []
    for month in last_months(now, months, tz, to_date=to_date):
        credited = _credited(session, team_id, month)
        people = {d: credited.get(d, 0) for d in headcount}
        figures.append(
            MonthFigures(
                month=month,
                credited=people,
                participation={d: people[d] / headcount[d] for d in headcount},
                credits_by_stage=_stages(session, team_id, month),
                departments_total=len(headcount),
            )
        )
    quarters = report_quarters(tuple(f.month for f in figures)) if revenue else ()
    by_quarter = tuple(
        QuarterRevenue(label, start, end, tuple(department_revenue(session, team_id, start, end)))
        for label, start, end in quarters
    )
    return CultureReport(months=tuple(figures), headcount=headcount, revenue=by_quarter)


def report_quarters(months: tuple[Month, ...]) -> list[tuple[str, datetime, datetime]]:
    """The calendar quarters the months fall in, each cut to the months the report covers:
    (label, start, end). A quarter only partly covered names its months: "Q2 2026 (May–Jun)",
    and the month to date is starred: "Q3 2026 (Jul*)"."""
    quarters: dict[tuple[int, int], list[Month]] = {}
    for month in months:
        quarters.setdefault((month.start.year, (month.start.month - 1) // 3 + 1), []).append(month)
    out = []
    for (year, quarter), inside in quarters.items():
        label = f"Q{quarter} {year}"
        if len(inside) < 3 or inside[-1].to_date:
            names = [f"{m.start:%b}" + ("*" if m.to_date else "") for m in (inside[0], inside[-1])]
            label += f" ({names[0] if len(inside) == 1 else '–'.join(names)})"
        out.append((label, inside[0].start, inside[-1].end))
    return out


def _in_month(team_id: str, month: Month) -> tuple[ColumnElement[bool], ...]:
    return (
        Credit.team_id == team_id,
        Credit.revoked_at.is_(None),
        Credit.created_at >= month.start,
        Credit.created_at < month.end,
    )


def _headcount(session: Session, team_id: str) -> dict[str, int]:
    """People per department in the current org chart: bots and people who left not counted."""
    rows = session.execute(
        select(Person.department, func.count(Person.id))
        .where(Person.team_id == team_id, Person.department.is_not(None), *_ACTIVE)
        .group_by(Person.department)
        .order_by(Person.department)
    )
    return {department: count for department, count in rows if department}


def _credited(session: Session, team_id: str, month: Month) -> dict[str, int]:
    """Department -> people credited in the month; each person is taken once before the
    join, so the join touches people, not every credit."""
    recipients = select(Credit.recipient_id).where(*_in_month(team_id, month)).distinct().subquery()
    rows = session.execute(
        select(Person.department, func.count())
        .select_from(recipients)
        .join(Person, and_(Person.team_id == team_id, Person.user_id == recipients.c.recipient_id))
        .where(Person.department.is_not(None), *_ACTIVE)
        .group_by(Person.department)
    )
    return {department: count for department, count in rows}


def _stages(session: Session, team_id: str, month: Month) -> dict[str, int]:
    """Active credits in the month per stage: every Stage, and UNSET only when there are some."""
    rows = session.execute(
        select(Credit.stage, func.count(Credit.id))
        .where(*_in_month(team_id, month))
        .group_by(Credit.stage)
    )
    counts = {stage or UNSET: count for stage, count in rows}
    by_stage = {s.value: counts.get(s.value, 0) for s in Stage}
    if counts.get(UNSET):
        by_stage[UNSET] = counts[UNSET]
    return by_stage

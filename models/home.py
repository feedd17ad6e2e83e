"""What someone's App Home shows: their record, referrals, sessions; their team; workspace health."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from models.assists import Assist, Credit
from models.culture import culture_report
from models.deals import DealInfo, DepartmentRevenue, department_revenue, unowned_deals
from models.deliveries import first_claimed
from models.giving_drops import GivingDrop, giving_drops
from models.knowledge_sessions import (
    SessionInfo,
    cadence,
    count_upcoming,
    session_info,
    upcoming,
)
from models.nudges import QUIET_AFTER, ManagerNudge, build_nudges, quiet_departments
from models.participation import ParticipationSnapshot, participation_snapshot
from models.people import Person, find_person
from models.referrals import Referral, ReferralInfo, referral_info, referrals_of
from models.stats import PersonalStats, Window, period_window, personal_stats

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class WorkspaceHealth:
    # Months since the bot was installed only: before, there was nothing to measure.
    index_by_month: list[tuple[str, float | None]] = field(default_factory=list)
    silent_departments: list[str] = field(default_factory=list)
    overdue_departments: list[str] = field(default_factory=list)
    quiet_departments: list[str] = field(default_factory=list)  # no credit for 7 days
    # Fewer than half as many people crediting someone as in the 8 weeks before.
    giving_drops: list[GivingDrop] = field(default_factory=list)
    # Who gives and receives this month, managers versus peers, help flow, sessions.
    participation: ParticipationSnapshot | None = None


@dataclass
class HomeData:
    user_id: str
    month: PersonalStats
    all_time: PersonalStats
    streak_weeks: int
    referrals: list[ReferralInfo]
    sessions: list[SessionInfo]
    team: ManagerNudge | None = None
    health: WorkspaceHealth | None = None
    is_admin: bool = False  # admins may edit and cancel any session
    referral_count: int = 0  # all of theirs; `referrals` holds the first few
    session_count: int = 0  # every session to come; `sessions` holds the next few
    # Deals won this quarter: every department's for admins, a manager's own for them.
    revenue: list[DepartmentRevenue] = field(default_factory=list)
    revenue_label: str = ""
    unowned_deals: list[DealInfo] = field(default_factory=list)  # admins fix the owner


def active_week_streak(
    session: Session, team_id: str, user_id: str, now: datetime, tz: ZoneInfo
) -> int:
    """Consecutive weeks, up to this one, in which the person gave or received a credit.

    This week still counts as part of the streak if last week was active and this week
    has not had anything yet: the week is not over.
    """
    since = now - timedelta(weeks=104)
    stamps = session.scalars(
        select(Credit.created_at).where(
            Credit.team_id == team_id,
            Credit.revoked_at.is_(None),
            Credit.created_at >= since,
            or_(Credit.giver_id == user_id, Credit.recipient_id == user_id),
        )
    )
    weeks = {_week_start(stamp, tz) for stamp in stamps}
    week = _week_start(now, tz)
    if week not in weeks:
        week -= timedelta(weeks=1)
    streak = 0
    while week in weeks:
        streak += 1
        week -= timedelta(weeks=1)
    return streak


def _week_start(when: datetime, tz: ZoneInfo) -> datetime:
    local = when.astimezone(tz)
    return (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def build_home(
    session: Session,
    team_id: str,
    user_id: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    is_admin: bool,
    sla: timedelta,
    sales_department: str,
    cadence_days: int,
) -> HomeData:
    month = personal_stats(session, team_id, user_id, period_window("month", now, tz))
    all_time = personal_stats(session, team_id, user_id, Window(EPOCH, now, "all time"))
    data = HomeData(
        user_id=user_id,
        month=month,
        all_time=all_time,
        streak_weeks=active_week_streak(session, team_id, user_id, now, tz),
        referrals=[referral_info(r) for r in referrals_of(session, team_id, user_id, limit=8)],
        sessions=[session_info(t) for t in upcoming(session, team_id, now, limit=5)],
        referral_count=_referral_count(session, team_id, user_id),
        session_count=count_upcoming(session, team_id, now),
    )
    team = build_nudges(
        session,
        team_id,
        now - timedelta(days=7),
        now,
        sla=sla,
        sales_department=sales_department,
        managers={user_id},
    )
    data.team = team[0] if team else None
    data.is_admin = is_admin
    if is_admin:
        data.health = workspace_health(session, team_id, now, tz, sales_department, cadence_days)
        data.unowned_deals = unowned_deals(session, team_id)
    if is_admin or data.team is not None:
        quarter = period_window("quarter", now, tz)
        rows = department_revenue(session, team_id, quarter.start, quarter.end)
        if not is_admin:
            me = find_person(session, team_id, user_id)
            rows = [r for r in rows if me is not None and r.department == me.department]
        data.revenue, data.revenue_label = rows, quarter.label
    return data


def workspace_health(
    session: Session,
    team_id: str,
    now: datetime,
    tz: ZoneInfo,
    sales_department: str,
    cadence_days: int,
) -> WorkspaceHealth:
    """What an admin's Home shows: the index by month since the install, the departments
    quiet this week and this month, those whose giving is fading, and those overdue to
    present a session."""
    window = timedelta(days=cadence_days)
    rows = cadence(session, team_id, now, window, sales_department)
    # Only its index by month is used here: its revenue quarters would be wasted queries.
    report = culture_report(session, team_id, now, tz, months=6, to_date=True, revenue=False)
    this_month = report.months[-1]
    since = installed_since(session, team_id) or now
    return WorkspaceHealth(
        index_by_month=[
            (m.month.label, m.index)
            for m in report.months
            if m.month.end > since or m.month.to_date
        ],
        silent_departments=[
            d for d in report.departments if d not in this_month.departments_contributing
        ],
        overdue_departments=[r.department for r in rows if r.overdue(now - window)],
        quiet_departments=quiet_departments(session, team_id, now - QUIET_AFTER, now),
        giving_drops=giving_drops(session, team_id, now),
        participation=participation_snapshot(
            session, team_id, now, tz, sales_department, cadence_days
        ),
    )


def _referral_count(session: Session, team_id: str, user_id: str) -> int:
    """Referrals someone passed or owns (the Home lists the first eight)."""
    mine = or_(Referral.referrer_id == user_id, Referral.owner_id == user_id)
    count = select(func.count(Referral.id)).where(Referral.team_id == team_id, mine)
    return session.scalar(count) or 0


def installed_since(session: Session, team_id: str) -> datetime | None:
    """When the bot started here: the earliest of its own records (the first assist, or
    the scheduler's `installed` claim); None before it has any."""
    first_assist = session.scalar(
        select(func.min(Assist.created_at)).where(Assist.team_id == team_id)
    )
    known = [t for t in (first_assist, first_claimed(session, team_id, "installed")) if t]
    return min(known) if known else None


# Built once: it runs after every credit.
_HOME_OPENERS = select(Person.user_id).where(
    Person.team_id == bindparam("team_id"),
    Person.user_id.in_(bindparam("user_ids", expanding=True)),
    Person.home_opened_at.is_not(None),
)


def home_openers(session: Session, team_id: str, user_ids: list[str]) -> list[str]:
    """Of `user_ids`, those who have opened the Home tab (only theirs is worth refreshing)."""
    if not user_ids:
        return []
    return list(
        session.connection().scalars(
            _HOME_OPENERS, {"team_id": team_id, "user_ids": list(user_ids)}
        )
    )


def mark_home_opened(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    person = session.scalar(
        select(Person).where(Person.team_id == team_id, Person.user_id == user_id)
    )
    if person is None:
        person = Person(team_id=team_id, user_id=user_id, name=user_id)
        session.add(person)
    person.home_opened_at = now

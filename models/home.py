"""What someone's App Home shows: their record, referrals, sessions; their team; workspace health."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.assists import Credit
from models.culture import culture_report
from models.knowledge_sessions import SessionInfo, cadence, session_info, upcoming
from models.nudges import ManagerNudge, build_nudges
from models.people import Person
from models.referrals import ReferralInfo, referral_info, referrals_of
from models.stats import PersonalStats, Window, period_window, personal_stats

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class WorkspaceHealth:
    index_by_month: list[tuple[str, float | None]] = field(default_factory=list)
    silent_departments: list[str] = field(default_factory=list)
    overdue_departments: list[str] = field(default_factory=list)


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
    if is_admin:
        window = timedelta(days=cadence_days)
        rows = cadence(session, team_id, now, window, sales_department)
        report = culture_report(session, team_id, now, tz, months=6, to_date=True)
        this_month = report.months[-1]
        data.health = WorkspaceHealth(
            index_by_month=[(m.month.label, m.index) for m in report.months],
            silent_departments=[
                d for d in report.departments if d not in this_month.departments_contributing
            ],
            overdue_departments=[r.department for r in rows if r.overdue(now - window)],
        )
    return data


def home_openers(session: Session, team_id: str, user_ids: list[str]) -> list[str]:
    """Of `user_ids`, those who have opened the Home tab (only theirs is worth refreshing)."""
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.user_id.in_(user_ids),
                Person.home_opened_at.is_not(None),
            )
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

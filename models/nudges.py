"""Manager nudges: whom to thank, who has gone unrecognised, what is stuck. Reports only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models.assists import Assist, Credit
from models.base import Base, TeamScoped, UtcDateTime, utcnow
from models.knowledge_sessions import KnowledgeSession, SessionState
from models.people import Person
from models.referrals import CLOSED, Referral, State

UNRECOGNISED_AFTER = timedelta(days=30)
CREDITS_SHOWN = 10


class NudgePreference(TeamScoped, Base):
    __tablename__ = "nudge_preferences"
    __table_args__ = (UniqueConstraint("team_id", "manager_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[str] = mapped_column(String(32))
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)


class ManagerThanks(TeamScoped, Base):
    """A manager's "Say thanks" for a report's credit: manager recognition, counted once."""

    __tablename__ = "manager_thanks"
    __table_args__ = (UniqueConstraint("team_id", "manager_id", "credit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[str] = mapped_column(String(32), index=True)
    report_id: Mapped[str] = mapped_column(String(32))
    credit_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True)
class ReportCredit:
    credit_id: int
    report_id: str
    giver_id: str
    kind: str
    customer: str | None
    description: str
    is_private: bool


@dataclass(frozen=True)
class StuckReferral:
    referral_id: int
    owner_id: str
    referrer_id: str
    customer: str
    state: str
    since: datetime


@dataclass
class ManagerNudge:
    manager_id: str
    reports: list[str] = field(default_factory=list)
    credits: list[ReportCredit] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    stuck: list[StuckReferral] = field(default_factory=list)
    unanswered: list[StuckReferral] = field(default_factory=list)
    upcoming: list[tuple[int, str, datetime]] = field(default_factory=list)
    is_sales_manager: bool = False

    @property
    def empty(self) -> bool:
        return not (self.credits or self.unrecognised or self.stuck or self.unanswered)


def build_nudges(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    sla: timedelta,
    sales_department: str,
    managers: set[str] | None = None,
) -> list[ManagerNudge]:
    """One nudge per manager in the org chart, each holding only that manager's reports.

    A handful of queries for the whole workspace, whatever its size, then grouped in memory.
    """
    people = session.execute(
        select(Person.user_id, Person.manager_id, Person.department).where(
            Person.team_id == team_id,
            Person.manager_id.is_not(None),
            Person.is_deleted.is_(False),
            Person.is_bot.is_(False),
        )
    ).all()
    nudges: dict[str, ManagerNudge] = {}
    manager_of: dict[str, str] = {}
    department_of: dict[str, str | None] = {}
    for user_id, manager_id, department in people:
        if managers is not None and manager_id not in managers:
            continue
        nudge = nudges.setdefault(manager_id, ManagerNudge(manager_id))
        nudge.reports.append(user_id)
        manager_of[user_id] = manager_id
        department_of[user_id] = department
        if department and department.lower() == sales_department.lower():
            nudge.is_sales_manager = True
    if not nudges:
        return []
    _add_credits(session, team_id, start, end, manager_of, nudges)
    _add_unrecognised(session, team_id, end, manager_of, nudges)
    _add_referrals(session, team_id, end, sla, manager_of, department_of, sales_department, nudges)
    upcoming = _upcoming(session, team_id, end)
    for nudge in nudges.values():
        nudge.upcoming = upcoming
    return [nudges[m] for m in sorted(nudges)]


def _add_credits(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    manager_of: dict[str, str],
    nudges: dict[str, ManagerNudge],
) -> None:
    rows = session.execute(
        select(
            Credit.id,
            Credit.recipient_id,
            Credit.giver_id,
            Credit.kind,
            Assist.customer,
            Assist.description,
            Assist.is_private,
        )
        .join(Assist, Assist.id == Credit.assist_id)
        .where(
            Credit.team_id == team_id,
            Credit.revoked_at.is_(None),
            Credit.created_at >= start,
            Credit.created_at < end,
        )
        .order_by(Credit.created_at)
    )
    for row in rows:
        manager = manager_of.get(row.recipient_id)
        # A manager crediting their own report needs no reminder to thank them.
        if manager is None or row.giver_id == manager:
            continue
        listed = nudges[manager].credits
        if len(listed) < CREDITS_SHOWN:
            listed.append(ReportCredit(*row))


def _add_unrecognised(
    session: Session,
    team_id: str,
    end: datetime,
    manager_of: dict[str, str],
    nudges: dict[str, ManagerNudge],
) -> None:
    recent = set(
        session.scalars(
            select(Credit.recipient_id)
            .where(
                Credit.team_id == team_id,
                Credit.revoked_at.is_(None),
                Credit.created_at >= end - UNRECOGNISED_AFTER,
                Credit.created_at < end,
            )
            .distinct()
        )
    )
    for user_id, manager in manager_of.items():
        if user_id not in recent:
            nudges[manager].unrecognised.append(user_id)


def _add_referrals(
    session: Session,
    team_id: str,
    end: datetime,
    sla: timedelta,
    manager_of: dict[str, str],
    department_of: dict[str, str | None],
    sales_department: str,
    nudges: dict[str, ManagerNudge],
) -> None:
    referrer = aliased(Person)
    rows = session.execute(
        select(Referral, referrer.department)
        .outerjoin(
            referrer,
            (referrer.team_id == Referral.team_id) & (referrer.user_id == Referral.referrer_id),
        )
        .where(
            Referral.team_id == team_id,
            Referral.owner_id.is_not(None),
            Referral.state.not_in([s.value for s in CLOSED]),
            Referral.state_changed_at < end - sla,
        )
        .order_by(Referral.state_changed_at)
    )
    for referral, referrer_department in rows:
        manager = manager_of.get(referral.owner_id)
        if manager is None:
            continue
        stuck = StuckReferral(
            referral.id,
            referral.owner_id,
            referral.referrer_id,
            referral.customer,
            referral.state,
            referral.state_changed_at,
        )
        nudges[manager].stuck.append(stuck)
        from_elsewhere = (referrer_department or "").lower() != sales_department.lower()
        if (
            nudges[manager].is_sales_manager
            and referral.state == State.NEW.value
            and from_elsewhere
        ):
            nudges[manager].unanswered.append(stuck)


def _upcoming(session: Session, team_id: str, end: datetime) -> list[tuple[int, str, datetime]]:
    rows = session.execute(
        select(KnowledgeSession.id, KnowledgeSession.title, KnowledgeSession.starts_at)
        .where(
            KnowledgeSession.team_id == team_id,
            KnowledgeSession.state == SessionState.SCHEDULED.value,
            KnowledgeSession.starts_at >= end,
            KnowledgeSession.starts_at < end + timedelta(days=14),
        )
        .order_by(KnowledgeSession.starts_at)
        .limit(3)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def paused_managers(session: Session, team_id: str, now: datetime) -> set[str]:
    rows = session.execute(
        select(
            NudgePreference.manager_id, NudgePreference.stopped, NudgePreference.snoozed_until
        ).where(NudgePreference.team_id == team_id)
    )
    return {m for m, stopped, until in rows if stopped or (until is not None and until > now)}


def set_nudges(
    session: Session,
    team_id: str,
    manager_id: str,
    *,
    stopped: bool | None = None,
    snooze_until: datetime | None = None,
) -> NudgePreference:
    """Stop, resume or snooze one manager's nudges."""
    preference = _preference(session, team_id, manager_id)
    if preference is None:
        try:
            with session.begin_nested():
                preference = NudgePreference(team_id=team_id, manager_id=manager_id, stopped=False)
                session.add(preference)
        except IntegrityError:
            preference = _preference(session, team_id, manager_id)
    assert preference is not None
    if stopped is not None:
        preference.stopped = stopped
        if not stopped:
            preference.snoozed_until = None
    if snooze_until is not None:
        preference.snoozed_until = snooze_until
    return preference


def record_thanks(
    session: Session, team_id: str, manager_id: str, credit_id: int
) -> tuple[Credit | None, bool]:
    """(credit, new): the thanks is counted once, and only for the manager's own report."""
    credit = session.scalar(select(Credit).where(Credit.team_id == team_id, Credit.id == credit_id))
    if credit is None:
        return None, False
    report = session.scalar(
        select(Person).where(Person.team_id == team_id, Person.user_id == credit.recipient_id)
    )
    if report is None or report.manager_id != manager_id:
        return None, False
    try:
        with session.begin_nested():
            session.add(
                ManagerThanks(
                    team_id=team_id,
                    manager_id=manager_id,
                    report_id=credit.recipient_id,
                    credit_id=credit.id,
                )
            )
    except IntegrityError:
        return credit, False
    return credit, True


def _preference(session: Session, team_id: str, manager_id: str) -> NudgePreference | None:
    return session.scalar(
        select(NudgePreference).where(
            NudgePreference.team_id == team_id, NudgePreference.manager_id == manager_id
        )
    )

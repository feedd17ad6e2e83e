"""Manager nudges: whom to thank, who has gone unrecognised, what is stuck. Reports only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ColumnElement, Integer, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models.assists import Assist, Credit, Kind
from models.base import Base, TeamScoped, UtcDateTime, utcnow
from models.knowledge_sessions import KnowledgeSession, SessionState
from models.people import Person
from models.referrals import CLOSED, Referral, State

UNRECOGNISED_AFTER = timedelta(days=30)
QUIET_AFTER = timedelta(days=7)  # a department with no credit given or received is quiet
ASSISTS_LISTED = 10  # the latest assists listed per manager; the counts are always whole


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
class ReportAssist:
    """One assist that credited some of a manager's reports: one line, one thanks."""

    assist_id: int
    credit_ids: tuple[int, ...]  # its credits to this manager's reports
    report_ids: tuple[str, ...]
    giver_id: str
    kind: str
    customer: str | None
    description: str
    is_private: bool

    @property
    def thankable(self) -> bool:
        """A lesson from a loud mistake is celebrated, never thanked as a score."""
        return self.kind != Kind.LESSON.value


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
    """One manager's week. Counts are whole (counted in SQL); lists of assists are the
    latest few, and the builders say how many more there are."""

    manager_id: str
    reports: list[str] = field(default_factory=list)
    assists: list[ReportAssist] = field(default_factory=list)  # the latest ASSISTS_LISTED
    assist_count: int = 0  # every assist this week that credited their reports, lessons too
    credit_count: int = 0  # credits their reports received this week, lessons not counted
    lesson_count: int = 0  # lessons from loud mistakes their reports took part in
    credited: list[str] = field(default_factory=list)  # reports credited this week, by anyone
    unrecognised: list[str] = field(default_factory=list)
    stuck: list[StuckReferral] = field(default_factory=list)
    unanswered: list[StuckReferral] = field(default_factory=list)
    upcoming: list[tuple[int, str, datetime]] = field(default_factory=list)  # next 14 days
    quiet_departments: list[str] = field(default_factory=list)  # theirs, quiet for 7 days
    is_sales_manager: bool = False

    @property
    def credits(self) -> list[ReportAssist]:
        """The listed assists (the name bot/commands/demo.py reads)."""
        return self.assists

    @property
    def empty(self) -> bool:
        return not (
            self.assists
            or self.unrecognised
            or self.stuck
            or self.unanswered
            or self.quiet_departments
        )


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
    scope = _reports(team_id, managers)
    _add_credits(session, team_id, start, end, scope, nudges)
    _add_unrecognised(session, team_id, end, manager_of, nudges)
    _add_referrals(session, team_id, end, sla, manager_of, department_of, sales_department, nudges)
    quiet = set(quiet_departments(session, team_id, end - QUIET_AFTER, end))
    upcoming = _upcoming(session, team_id, end)
    for nudge in nudges.values():
        nudge.upcoming = upcoming
        theirs = {department_of[r] for r in nudge.reports}
        nudge.quiet_departments = sorted(d for d in theirs if d in quiet)
    return [nudges[m] for m in sorted(nudges)]


def _reports(team_id: str, managers: set[str] | None) -> tuple[ColumnElement[bool], ...]:
    """Conditions on Person: someone's active report (of one of `managers`, if given)."""
    conditions = (
        Person.team_id == team_id,
        Person.manager_id.is_not(None),
        Person.is_deleted.is_(False),
        Person.is_bot.is_(False),
    )
    if managers is not None:
        conditions += (Person.manager_id.in_(sorted(managers)),)
    return conditions


def _this_week(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    """Active credits in [start, end), each joined to its recipient in the org chart."""
    return (
        Credit.team_id == team_id,
        Credit.revoked_at.is_(None),
        Credit.created_at >= start,
        Credit.created_at < end,
        Person.user_id == Credit.recipient_id,
    )


def _add_credits(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    scope: tuple[ColumnElement[bool], ...],
    nudges: dict[str, ManagerNudge],
) -> None:
    """Whole counts per manager, everyone credited, and the latest few assists in full.
    A manager crediting their own report needs no reminder to thank them."""
    week = (*_this_week(team_id, start, end), *scope)
    to_thank = (*week, Credit.giver_id != Person.manager_id)
    for manager, kind, credits, assists in session.execute(
        select(
            Person.manager_id,
            Credit.kind,
            func.count(Credit.id),
            func.count(func.distinct(Credit.assist_id)),
        )
        .where(*to_thank)
        .group_by(Person.manager_id, Credit.kind)
    ):
        nudge = nudges[manager]
        nudge.assist_count += assists
        if kind == Kind.LESSON.value:
            nudge.lesson_count += assists
        else:
            nudge.credit_count += credits
    for manager, report in session.execute(
        select(Person.manager_id, Credit.recipient_id)
        .where(*week)
        .distinct()
        .order_by(Person.manager_id, Credit.recipient_id)
    ):
        nudges[manager].credited.append(report)
    for row in _latest_assists(session, to_thank):
        _add_assist(nudges[row.manager_id], row)


def _latest_assists(session: Session, to_thank: tuple[ColumnElement[bool], ...]) -> list:
    """Each manager's ASSISTS_LISTED latest assists (ranked in SQL, so a manager whose
    reports had 5,000 credits costs no more than one with ten), one row per credit."""
    pairs = (
        select(
            Person.manager_id.label("manager_id"),
            Credit.assist_id.label("assist_id"),
            func.max(Credit.created_at).label("at"),
        )
        .where(*to_thank)
        .group_by(Person.manager_id, Credit.assist_id)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=pairs.c.manager_id, order_by=(pairs.c.at.desc(), pairs.c.assist_id.desc())
    )
    ranked = select(pairs.c.manager_id, pairs.c.assist_id, rank.label("rank")).subquery()
    return list(
        session.execute(
            select(
                ranked.c.manager_id,
                Credit.id.label("credit_id"),
                Credit.recipient_id,
                Assist.id.label("assist_id"),
                Assist.giver_id,
                Assist.kind,
                Assist.customer,
                Assist.description,
                Assist.is_private,
            )
            .select_from(ranked)
            .join(Assist, Assist.id == ranked.c.assist_id)
            .join(Credit, Credit.assist_id == Assist.id)
            .join(
                Person,
                (Person.manager_id == ranked.c.manager_id)
                & (Person.user_id == Credit.recipient_id),
            )
            .where(ranked.c.rank <= ASSISTS_LISTED, *to_thank)
            .order_by(ranked.c.manager_id, ranked.c.rank, Credit.id)
        )
    )


def _add_assist(nudge: ManagerNudge, row) -> None:
    """One credit's row: a new line for its assist, or one more report on the last line."""
    last = nudge.assists[-1] if nudge.assists else None
    if last is not None and last.assist_id == row.assist_id:
        nudge.assists[-1] = ReportAssist(
            last.assist_id,
            (*last.credit_ids, row.credit_id),
            (*last.report_ids, row.recipient_id),
            *(last.giver_id, last.kind, last.customer, last.description, last.is_private),
        )
        return
    nudge.assists.append(
        ReportAssist(
            row.assist_id,
            (row.credit_id,),
            (row.recipient_id,),
            row.giver_id,
            row.kind,
            row.customer,
            row.description,
            row.is_private,
        )
    )


def quiet_departments(session: Session, team_id: str, start: datetime, end: datetime) -> list[str]:
    """Departments of the org chart where nobody gave or received a credit in [start, end):
    for the admins' Home and each manager's own nudge, never for a public post."""
    active = (
        Credit.team_id == team_id,
        Credit.revoked_at.is_(None),
        Credit.created_at >= start,
        Credit.created_at < end,
    )
    took_part = (
        select(Credit.recipient_id).where(*active).union(select(Credit.giver_id).where(*active))
    )
    people = (
        Person.team_id == team_id,
        Person.department.is_not(None),
        Person.is_deleted.is_(False),
        Person.is_bot.is_(False),
    )
    heard = set(
        session.scalars(
            select(Person.department).where(*people, Person.user_id.in_(took_part)).distinct()
        )
    )
    every = session.scalars(select(Person.department).where(*people).distinct())
    return sorted(d for d in every if d and d not in heard)


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
        .limit(100)
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


@dataclass(frozen=True)
class Thanks:
    """A manager's "Say thanks" on one assist: which of their reports hear it now, and
    which had heard it already."""

    kind: str
    description: str
    is_private: bool
    thanked: tuple[str, ...] = ()
    already: tuple[str, ...] = ()

    @property
    def is_lesson(self) -> bool:
        return self.kind == Kind.LESSON.value


def record_thanks(session: Session, team_id: str, manager_id: str, credit_id: int) -> Thanks | None:
    """Thank every report of the manager credited by the assist behind `credit_id`, each
    once; None when it credited none of their reports. A lesson records nothing: loud
    mistakes are celebrated, never thanked as a score."""
    credit = session.scalar(select(Credit).where(Credit.team_id == team_id, Credit.id == credit_id))
    if credit is None:
        return None
    assist = credit.assist
    theirs = list(
        session.scalars(
            select(Credit)
            .join(
                Person,
                (Person.team_id == Credit.team_id) & (Person.user_id == Credit.recipient_id),
            )
            .where(
                Credit.assist_id == assist.id,
                Credit.revoked_at.is_(None),
                Person.manager_id == manager_id,
            )
            .order_by(Credit.id)
        )
    )
    if not theirs:
        return None
    thanks = Thanks(assist.kind, assist.description, assist.is_private)
    if thanks.is_lesson:
        return thanks
    thanked, already = [], []
    for each in theirs:
        try:
            with session.begin_nested():
                session.add(
                    ManagerThanks(
                        team_id=team_id,
                        manager_id=manager_id,
                        report_id=each.recipient_id,
                        credit_id=each.id,
                    )
                )
            thanked.append(each.recipient_id)
        except IntegrityError:
            already.append(each.recipient_id)
    return Thanks(
        thanks.kind, thanks.description, thanks.is_private, tuple(thanked), tuple(already)
    )


def _preference(session: Session, team_id: str, manager_id: str) -> NudgePreference | None:
    return session.scalar(
        select(NudgePreference).where(
            NudgePreference.team_id == team_id, NudgePreference.manager_id == manager_id
        )
    )

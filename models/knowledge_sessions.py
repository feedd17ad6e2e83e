"""Knowledge-sharing sessions: sales and the other teams teaching each other, on a cadence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.assists import (
    Assist,
    AssistDraft,
    Credit,
    Kind,
    RecordOutcome,
    Source,
    record_assist,
)
from models.base import Base, TeamScoped, UtcDateTime, insert_once, utcnow
from models.people import Person, PersonInfo

TITLE_LENGTH = 150
LEARNING_LENGTH = 500
MAX_DURATION = timedelta(hours=8)


class Direction(StrEnum):
    BUILD_TO_SALES = (
        "build_to_sales"  # a non-sales team shows sales how they build what sales sells
    )
    SELL_TO_BUILDERS = "sell_to_builders"  # sales shows a non-sales team how they sell it
    CUSTOMER_STORY = "customer_story"


DIRECTION_LABELS = {
    Direction.BUILD_TO_SALES: "How we build what you sell",
    Direction.SELL_TO_BUILDERS: "How I sell what you build",
    Direction.CUSTOMER_STORY: "Customer story",
}


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    NOT_HELD = "not_held"


class KnowledgeSession(TeamScoped, Base):
    __tablename__ = "knowledge_sessions"
    __table_args__ = (UniqueConstraint("team_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    direction: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(100))
    audience_department: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=SessionState.SCHEDULED.value, index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    presenters: Mapped[list[SessionPresenter]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SessionPresenter.id"
    )
    rsvps: Mapped[list[SessionRsvp]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SessionRsvp.id"
    )
    attendees: Mapped[list[SessionAttendee]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SessionAttendee.id"
    )

    @property
    def presenter_ids(self) -> list[str]:
        return [p.user_id for p in self.presenters]

    @property
    def rsvp_ids(self) -> list[str]:
        return [r.user_id for r in self.rsvps]


class SessionPresenter(TeamScoped, Base):
    __tablename__ = "session_presenters"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("knowledge_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))


class SessionRsvp(TeamScoped, Base):
    __tablename__ = "session_rsvps"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("knowledge_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SessionAttendee(TeamScoped, Base):
    """Who the presenter confirmed attended, and what each chose to share they learned."""

    __tablename__ = "session_attendees"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("knowledge_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    learned: Mapped[str | None] = mapped_column(Text)
    share_learned: Mapped[bool] = mapped_column(default=False)
    learned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class SessionDraft:
    team_id: str
    created_by: str
    title: str
    direction: Direction
    department: str
    presenters: Sequence[str]
    starts_at: datetime
    ends_at: datetime
    audience_department: str | None = None
    meeting_url: str | None = None
    channel_id: str | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True)
class SessionInfo:
    """A knowledge-sharing session as the bot shows it: plain data, for builders."""

    id: int
    title: str
    direction: str
    department: str
    audience_department: str | None
    starts_at: datetime
    ends_at: datetime
    meeting_url: str | None
    state: str
    created_by: str
    channel_id: str | None
    presenter_ids: tuple[str, ...]
    rsvp_ids: tuple[str, ...]
    attendee_ids: tuple[str, ...] = ()
    announcement_ts: str | None = None  # with channel_id: the post kept up to date
    team_id: str = ""

    def may_be_changed_by(self, user_id: str, is_admin: bool) -> bool:
        """Presenters, the person who scheduled it, and admins may edit or cancel it."""
        return is_admin or user_id == self.created_by or user_id in self.presenter_ids


def session_info(talk: KnowledgeSession) -> SessionInfo:
    """The plain copy of a session row, taken inside the transaction that loaded it."""
    return SessionInfo(
        id=talk.id,
        title=talk.title,
        direction=talk.direction,
        department=talk.department,
        audience_department=talk.audience_department,
        starts_at=talk.starts_at,
        ends_at=talk.ends_at,
        meeting_url=talk.meeting_url,
        state=talk.state,
        created_by=talk.created_by,
        channel_id=talk.channel_id,
        presenter_ids=tuple(talk.presenter_ids),
        rsvp_ids=tuple(talk.rsvp_ids),
        attendee_ids=tuple(a.user_id for a in talk.attendees),
        announcement_ts=talk.announcement_ts,
        team_id=talk.team_id,
    )


MAX_AHEAD = timedelta(days=366)


def schedule_problems(
    starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> dict[str, str]:
    """Field errors for a start in the past, an end before the start, or a marathon."""
    problems: dict[str, str] = {}
    if starts_at is None:
        problems["starts_at"] = "Choose when it starts."
    elif starts_at <= now:
        problems["starts_at"] = "That time has passed; choose a time in the future."
    elif starts_at > now + MAX_AHEAD:
        problems["starts_at"] = "Choose a time within the next year."
    if ends_at is None:
        problems["ends_at"] = "Choose when it ends."
    elif starts_at is not None and ends_at <= starts_at:
        problems["ends_at"] = "The end must be after the start."
    elif starts_at is not None and ends_at - starts_at > MAX_DURATION:
        problems["ends_at"] = "Sessions can last at most 8 hours."
    return problems


def create_session(session: Session, draft: SessionDraft) -> tuple[KnowledgeSession, bool]:
    """Store a new session; (session, created), False when this submission was seen before."""
    existing = _by_key(session, draft.team_id, draft.dedupe_key)
    if existing is not None:
        return existing, False
    talk = KnowledgeSession(
        team_id=draft.team_id,
        title=draft.title,
        direction=draft.direction.value,
        department=draft.department,
        audience_department=draft.audience_department,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        meeting_url=draft.meeting_url,
        channel_id=draft.channel_id,
        created_by=draft.created_by,
        dedupe_key=draft.dedupe_key,
    )
    talk.presenters = [
        SessionPresenter(team_id=draft.team_id, user_id=u) for u in dict.fromkeys(draft.presenters)
    ]
    talk.rsvps, talk.attendees = [], []
    return insert_once(session, talk, lambda: _by_key(session, draft.team_id, draft.dedupe_key))


def get_session(session: Session, team_id: str, session_id: int) -> KnowledgeSession | None:
    return session.scalar(
        select(KnowledgeSession).where(
            KnowledgeSession.team_id == team_id, KnowledgeSession.id == session_id
        )
    )


def may_manage(talk: KnowledgeSession, user_id: str, is_admin: bool) -> bool:
    """Presenters, the person who scheduled it, and admins may edit, reschedule or cancel
    (`SessionInfo.may_be_changed_by` is the same rule, for builders)."""
    return is_admin or user_id == talk.created_by or user_id in talk.presenter_ids


@dataclass(frozen=True)
class Rsvp:
    """Where someone stands after a click: going or not, and whether the click changed it."""

    going: bool
    changed: bool


def set_rsvp(
    session: Session, talk: KnowledgeSession, user: PersonInfo | None, going: bool
) -> Rsvp | None:
    """Going or not going (a click says which, so a repeated click changes nothing);
    None when they may not RSVP (a bot, someone who left, a session no longer scheduled)."""
    if user is None or not user.creditable or talk.state != SessionState.SCHEDULED:
        return None
    existing = next((r for r in talk.rsvps if r.user_id == user.user_id), None)
    if not going:
        if existing is not None:
            talk.rsvps.remove(existing)
            session.flush()
        return Rsvp(going=False, changed=existing is not None)
    if existing is not None:
        return Rsvp(going=True, changed=False)
    try:
        with session.begin_nested():
            talk.rsvps.append(SessionRsvp(team_id=talk.team_id, user_id=user.user_id))
    except IntegrityError:
        # The same person's other click got there first: they are going either way.
        session.refresh(talk)
        return Rsvp(going=True, changed=False)
    return Rsvp(going=True, changed=True)


@dataclass(frozen=True)
class Change:
    rescheduled: bool
    previous_start: datetime


def update_session(
    talk: KnowledgeSession,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    meeting_url: str | None,
    presenters: Sequence[str],
) -> Change:
    """Edit a scheduled session; a new time moves its reminders (they are keyed by start)."""
    change = Change(rescheduled=starts_at != talk.starts_at, previous_start=talk.starts_at)
    talk.title, talk.starts_at, talk.ends_at, talk.meeting_url = (
        title,
        starts_at,
        ends_at,
        meeting_url,
    )
    keep = dict.fromkeys(presenters)
    talk.presenters = [p for p in talk.presenters if p.user_id in keep] + [
        SessionPresenter(team_id=talk.team_id, user_id=u)
        for u in keep
        if u not in talk.presenter_ids
    ]
    return change


def cancel_session(talk: KnowledgeSession) -> bool:
    if talk.state != SessionState.SCHEDULED:
        return False
    talk.state = SessionState.CANCELLED.value
    return True


def confirm_session(
    session: Session,
    talk: KnowledgeSession,
    attendees: Sequence[PersonInfo | None],
    presenters: dict[str, PersonInfo | None],
    awarded_by: str,
    now: datetime,
) -> RecordOutcome | None:
    """Mark a session held, record who attended, and credit its presenters (once)."""
    if talk.state not in (SessionState.SCHEDULED, SessionState.NOT_HELD):
        return None
    talk.state = SessionState.HELD.value
    talk.confirmed_at = now
    known = {a.user_id for a in talk.attendees}
    for person in attendees:
        if person is not None and person.creditable and person.user_id not in known:
            talk.attendees.append(SessionAttendee(team_id=talk.team_id, user_id=person.user_id))
            known.add(person.user_id)
    draft = AssistDraft(
        team_id=talk.team_id,
        giver_id=awarded_by,
        recipient_ids=talk.presenter_ids,
        kind=Kind.SESSION,
        source=Source.SESSION,
        description=f"presented “{talk.title}” ({DIRECTION_LABELS[Direction(talk.direction)]})",
        channel_id=talk.channel_id,
        dedupe_key=f"session:{talk.id}",
    )
    return record_assist(session, draft, presenters, limit=None, now=now)


def mark_not_held(talk: KnowledgeSession) -> bool:
    if talk.state != SessionState.SCHEDULED:
        return False
    talk.state = SessionState.NOT_HELD.value
    return True


def record_learning(
    talk: KnowledgeSession, user_id: str, text: str, share: bool, now: datetime
) -> bool:
    """An attendee's "one thing I learned"; False if they were not confirmed as attending."""
    attendee = next((a for a in talk.attendees if a.user_id == user_id), None)
    if attendee is None:
        return False
    attendee.learned, attendee.share_learned, attendee.learned_at = text, share, now
    return True


def upcoming(
    session: Session, team_id: str, now: datetime, limit: int = 10
) -> list[KnowledgeSession]:
    return list(
        session.scalars(
            select(KnowledgeSession)
            .where(
                KnowledgeSession.team_id == team_id,
                KnowledgeSession.state == SessionState.SCHEDULED.value,
                KnowledgeSession.starts_at > now,
            )
            .order_by(KnowledgeSession.starts_at)
            .limit(limit)
        )
    )


def count_upcoming(session: Session, team_id: str, now: datetime) -> int:
    """How many scheduled sessions are still to come (lists show the next few)."""
    return (
        session.scalar(
            select(func.count(KnowledgeSession.id)).where(
                KnowledgeSession.team_id == team_id,
                KnowledgeSession.state == SessionState.SCHEDULED.value,
                KnowledgeSession.starts_at > now,
            )
        )
        or 0
    )


def scheduled_between(session: Session, start: datetime, end: datetime) -> list[KnowledgeSession]:
    """Scheduled sessions (all workspaces) starting in [start, end): for reminders."""
    return list(
        session.scalars(
            select(KnowledgeSession)
            .where(
                KnowledgeSession.state == SessionState.SCHEDULED.value,
                KnowledgeSession.starts_at >= start,
                KnowledgeSession.starts_at < end,
            )
            .order_by(KnowledgeSession.starts_at)
        )
    )


def ended_unconfirmed(
    session: Session, now: datetime, horizon: timedelta
) -> list[KnowledgeSession]:
    """Sessions that ended (within `horizon`) and nobody has confirmed yet."""
    return list(
        session.scalars(
            select(KnowledgeSession)
            .where(
                KnowledgeSession.state == SessionState.SCHEDULED.value,
                KnowledgeSession.ends_at <= now,
                KnowledgeSession.ends_at > now - horizon,
            )
            .order_by(KnowledgeSession.ends_at)
        )
    )


@dataclass(frozen=True)
class DepartmentCadence:
    """When a department last presented (and, for sales, last presented to it)."""

    department: str
    last_presented: datetime | None
    sessions_in_window: int
    last_sales_visit: datetime | None = None
    managers: list[str] = field(default_factory=list)

    def overdue(self, since: datetime) -> bool:
        return self.last_presented is None or self.last_presented < since

    def sales_overdue(self, since: datetime) -> bool:
        return self.last_sales_visit is None or self.last_sales_visit < since


def cadence(
    session: Session, team_id: str, now: datetime, window: timedelta, sales_department: str
) -> list[DepartmentCadence]:
    """Per department in the org chart: its last held session, and sales' last visit to it."""
    # A session on the calendar counts too: the department is not overdue, it is planned.
    held = (
        KnowledgeSession.team_id == team_id,
        KnowledgeSession.state.in_([SessionState.HELD.value, SessionState.SCHEDULED.value]),
    )
    presented = dict(
        session.execute(
            select(func.lower(KnowledgeSession.department), func.max(KnowledgeSession.starts_at))
            .where(*held)
            .group_by(func.lower(KnowledgeSession.department))
        ).all()
    )
    counts = dict(
        session.execute(
            select(func.lower(KnowledgeSession.department), func.count(KnowledgeSession.id))
            .where(*held, KnowledgeSession.starts_at >= now - window)
            .group_by(func.lower(KnowledgeSession.department))
        ).all()
    )
    visits = dict(
        session.execute(
            select(
                func.lower(KnowledgeSession.audience_department),
                func.max(KnowledgeSession.starts_at),
            )
            .where(*held, KnowledgeSession.direction == Direction.SELL_TO_BUILDERS.value)
            .group_by(func.lower(KnowledgeSession.audience_department))
        ).all()
    )
    result = []
    for name, managers in department_managers(session, team_id).items():
        key = name.lower()
        result.append(
            DepartmentCadence(
                department=name,
                last_presented=presented.get(key),
                sessions_in_window=counts.get(key, 0),
                last_sales_visit=None if key == sales_department.lower() else visits.get(key),
                managers=managers,
            )
        )
    return result


def department_managers(session: Session, team_id: str) -> dict[str, list[str]]:
    """Each department in the org chart with the managers of the people in it."""
    rows = session.execute(
        select(Person.department, Person.manager_id)
        .where(
            Person.team_id == team_id, Person.department.is_not(None), Person.is_deleted.is_(False)
        )
        .distinct()
        .order_by(Person.department)
    )
    managers: dict[str, list[str]] = {}
    for department, manager in rows:
        listed = managers.setdefault(department, [])
        if manager and manager not in listed:
            listed.append(manager)
    return managers


def _by_key(session: Session, team_id: str, key: str | None) -> KnowledgeSession | None:
    if key is None:
        return None
    return session.scalar(
        select(KnowledgeSession).where(
            KnowledgeSession.team_id == team_id, KnowledgeSession.dedupe_key == key
        )
    )


@dataclass(frozen=True)
class TopicIdea:
    customer: str | None
    description: str
    is_private: bool


def suggest_topic(
    session: Session, team_id: str, department: str, since: datetime
) -> TopicIdea | None:
    """A recent public assist credited to someone in `department`, as a topic to present."""
    row = session.execute(
        select(Assist.customer, Assist.description, Assist.is_private)
        .join(Credit, Credit.assist_id == Assist.id)
        .join(Person, (Person.team_id == Credit.team_id) & (Person.user_id == Credit.recipient_id))
        .where(
            Assist.team_id == team_id,
            Assist.revoked_at.is_(None),
            Assist.created_at >= since,
            Assist.is_private.is_(False),
            Assist.kind != Kind.LESSON.value,
            func.lower(Person.department) == department.lower(),
        )
        .order_by(Assist.customer.is_(None), Assist.created_at.desc())
        .limit(1)
    ).first()
    return TopicIdea(*row) if row else None

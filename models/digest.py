"""What the weekly recognition digest says: figures and stories for one period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.assists import Assist, Credit, Kind, Stage
from models.knowledge_sessions import KnowledgeSession, SessionAttendee, SessionState
from models.people import Person
from models.pulse import shared_answers
from models.referrals import Referral, State

TOP_CONTRIBUTORS = 5
STORIES = 3
UNRANKED = (Kind.LESSON.value,)


@dataclass(frozen=True)
class Story:
    kind: str
    giver_id: str
    recipient_ids: tuple[str, ...]
    customer: str | None
    description: str
    is_private: bool
    permalink: str | None


@dataclass(frozen=True)
class Contributor:
    user_id: str
    department: str | None
    credits: int
    givers: int = 0  # how many different people credited them: what the ranking is by


@dataclass(frozen=True)
class Digest:
    start: datetime
    end: datetime
    assists: int = 0
    credits: int = 0  # one per person credited by each assist: what the stage bars add up
    people_credited: int = 0
    departments_contributing: tuple[str, ...] = ()
    departments_total: int = 0
    credits_by_stage: dict[str, int] = field(default_factory=dict)
    top: tuple[Contributor, ...] = ()
    stories: tuple[Story, ...] = ()
    first_timers: tuple[str, ...] = ()
    referrals_won: tuple[tuple[str, str, str | None], ...] = ()  # referrer, customer, owner
    sessions_held: tuple[tuple[str, str, int], ...] = ()  # title, department, attendees
    sessions_upcoming: tuple[tuple[str, str, datetime], ...] = ()
    lessons: tuple[Story, ...] = ()
    learned: tuple[tuple[str, str], ...] = ()  # attendee, one thing they learned
    quiet_departments: tuple[str, ...] = ()
    passions: tuple[tuple[str, str], ...] = ()  # person, what excites them about customers

    @property
    def quiet(self) -> bool:
        return self.assists == 0 and not self.referrals_won and not self.sessions_held

    @property
    def index(self) -> float | None:
        """The "everybody sells" index: departments with a contributor ÷ departments."""
        if not self.departments_total:
            return None
        return len(self.departments_contributing) / self.departments_total


def recognised(digest: Digest) -> tuple[str, ...]:
    """Whom the digest recognises, for joining in: the people credited in its stories and
    its first-timers (models/recognition_posts.py says why these)."""
    people = [user for story in digest.stories for user in story.recipient_ids]
    return tuple(dict.fromkeys([*people, *digest.first_timers]))


def build_digest(session: Session, team_id: str, start: datetime, end: datetime) -> Digest:
    """Everything the digest shows for credits and events in [start, end)."""
    active = _active(team_id, start, end)
    return replace(
        headline_figures(session, team_id, start, end),
        top=_top(session, team_id, active),
        stories=_stories(session, team_id, start, end, kinds=None),
        first_timers=_first_timers(session, team_id, start, active),
        referrals_won=_referrals_won(session, team_id, start, end),
        sessions_held=_sessions_held(session, team_id, start, end),
        sessions_upcoming=_sessions_upcoming(session, team_id, end),
        lessons=_stories(session, team_id, start, end, kinds=(Kind.LESSON.value,)),
        learned=_learned(session, team_id, start, end),
        passions=tuple(shared_answers(session, team_id, start, end)),
    )


def headline_figures(session: Session, team_id: str, start: datetime, end: datetime) -> Digest:
    """The digest's figures alone: assists, people credited, departments contributing (and
    not), credits per stage; no names, stories or events.

    The period's credits are read through the index on (team_id, created_at) and never
    joined to their assists (a credit carries its assist's stage); people are joined only
    after the credits are grouped, once per person rather than once per credit.
    """
    active = _active(team_id, start, end)
    # A credit's stage is its assist's, so grouping by stage splits the assists too.
    assists = 0
    stages: Counter[str] = Counter()
    for stage, assist_count, count in session.execute(
        select(Credit.stage, func.count(func.distinct(Credit.assist_id)), func.count(Credit.id))
        .where(active)
        .group_by(Credit.stage)
    ):
        assists += assist_count
        stages[stage or "unset"] += count
    recipients = select(Credit.recipient_id).where(active).distinct().subquery()
    people = 0
    contributing = []
    for department, count in session.execute(
        select(Person.department, func.count())
        .select_from(recipients)
        .outerjoin(
            Person, and_(Person.team_id == team_id, Person.user_id == recipients.c.recipient_id)
        )
        .group_by(Person.department)
    ):
        people += count
        if department:
            contributing.append(department)
    all_departments = sorted(
        d
        for d in session.scalars(
            select(Person.department).where(Person.team_id == team_id).distinct()
        )
        if d
    )
    return Digest(
        start=start,
        end=end,
        assists=assists,
        credits=sum(stages.values()),
        people_credited=people,
        departments_contributing=tuple(sorted(contributing)),
        departments_total=len(all_departments),
        credits_by_stage={s.value: stages.get(s.value, 0) for s in Stage}
        | ({"unset": stages["unset"]} if stages.get("unset") else {}),
        quiet_departments=tuple(d for d in all_departments if d not in contributing),
    )


def _active(team_id: str, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(
        Credit.team_id == team_id,
        Credit.revoked_at.is_(None),
        Credit.created_at >= start,
        Credit.created_at < end,
    )


def _top(session: Session, team_id: str, active: ColumnElement[bool]) -> tuple[Contributor, ...]:
    """The people credited by the most different people (breadth, so one enthusiastic
    giver can't top the list), then by credits; only those few are looked up."""
    credits = func.count(Credit.id).label("credits")
    givers = func.count(func.distinct(Credit.giver_id)).label("givers")
    top = (
        select(Credit.recipient_id, credits, givers)
        .where(active, Credit.kind.not_in(UNRANKED))
        .group_by(Credit.recipient_id)
        .order_by(givers.desc(), credits.desc(), Credit.recipient_id)
        .limit(TOP_CONTRIBUTORS)
        .subquery()
    )
    rows = session.execute(
        select(top.c.recipient_id, Person.department, top.c.credits, top.c.givers)
        .outerjoin(Person, and_(Person.team_id == team_id, Person.user_id == top.c.recipient_id))
        .order_by(top.c.givers.desc(), top.c.credits.desc(), top.c.recipient_id)
    )
    return tuple(Contributor(user, dept, count, people) for user, dept, count, people in rows)


def _stories(
    session: Session, team_id: str, start: datetime, end: datetime, kinds: tuple[str, ...] | None
) -> tuple[Story, ...]:
    """A few assists worth telling: wins and those with a customer first, then the newest."""
    query = (
        select(Assist)
        .where(
            Assist.team_id == team_id,
            Assist.revoked_at.is_(None),
            Assist.created_at >= start,
            Assist.created_at < end,
            Assist.description != "",
            Assist.source != "reaction",
        )
        .order_by(
            (Assist.kind == Kind.WIN.value).desc(),
            Assist.customer.is_(None),
            Assist.created_at.desc(),
        )
        .limit(STORIES)
    )
    query = query.where(Assist.kind.in_(kinds) if kinds else Assist.kind.not_in(UNRANKED))
    return tuple(
        Story(
            kind=a.kind,
            giver_id=a.giver_id,
            recipient_ids=tuple(c.recipient_id for c in a.credits if c.revoked_at is None),
            customer=a.customer,
            description=a.description,
            is_private=a.is_private,
            permalink=a.permalink,
        )
        for a in session.scalars(query)
    )


def _first_timers(
    session: Session, team_id: str, start: datetime, active: ColumnElement[bool]
) -> tuple[str, ...]:
    """People whose first credit ever was received in the period, in the order it came:
    credited in it and never before, one index probe per person credited."""
    recipients = (
        select(Credit.recipient_id, func.min(Credit.created_at).label("first"))
        .where(active)
        .group_by(Credit.recipient_id)
        .subquery()
    )
    earlier = aliased(Credit)
    credited_before = exists().where(
        earlier.team_id == team_id,
        earlier.recipient_id == recipients.c.recipient_id,
        earlier.revoked_at.is_(None),
        earlier.created_at < start,
    )
    rows = session.scalars(
        select(recipients.c.recipient_id)
        .where(~credited_before)
        .order_by(recipients.c.first, recipients.c.recipient_id)
    )
    return tuple(rows)


def _referrals_won(
    session: Session, team_id: str, start: datetime, end: datetime
) -> tuple[tuple[str, str, str | None], ...]:
    rows = session.execute(
        select(Referral.referrer_id, Referral.customer, Referral.owner_id).where(
            Referral.team_id == team_id,
            Referral.state == State.WON.value,
            Referral.closed_at >= start,
            Referral.closed_at < end,
        )
    )
    return tuple((r, c, o) for r, c, o in rows)


def _sessions_held(
    session: Session, team_id: str, start: datetime, end: datetime
) -> tuple[tuple[str, str, int], ...]:
    talks = session.scalars(
        select(KnowledgeSession).where(
            KnowledgeSession.team_id == team_id,
            KnowledgeSession.state == SessionState.HELD.value,
            KnowledgeSession.starts_at >= start,
            KnowledgeSession.starts_at < end,
        )
    )
    return tuple((t.title, t.department, len(t.attendees)) for t in talks)


def _sessions_upcoming(
    session: Session, team_id: str, end: datetime
) -> tuple[tuple[str, str, datetime], ...]:
    talks = session.scalars(
        select(KnowledgeSession)
        .where(
            KnowledgeSession.team_id == team_id,
            KnowledgeSession.state == SessionState.SCHEDULED.value,
            KnowledgeSession.starts_at >= end,
            KnowledgeSession.starts_at < end + timedelta(days=14),
        )
        .order_by(KnowledgeSession.starts_at)
        .limit(5)
    )
    return tuple((t.title, t.department, t.starts_at) for t in talks)


def _learned(
    session: Session, team_id: str, start: datetime, end: datetime
) -> tuple[tuple[str, str], ...]:
    rows = session.execute(
        select(SessionAttendee.user_id, SessionAttendee.learned)
        .where(
            SessionAttendee.team_id == team_id,
            SessionAttendee.share_learned.is_(True),
            SessionAttendee.learned_at >= start,
            SessionAttendee.learned_at < end,
        )
        .order_by(SessionAttendee.learned_at.desc())
        .limit(3)
    )
    return tuple((u, text) for u, text in rows if text)

"""The second push: departments whose habit of crediting each other is fading, and people
there their managers could thank to revive it.

A department's share of people giving credit is its distinct givers ÷ its headcount now.
When the share of the last 4 weeks is below half the share of the 8 weeks before, the
habit is fading. A department with nobody giving in those 8 weeks has no level of its own
to fall from, and one of fewer than 3 people is too small to read anything into.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from models.assists import Assist, Credit, Kind
from models.knowledge_sessions import KnowledgeSession, SessionPresenter, SessionState
from models.nudges import ManagerThanks
from models.people import Person
from models.referrals import Referral

RECENT = timedelta(weeks=4)
BEFORE = timedelta(weeks=8)  # the department's own level: the 8 weeks before the recent 4
SMALLEST = 3  # departments smaller than this never count as fading
PUSH_EVERY = timedelta(weeks=8)  # at most one push per department in this long
THANK_SINCE = timedelta(weeks=8)  # what someone did this recently is worth a thank-you
THANK_LISTED = 3
FOUND = 20  # candidates read per kind of reason, most recent first
# Credits the bot gives for a won referral or a held session: nobody chose to give them.
AUTOMATIC = (Kind.REFERRAL.value, Kind.SESSION.value)


@dataclass(frozen=True)
class GivingDrop:
    """A department whose giving fell: how many of its people credited someone, then and now."""

    department: str
    headcount: int
    givers_recent: int  # in the last 4 weeks
    givers_before: int  # in the 8 weeks before those


class Reason(StrEnum):
    REFERRAL = "referral"  # passed a referral
    SESSION = "session"  # presented a session
    CREDIT = "credit"  # was credited by someone, and no manager thanked them for it yet


@dataclass(frozen=True)
class ThankCandidate:
    """Someone a manager could thank, and why: what they did and when."""

    user_id: str
    reason: Reason
    at: datetime
    subject: str | None = None  # the referral's customer (unless private), the session's title
    by: str | None = None  # who credited them


def _members(team_id: str) -> tuple[ColumnElement[bool], ...]:
    """Conditions on Person: an active person in a department of the org chart."""
    return (
        Person.team_id == team_id,
        Person.department.is_not(None),
        Person.department != "",
        Person.is_deleted.is_(False),
        Person.is_bot.is_(False),
    )


def giving_drops(session: Session, team_id: str, now: datetime) -> list[GivingDrop]:
    """Every department whose giving fell below half its own level, by name."""
    recent_start = now - RECENT
    headcounts = dict(
        session.execute(
            select(Person.department, func.count(Person.id))
            .where(*_members(team_id))
            .group_by(Person.department)
        ).all()
    )
    recent = case((Credit.created_at >= recent_start, Credit.giver_id))
    before = case((Credit.created_at < recent_start, Credit.giver_id))
    rows = session.execute(
        select(
            Person.department,
            func.count(func.distinct(recent)),
            func.count(func.distinct(before)),
        )
        .join(Credit, (Credit.team_id == Person.team_id) & (Credit.giver_id == Person.user_id))
        .where(
            *_members(team_id),
            Credit.revoked_at.is_(None),
            Credit.created_at >= recent_start - BEFORE,
            Credit.created_at < now,
            Credit.kind.not_in(AUTOMATIC),
        )
        .group_by(Person.department)
    )
    drops = []
    for department, givers_recent, givers_before in rows:
        headcount = headcounts.get(department, 0)
        if headcount < SMALLEST or not givers_before:
            continue
        # Both shares are over today's headcount: the recent one is below half the other's
        # exactly when the recent givers are fewer than half the givers before.
        if givers_recent * 2 < givers_before:
            drops.append(GivingDrop(department, headcount, givers_recent, givers_before))
    return sorted(drops, key=lambda drop: drop.department)


def managers_of(session: Session, team_id: str, department: str) -> list[str]:
    """The people who manage someone in `department` (wherever they sit themselves), but
    not those known to have left."""
    managers = set(
        session.scalars(
            select(Person.manager_id).where(
                *_members(team_id), Person.department == department, Person.manager_id.is_not(None)
            )
        )
    )
    gone = set(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.user_id.in_(sorted(managers)),
                Person.is_deleted.is_(True) | Person.is_bot.is_(True),
            )
        )
    )
    return sorted(managers - gone)


def thank_candidates(
    session: Session, team_id: str, department: str, managers: list[str], now: datetime
) -> list[ThankCandidate]:
    """Up to three people in `department` (its managers aside) whom its managers have not
    thanked lately: taken in turn from referrals they passed, sessions they presented, and
    credits they received that no manager answered, most recent first, each person once."""
    since = now - THANK_SINCE
    members = (*_members(team_id), Person.department == department, Person.user_id.not_in(managers))
    thanked = _thanked(session, team_id, managers, since)
    found = [
        _referrals(session, team_id, members, since, now),
        _sessions(session, team_id, members, since, now),
        _credits(session, team_id, members, managers, since, now),
    ]
    picked: list[ThankCandidate] = []
    for turn in range(FOUND):
        for candidates in found:
            if turn < len(candidates) and len(picked) < THANK_LISTED:
                candidate = candidates[turn]
                if candidate.user_id not in thanked | {c.user_id for c in picked}:
                    picked.append(candidate)
    return picked


def _thanked(session: Session, team_id: str, managers: list[str], since: datetime) -> set[str]:
    """Whom the managers thanked lately: with "Say thanks" on a nudge, or a credit of their own."""
    said = session.scalars(
        select(ManagerThanks.report_id).where(
            ManagerThanks.team_id == team_id,
            ManagerThanks.manager_id.in_(managers),
            ManagerThanks.created_at >= since,
        )
    )
    credited = session.scalars(
        select(Credit.recipient_id).where(
            Credit.team_id == team_id,
            Credit.giver_id.in_(managers),
            Credit.revoked_at.is_(None),
            Credit.created_at >= since,
        )
    )
    return set(said) | set(credited)


def _referrals(
    session: Session,
    team_id: str,
    members: tuple[ColumnElement[bool], ...],
    since: datetime,
    now: datetime,
) -> list[ThankCandidate]:
    rows = session.execute(
        select(Referral.referrer_id, Referral.customer, Referral.is_private, Referral.created_at)
        .join(
            Person, (Person.team_id == Referral.team_id) & (Person.user_id == Referral.referrer_id)
        )
        .where(
            *members,
            Referral.team_id == team_id,
            Referral.created_at >= since,
            Referral.created_at < now,
        )
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(FOUND)
    )
    return [
        ThankCandidate(user_id, Reason.REFERRAL, at, None if private else customer)
        for user_id, customer, private, at in rows
    ]


def _sessions(
    session: Session,
    team_id: str,
    members: tuple[ColumnElement[bool], ...],
    since: datetime,
    now: datetime,
) -> list[ThankCandidate]:
    rows = session.execute(
        select(SessionPresenter.user_id, KnowledgeSession.title, KnowledgeSession.starts_at)
        .join(KnowledgeSession, KnowledgeSession.id == SessionPresenter.session_id)
        .join(
            Person,
            (Person.team_id == SessionPresenter.team_id)
            & (Person.user_id == SessionPresenter.user_id),
        )
        .where(
            *members,
            KnowledgeSession.team_id == team_id,
            KnowledgeSession.state == SessionState.HELD.value,
            KnowledgeSession.starts_at >= since,
            KnowledgeSession.starts_at < now,
        )
        .order_by(KnowledgeSession.starts_at.desc(), SessionPresenter.id)
        .limit(FOUND)
    )
    return [ThankCandidate(user_id, Reason.SESSION, at, title) for user_id, title, at in rows]


def _credits(
    session: Session,
    team_id: str,
    members: tuple[ColumnElement[bool], ...],
    managers: list[str],
    since: datetime,
    now: datetime,
) -> list[ThankCandidate]:
    """Credits to people of the department that no manager of it gave or said thanks for."""
    answered = select(ManagerThanks.id).where(
        ManagerThanks.team_id == team_id,
        ManagerThanks.credit_id == Credit.id,
        ManagerThanks.manager_id.in_(managers),
    )
    rows = session.execute(
        select(
            Credit.recipient_id,
            Credit.giver_id,
            Assist.customer,
            Assist.is_private,
            Credit.created_at,
        )
        .join(Assist, Assist.id == Credit.assist_id)
        .join(Person, (Person.team_id == Credit.team_id) & (Person.user_id == Credit.recipient_id))
        .where(
            *members,
            Credit.team_id == team_id,
            Credit.revoked_at.is_(None),
            Credit.created_at >= since,
            Credit.created_at < now,
            Credit.kind != Kind.LESSON.value,  # lessons are celebrated, never thanked as a score
            Credit.giver_id.not_in(managers),
            ~answered.exists(),
        )
        .order_by(Credit.created_at.desc(), Credit.id.desc())
        .limit(FOUND)
    )
    return [
        ThankCandidate(user_id, Reason.CREDIT, at, None if private else customer, by=giver)
        for user_id, giver, customer, private, at in rows
    ]

"""The customer-passion pulse: a few people a week asked what excites them about customers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime
from models.people import Person

ANSWER_LENGTH = 500


class PulseAnswer(TeamScoped, Base):
    """One person asked in one period; their answer once they give it."""

    __tablename__ = "pulse_answers"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    period: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    share: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def choose_people(
    session: Session, team_id: str, period: str, now: datetime, count: int, cooldown: timedelta
) -> list[str]:
    """`count` active people not asked within `cooldown`, drawn at random (seeded by period,
    so every instance draws the same people for the same week), with anyone already asked
    this period. This period's own asks don't count as recent: an instance that starts
    while another is still sending must draw the same people, not `count` more."""
    recently = set(
        session.scalars(
            select(PulseAnswer.user_id).where(
                PulseAnswer.team_id == team_id,
                PulseAnswer.asked_at > now - cooldown,
                PulseAnswer.period != period,
            )
        )
    )
    asked_now = set(
        session.scalars(
            select(PulseAnswer.user_id).where(
                PulseAnswer.team_id == team_id, PulseAnswer.period == period
            )
        )
    )
    candidates = sorted(
        user_id
        for user_id in session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.is_bot.is_(False),
                Person.is_deleted.is_(False),
            )
        )
        if user_id not in recently
    )
    chosen = random.Random(f"{team_id}:{period}").sample(candidates, min(count, len(candidates)))
    return sorted(set(chosen) | asked_now)


def record_asked(session: Session, team_id: str, user_id: str, period: str, now: datetime) -> bool:
    """Remember that someone was asked this period; False if they already were."""
    try:
        with session.begin_nested():
            session.add(PulseAnswer(team_id=team_id, user_id=user_id, period=period, asked_at=now))
    except IntegrityError:
        return False
    return True


def record_answer(
    session: Session,
    team_id: str,
    user_id: str,
    period: str,
    answer: str,
    share: bool,
    now: datetime,
) -> bool:
    row = session.scalar(
        select(PulseAnswer).where(
            PulseAnswer.team_id == team_id,
            PulseAnswer.user_id == user_id,
            PulseAnswer.period == period,
        )
    )
    if row is None:
        return False
    row.answer, row.share, row.answered_at = answer, share, now
    return True


def shared_answers(
    session: Session, team_id: str, start: datetime, end: datetime, limit: int = 3
) -> list[tuple[str, str]]:
    """Answers people agreed to share, for the digest."""
    rows = session.execute(
        select(PulseAnswer.user_id, PulseAnswer.answer)
        .where(
            PulseAnswer.team_id == team_id,
            PulseAnswer.share.is_(True),
            PulseAnswer.answered_at >= start,
            PulseAnswer.answered_at < end,
        )
        .order_by(PulseAnswer.answered_at.desc())
        .limit(limit)
    )
    return [(user_id, answer) for user_id, answer in rows if answer]

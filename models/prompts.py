"""The weekly "Who helped you this week?" prompt: who is asked, who answered, who opted out.

A few people a week are asked in a DM; the answer credits the people they name. Nobody is
asked twice within the cooldown, and whoever says "stop asking me" is never asked again
(until they turn it back on with `/sells prompts on`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.assists import Kind
from models.base import Base, TeamScoped, UtcDateTime
from models.people import Person

NOTE_LENGTH = 200  # the one-line story
# What a person may say the help was (wins too: a helper in a deal they closed).
PROMPT_KINDS = (Kind.ASSIST, Kind.SERVICE, Kind.INSIGHT, Kind.WIN)


class Answer(StrEnum):
    CREDITED = "credited"
    NOBODY = "nobody"


class PromptAsk(TeamScoped, Base):
    """One person asked in one period (ISO week), and what came of it."""

    __tablename__ = "prompt_asks"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "period"),
        # Who was asked in the cooldown's weeks: a few periods of one workspace.
        Index("ix_prompt_asks_team_id_period", "team_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The assist the answer recorded: how many credits the prompt brings in.
    assist_id: Mapped[int | None] = mapped_column(ForeignKey("assists.id", ondelete="SET NULL"))


class PromptOptOut(TeamScoped, Base):
    """Someone who said "Stop asking me": never chosen again while the row is there."""

    __tablename__ = "prompt_opt_outs"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    opted_out_at: Mapped[datetime] = mapped_column(UtcDateTime())


def choose_people(
    session: Session, team_id: str, period: str, cooldown: Sequence[str], count: int
) -> list[str]:
    """Who is asked in `period`: `count` active people drawn at random, leaving out those who
    opted out and those asked in the `cooldown` periods (the weeks before this one), plus
    anyone already asked this period whose DM may still be owed.

    The draw is seeded by the workspace and the period, and looks only at what no run of
    this period changes (asks of other periods, opt-outs, people), so every instance running
    the same week draws the same people."""
    asked = session.execute(
        select(PromptAsk.user_id, PromptAsk.period).where(
            PromptAsk.team_id == team_id, PromptAsk.period.in_([period, *cooldown])
        )
    ).all()
    recently = {user_id for user_id, asked_in in asked if asked_in != period}
    asked_now = {user_id for user_id, asked_in in asked if asked_in == period}
    opted_out = opted_out_people(session, team_id)
    candidates = sorted(
        user_id
        for user_id in session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.is_bot.is_(False),
                Person.is_deleted.is_(False),
            )
        )
        if user_id not in recently and user_id not in opted_out
    )
    draw = random.Random(f"{team_id}:prompt:{period}")
    chosen = draw.sample(candidates, min(count, len(candidates)))
    return sorted((set(chosen) | asked_now) - opted_out)


def record_asked(session: Session, team_id: str, user_id: str, period: str, now: datetime) -> bool:
    """Remember that someone is asked this period; False if they already were."""
    try:
        with session.begin_nested():
            session.add(PromptAsk(team_id=team_id, user_id=user_id, period=period, asked_at=now))
    except IntegrityError:
        return False
    return True


def record_answer(
    session: Session,
    team_id: str,
    user_id: str,
    period: str,
    answer: Answer,
    now: datetime,
    assist_id: int | None = None,
) -> bool:
    """Note how someone answered this period's question; False if they were not asked."""
    row = session.scalar(
        select(PromptAsk).where(
            PromptAsk.team_id == team_id,
            PromptAsk.user_id == user_id,
            PromptAsk.period == period,
        )
    )
    if row is None:
        return False
    row.answer, row.answered_at = answer.value, now
    if assist_id is not None:
        row.assist_id = assist_id
    return True


def opt_out(session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Never ask `user_id` again; False if they had already opted out."""
    try:
        with session.begin_nested():
            session.add(PromptOptOut(team_id=team_id, user_id=user_id, opted_out_at=now))
    except IntegrityError:
        return False
    return True


def opt_in(session: Session, team_id: str, user_id: str) -> bool:
    """Ask `user_id` again from the next draw on; False if they had not opted out."""
    removed = session.execute(
        delete(PromptOptOut)
        .where(PromptOptOut.team_id == team_id, PromptOptOut.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    return bool(removed.rowcount)


def opted_out_people(session: Session, team_id: str) -> set[str]:
    return set(session.scalars(select(PromptOptOut.user_id).where(PromptOptOut.team_id == team_id)))

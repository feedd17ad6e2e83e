"""The bot's own recognition posts, remembered so that people can join in.

A win post, a won referral's post and the digest each carry the assist emoji (the bot adds
it). A person who adds the same emoji joins in: they credit the people the post recognises.
The post is found again by its channel and timestamp, the two things a reaction names.

What each post recognises:

- a win: the people it credits (the helpers named in "Thanks to …");
- a won referral: the referrer (the post celebrates the person who spotted it; the rep who
  closed it is thanked by the win, not by joining in on the referral);
- the digest: the people credited in its stories and its first-timers, the people it tells
  about by name. Not its "most thanked" list (they are thanked most already) and not its
  lessons (a lesson is shared, not thanked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UtcDateTime, insert_once, utcnow


class PostKind(StrEnum):
    WIN = "win"
    REFERRAL_WON = "referral_won"
    DIGEST = "digest"


class RecognitionPost(TeamScoped, Base):
    __tablename__ = "recognition_posts"
    __table_args__ = (UniqueConstraint("team_id", "channel", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    # The user IDs it recognises, separated by spaces (a digest may name hundreds).
    user_ids: Mapped[str] = mapped_column(Text)
    # Whose thanks the post already carries (a win's giver, the rep who won a referral):
    # joining in would credit the same people from them a second time.
    thanked_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True)
class PostInfo:
    """A recognition post as plain data: what it is and whom it recognises."""

    channel: str
    ts: str
    kind: str
    user_ids: tuple[str, ...]
    thanked_by: str | None = None


def remember_post(
    session: Session,
    team_id: str,
    channel: str,
    ts: str,
    kind: PostKind,
    user_ids: Sequence[str],
    thanked_by: str | None = None,
) -> bool:
    """Remember a post the bot made and whom it recognises; False if it was known already."""
    post = RecognitionPost(
        team_id=team_id,
        channel=channel,
        ts=ts,
        kind=kind.value,
        user_ids=" ".join(dict.fromkeys(user_ids)),
        thanked_by=thanked_by,
    )
    _, created = insert_once(session, post, lambda: _find(session, team_id, channel, ts))
    return created


def recognition_post(session: Session, team_id: str, channel: str, ts: str) -> PostInfo | None:
    """The recognition post at (channel, ts), or None for any other message."""
    post = _find(session, team_id, channel, ts)
    if post is None:
        return None
    return PostInfo(post.channel, post.ts, post.kind, tuple(post.user_ids.split()), post.thanked_by)


def _find(session: Session, team_id: str, channel: str, ts: str) -> RecognitionPost | None:
    return session.scalar(
        select(RecognitionPost).where(
            RecognitionPost.team_id == team_id,
            RecognitionPost.channel == channel,
            RecognitionPost.ts == ts,
        )
    )

"""Join in: the bot's recognition posts (a win, a won referral, the digest) carry the assist
emoji, so anyone can add theirs to thank the people a post recognises.

This module marks a post once it is out: it remembers whom the post recognises and adds
the emoji. The credit a person's emoji gives is the reaction flow's (bot/flows/reactions.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.faults import describe
from bot.slack.messages import add_reaction
from models.recognition_posts import PostKind, remember_post

logger = logging.getLogger(__name__)


def invite_join_in(
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    emoji: str,
    where: tuple[str, str],
    kind: PostKind,
    user_ids: Sequence[str],
    thanked_by: str | None = None,
) -> None:
    """Remember the post Slack accepted at `where` (its channel and ts) and whom it
    recognises, then add `emoji` to it. Never raises: the post is out whatever happens
    here. Without the bot's emoji people can still add their own and join in."""
    channel, ts = where
    if not (user_ids and channel and ts):
        return
    try:
        with sessions.begin() as session:
            remember_post(session, team_id, channel, ts, kind, user_ids, thanked_by=thanked_by)
    except Exception:
        logger.exception("%s post %s/%s not remembered: nobody can join in", kind, channel, ts)
        return
    try:
        add_reaction(client, channel=channel, ts=ts, emoji=emoji)
    except SlackApiError as error:
        code = error.response.get("error")
        if code != "already_reacted":
            logger.warning("no :%s: added to the %s post %s/%s: %s", emoji, kind, channel, ts, code)
    except Exception as error:
        logger.warning(
            "no :%s: added to the %s post %s/%s: %s", emoji, kind, channel, ts, describe(error)
        )

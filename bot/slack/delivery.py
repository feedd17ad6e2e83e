"""Send one Slack message exactly once: claim its key, post, mark it done."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.faults import describe
from bot.slack.messages import already_delivered, delivery_metadata, post_message
from models.base import utcnow
from models.deliveries import DEFAULT_LEASE, claim, complete, release

logger = logging.getLogger(__name__)


def run_clock(now: datetime) -> Callable[[], datetime]:
    """A run's clock: `now` at its start, then moving with real time. Claims made late in a
    long fan-out are dated when they were made; dated back at the run's start, they would
    look expired to an instance taking the run over, which would send them again."""
    started = utcnow()
    return lambda: now + (utcnow() - started)


# How far back a retried send looks for its message: a claim is retried within its lease
# or at the next sweep, unless the bot was down; a day covers a night of downtime.
RETRY_LOOKBACK = timedelta(days=1)


def is_person(channel: str) -> bool:
    """A user ID, whose DM the bot may read back (im:history); channels it does not read."""
    return channel.startswith(("U", "W"))


def send_once(
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    key: str,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    *,
    now: datetime,
    worker: str = "",
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """True if this call sent it; `now` dates the claim (a run_clock() reading in a fan-out).
    A crash before `complete` lets the claim expire and retry;
    a Slack error gives the claim back so the next run tries again. `lease`: how long a
    claim that was never completed holds (the settings' CLAIM_LEASE_SECONDS)."""
    with sessions.begin() as session:
        claimed = claim(session, team_id, key, now, worker=worker, lease=lease)
    if not claimed:
        return False
    # The sender before this one may have died after Slack took the message: look first.
    since = now - lease - RETRY_LOOKBACK
    if claimed.retry and is_person(channel) and already_delivered(client, channel, key, since):
        logger.info("%s is already in the DM with %s; not sent again", key, channel)
        with sessions.begin() as session:
            complete(session, team_id, key, utcnow())
        return False
    try:
        post_message(
            client,
            channel=channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            metadata=delivery_metadata(key),
        )
    except Exception as error:  # Slack refused, or the connection failed: nothing was sent
        logger.warning("%s to %s failed: %s", key, channel, describe(error))
        with sessions.begin() as session:
            release(session, team_id, key)
        return False
    with sessions.begin() as session:
        complete(session, team_id, key, utcnow())
    return True

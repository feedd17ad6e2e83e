"""The second push: a daily look for departments whose habit of crediting each other is
fading, and one private brief to their managers, at most once per department in 8 weeks.

Each department's push is claimed in the deliveries table under the 8-week window it falls
in, `second-push:<window>:<department>`, and skipped while the previous window's push is
less than 8 weeks old; each manager's DM is claimed on its own (send_once).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.flows.second_push import send_push
from jobs.recognition import Recognition, RunResult, claimed_run
from models.base import utcnow
from models.deliveries import first_claimed
from models.giving_drops import (
    PUSH_EVERY,
    GivingDrop,
    giving_drops,
    managers_of,
    thank_candidates,
)
from models.nudges import paused_managers

logger = logging.getLogger(__name__)


def push_window(now: datetime) -> int:
    """The 8-week window `now` falls in, counted from the Unix epoch."""
    return int(now.timestamp() // PUSH_EVERY.total_seconds())


def push_key(window: int, department: str) -> str:
    return f"second-push:{window}:{department}"


def run_second_push(job: Recognition, now: datetime | None = None) -> RunResult:
    """Brief the managers of every department whose giving fell, unless they heard of it in
    the last 8 weeks; `recipients` lists the managers who got a brief."""
    now = now or utcnow()
    result = RunResult(period=str(push_window(now)))
    with job.sessions() as session:
        drops = giving_drops(session, job.team_id, now)
    for drop in drops:
        _push(job, drop, now, result)
    result.posted = result.sent > 0
    if drops:
        logger.info(
            "second push: %d departments fading, %d briefs sent, %d departments skipped",
            len(drops),
            result.sent,
            result.skipped,
        )
    return result


def pushed_lately(job: Recognition, department: str, now: datetime) -> bool:
    """Did the previous window push this department less than 8 weeks ago?"""
    with job.sessions() as session:
        before = first_claimed(session, job.team_id, push_key(push_window(now) - 1, department))
    return before is not None and before > now - PUSH_EVERY


def _push(job: Recognition, drop: GivingDrop, now: datetime, result: RunResult) -> None:
    """Claim this department's push for the window, brief its managers, then mark it done
    (or give it back when a DM failed, for tomorrow's run)."""
    key = push_key(push_window(now), drop.department)
    if pushed_lately(job, drop.department, now):
        result.skipped += 1
        return

    def brief() -> int:
        with job.sessions() as session:
            managers = managers_of(session, job.team_id, drop.department)
            candidates = thank_candidates(session, job.team_id, drop.department, managers, now)
            paused = paused_managers(session, job.team_id, now)
        outcome = send_push(
            job.sessions,
            job.client,
            job.team_id,
            key,
            drop,
            [m for m in managers if m not in paused],
            candidates,
            tz=job.settings.timezone,
            now=now,
            lease=job.settings.claim_lease,
            worker=job.worker,
        )
        result.sent += len(outcome.sent)
        result.failed += outcome.failed
        result.recipients += outcome.sent
        return outcome.failed

    if not claimed_run(job, key, now, brief):
        result.skipped += 1

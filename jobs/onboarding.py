"""Welcome DMs for new people and the weekly customer-passion pulse, each sent once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.blocks.onboarding import pulse_question
from bot.blocks.text import plural
from bot.slack.delivery import run_clock, send_once
from jobs.recognition import Recognition, RunResult
from models.base import utcnow
from models.deliveries import claim, complete, is_done
from models.pulse import choose_people, record_asked

logger = logging.getLogger(__name__)


def run_pulse(
    job: Recognition, now: datetime | None = None, *, size: int, cooldown_weeks: int
) -> RunResult:
    """Ask a few people this week's question; nobody twice within the cooldown."""
    now = now or utcnow()
    result = RunResult(period=job.period(now))
    run_key = f"pulse-run:{result.period}"
    with job.sessions() as session:
        if is_done(session, job.team_id, run_key):
            result.reason = f"the pulse for {result.period} was already sent"
            return result
    with job.sessions.begin() as session:
        chosen = choose_people(
            session, job.team_id, result.period, now, size, timedelta(weeks=cooldown_weeks)
        )
        for user_id in chosen:
            record_asked(session, job.team_id, user_id, result.period, now)
    text, blocks = pulse_question(result.period)
    lease, clock = job.settings.claim_lease, run_clock(now)
    for user_id in chosen:
        key = f"pulse:{result.period}:{user_id}"
        if send_once(
            job.sessions,
            job.client,
            job.team_id,
            key,
            user_id,
            text,
            blocks,
            now=clock(),
            lease=lease,
        ):
            result.sent += 1
            result.recipients.append(user_id)
    with job.sessions.begin() as session:
        claim(session, job.team_id, run_key, now)
        complete(session, job.team_id, run_key, now)
    result.posted = result.sent > 0
    logger.info("pulse for %s asked %s", result.period, plural(result.sent, "person", "people"))
    return result

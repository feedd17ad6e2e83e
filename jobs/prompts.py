"""The weekly "Who helped you this week?" DM: a few people asked, each once per ISO week.

The run claims (workspace, prompt, week) first, so a second instance firing at the same
tick skips it; each DM is claimed on its own too (send_once), so a run taken over after
its lease ran out sends nobody twice. The people asked are drawn with a seed of the week,
so whichever instance runs it asks the same people.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.blocks.prompts import prompt_question
from bot.blocks.text import plural
from bot.slack.delivery import run_clock, send_once
from jobs.recognition import Recognition, RunResult, claimed_run
from models.base import utcnow
from models.deliveries import is_done
from models.periods import iso_week
from models.prompts import choose_people, record_asked

logger = logging.getLogger(__name__)


def cooldown_periods(job: Recognition, now: datetime, cooldown_weeks: int) -> list[str]:
    """The weeks before this one in which being asked rules someone out: asked in week W,
    they may be asked again in week W + cooldown_weeks."""
    return [
        iso_week(now - timedelta(weeks=back), job.settings.timezone)
        for back in range(1, cooldown_weeks)
    ]


def run_prompt(
    job: Recognition, now: datetime | None = None, *, size: int, cooldown_weeks: int
) -> RunResult:
    """Ask `size` people this week's question; nobody twice within the cooldown, nobody
    who said stop, and each person at most once a week however many instances run it."""
    now = now or utcnow()
    result = RunResult(period=job.period(now))
    if size <= 0:
        result.reason = "PROMPT_SIZE is 0: the weekly question is off"
        return result

    def ask() -> int:
        _ask(job, now, result, size, cooldown_periods(job, now, cooldown_weeks))
        return result.failed  # a rerun this week sends what failed

    if not claimed_run(job, f"prompt-run:{result.period}", now, ask):
        result.reason = f"the question for {result.period} was already sent (or is being sent)"
        return result
    result.posted = result.sent > 0
    logger.info(
        "weekly question for %s: asked %s, %s already asked, %s failed",
        result.period,
        plural(result.sent, "person", "people"),
        result.skipped,
        result.failed,
    )
    return result


def _ask(
    job: Recognition, now: datetime, result: RunResult, size: int, cooldown: list[str]
) -> None:
    """Draw this week's people, remember them, and DM each once; counts go into `result`."""
    with job.sessions.begin() as session:
        chosen = choose_people(session, job.team_id, result.period, cooldown, size)
        for user_id in chosen:
            record_asked(session, job.team_id, user_id, result.period, now)
    text, blocks = prompt_question(result.period)
    clock = run_clock(now)
    for user_id in chosen:
        key = f"prompt:{result.period}:{user_id}"
        sent = send_once(
            job.sessions,
            job.client,
            job.team_id,
            key,
            user_id,
            text,
            blocks,
            now=clock(),
            worker=job.worker,
            lease=job.settings.claim_lease,
        )
        if sent:
            result.sent += 1
            result.recipients.append(user_id)
            continue
        with job.sessions() as session:
            if is_done(session, job.team_id, key):
                result.skipped += 1
            else:
                result.failed += 1

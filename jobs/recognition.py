"""The weekly digest and manager nudges, each posted exactly once per period.

Every run first claims (team, job, period) in the database. Restarts, a manual
`everybody-sells digest`, and several instances on one database therefore post once.
A run that crashed leaves a claim that expires after a lease and is taken over by the
next sweep; a period missed while the bot was down is posted once when it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digest import digest_blocks, digest_label, quiet_tip
from bot.blocks.nudges import nudge_blocks, week_label
from bot.flows.join_in import invite_join_in
from bot.settings import Settings
from bot.slack.delivery import run_clock, send_once
from bot.slack.messages import post_message
from models.base import utcnow
from models.deliveries import claim, complete, first_claimed, is_done, release
from models.digest import Digest, build_digest, recognised
from models.nudges import ManagerNudge, build_nudges, paused_managers
from models.periods import DIGEST_WINDOW, digest_period_key, digest_start, iso_week
from models.recognition_posts import PostKind

logger = logging.getLogger(__name__)

# A run is claimed for `settings.run_lease` (RUN_LEASE_SECONDS, 30 minutes): long enough for a
# slow fan-out to finish before another instance takes it over. A takeover is harmless
# anyway, as every recipient is claimed on its own, for `settings.claim_lease`.
FOREVER = timedelta(days=36500)


@dataclass(frozen=True)
class Recognition:
    """What the digest and nudge runs need, built once per process."""

    settings: Settings
    sessions: sessionmaker[Session]
    client: WebClient
    team_id: str
    worker: str = ""

    def period(self, when: datetime) -> str:
        """The nudges' period: the ISO week."""
        return iso_week(when, self.settings.timezone)

    def digest_period(self, when: datetime) -> str:
        """The digest's period: the ISO week, or the month with DIGEST_PERIOD=month."""
        return digest_period_key(when, self.settings.digest_period, self.settings.timezone)


@dataclass
class RunResult:
    period: str
    posted: bool = False
    reason: str = ""
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    recipients: list[str] = field(default_factory=list)


def digest_for(job: Recognition, now: datetime) -> tuple[Digest, str, list[dict]]:
    with job.sessions() as session:
        return digest_post(session, job.team_id, job.settings, now)


def digest_post(
    session: Session, team_id: str, settings: Settings, now: datetime
) -> tuple[Digest, str, list[dict]]:
    """The digest covering the period ending `now` (the last 7 days, or month), as Block Kit."""
    span, tz, reaction = settings.digest_period, settings.timezone, settings.assist_emoji
    digest = build_digest(session, team_id, digest_start(now, span, tz), now)
    tip = quiet_tip(digest.quiet_departments, reaction=reaction)
    text, blocks = digest_blocks(
        digest, digest_label(digest, tz), tip, reaction=reaction, span=span
    )
    return digest, text, blocks


@dataclass(frozen=True)
class NotPosted:
    """Why a claimed post did not go out; the claim is given back for the next sweep."""

    reason: str
    expected: bool = False  # nothing to post yet: logged at INFO, not as a warning


def post_once(
    job: Recognition,
    result: RunResult,
    what: str,
    now: datetime,
    post: Callable[[str], NotPosted | None],
    *,
    force: bool = False,
) -> RunResult:
    """Claim `what:period`, then `post(channel)` and mark it done, or give the claim back.

    The digest and the culture report share this: one post per workspace and period,
    however many instances, restarts and manual runs."""
    channel = job.settings.recognition_channel
    if not channel:
        result.reason = "RECOGNITION_CHANNEL is not set"
        return result
    key = f"{what}:{result.period}"
    with job.sessions.begin() as session:
        claimed = claim(
            session, job.team_id, key, now, worker=job.worker, lease=job.settings.run_lease
        )
    if not claimed and not force:
        result.reason = f"the {what} for {result.period} was already posted (or is being posted)"
        return result
    try:
        refused = post(channel)
    except BaseException:
        # Whatever failed (building the post, a crash in a renderer), nothing went out:
        # give the claim back so the next sweep or a rerun posts it.
        with job.sessions.begin() as session:
            release(session, job.team_id, key)
        raise
    if refused is not None:
        with job.sessions.begin() as session:
            release(session, job.team_id, key)
        result.reason = refused.reason
        log = logger.info if refused.expected else logger.warning
        log("%s %s: %s", what, result.period, result.reason)
        return result
    with job.sessions.begin() as session:
        complete(session, job.team_id, key, utcnow())
    result.posted = True
    logger.info("%s for %s posted to %s", what, result.period, channel)
    return result


def run_digest(
    job: Recognition, now: datetime | None = None, *, period: str | None = None, force: bool = False
) -> RunResult:
    """Post the digest for `period` (default: the ISO week or month of `now`) unless already
    posted."""
    now = now or utcnow()

    def post(channel: str) -> NotPosted | None:
        digest, text, blocks = digest_for(job, now)
        try:
            posted = post_message(
                job.client, channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as error:
            return NotPosted(f"Slack refused the post: {error.response.get('error')}")
        invite_join_in(
            job.sessions,
            job.client,
            job.team_id,
            job.settings.assist_emoji,
            (posted["channel"], posted["ts"]),
            PostKind.DIGEST,
            recognised(digest),
        )
        return None

    result = RunResult(period=period or job.digest_period(now))
    return post_once(job, result, "digest", now, post, force=force)


def nudges_for(job: Recognition, now: datetime) -> list[ManagerNudge]:
    with job.sessions() as session:
        paused = paused_managers(session, job.team_id, now)
        nudges = manager_nudges(session, job.team_id, job.settings, now)
    return [n for n in nudges if n.manager_id not in paused]


def manager_nudges(
    session: Session, team_id: str, settings: Settings, now: datetime
) -> list[ManagerNudge]:
    """Every manager's nudge for the week ending `now`, paused or not."""
    return build_nudges(
        session,
        team_id,
        now - DIGEST_WINDOW,
        now,
        sla=timedelta(hours=settings.referral_sla_hours),
        sales_department=settings.sales_department,
    )


def claimed_run(job: Recognition, key: str, now: datetime, work: Callable[[], int]) -> bool:
    """Claim the run `key`, do `work` (it returns how many sends failed), then mark the run
    done, or give it back when it raised or a send failed: each DM is claimed on its own,
    so the next run sends only what this one did not. False: another run holds it."""
    with job.sessions.begin() as session:
        if not claim(
            session, job.team_id, key, now, worker=job.worker, lease=job.settings.run_lease
        ):
            return False
    try:
        failed = work()
    except BaseException:
        with job.sessions.begin() as session:
            release(session, job.team_id, key)
        raise
    with job.sessions.begin() as session:
        if failed:
            release(session, job.team_id, key)
        else:
            complete(session, job.team_id, key, utcnow())
    return True


def run_nudges(
    job: Recognition, now: datetime | None = None, *, period: str | None = None, workers: int = 4
) -> RunResult:
    """DM every manager once for `period`; a crash resumes without re-sending anyone done."""
    now = now or utcnow()
    clock = run_clock(now)
    result = RunResult(period=period or job.period(now))

    def send() -> int:
        _send_nudges(job, now, clock, result, workers)
        return result.failed

    if not claimed_run(job, f"nudge-run:{result.period}", now, send):
        result.reason = f"the nudges for {result.period} were already sent (or are being sent)"
        return result
    result.posted = result.sent > 0
    logger.info(
        "nudges for %s: %s sent, %s skipped, %s failed",
        result.period,
        result.sent,
        result.skipped,
        result.failed,
    )
    return result


def _send_nudges(
    job: Recognition,
    now: datetime,
    clock: Callable[[], datetime],
    result: RunResult,
    workers: int = 4,
) -> None:
    """Build every manager's nudge and send each once; the counts go into `result`."""
    nudges = nudges_for(job, now)
    label = week_label(result.period)

    def send(nudge: ManagerNudge) -> bool:
        if nudge.empty:
            return False
        text, blocks = nudge_blocks(nudge, label, now)
        key = f"nudge:{result.period}:{nudge.manager_id}"
        return send_once(
            job.sessions,
            job.client,
            job.team_id,
            key,
            nudge.manager_id,
            text,
            blocks,
            now=clock(),
            worker=job.worker,
            lease=job.settings.claim_lease,
        )

    # A few requests in flight keep the fan-out near Slack's rate, not our round trips;
    # each 429 is waited out (Retry-After) by the client's retry handler.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nudge") as pool:
        outcomes = list(pool.map(send, nudges))
    with job.sessions() as session:
        for nudge, sent in zip(nudges, outcomes, strict=True):
            if sent:
                result.sent += 1
                result.recipients.append(nudge.manager_id)
            elif nudge.empty or is_done(
                session, job.team_id, f"nudge:{result.period}:{nudge.manager_id}"
            ):
                result.skipped += 1
            else:
                result.failed += 1


def last_tick(
    trigger: CronTrigger, now: datetime, lookback: timedelta = timedelta(days=35)
) -> datetime | None:
    """The most recent time `trigger` fired at or before `now`."""
    previous, tick = None, trigger.get_next_fire_time(None, now - lookback)
    while tick is not None and tick <= now:
        previous, tick = tick, trigger.get_next_fire_time(tick, tick + timedelta(seconds=1))
    return previous


def sweep(job: Recognition, now: datetime | None = None) -> list[RunResult]:
    """Post whatever is due and not yet done: the latest digest and nudge periods only,
    so a week of downtime gives one catch-up post, not one per missed tick."""
    now = now or utcnow()
    settings = job.settings
    results = []
    installed = installed_at(job, now)
    for schedule, run, prefix, period_of in (
        (settings.digest_schedule, run_digest, "digest", job.digest_period),
        (settings.nudge_schedule, run_nudges, "nudge-run", job.period),
    ):
        tick = last_tick(CronTrigger.from_crontab(schedule, timezone=settings.timezone), now)
        if tick is None or tick < installed:
            continue
        period = period_of(tick)
        with job.sessions() as session:
            if is_done(session, job.team_id, f"{prefix}:{period}"):
                continue
        results.append(run(job, now, period=period))
    return results


def installed_at(job: Recognition, now: datetime) -> datetime:
    """When the scheduler first ran for this workspace: ticks before that were never missed."""
    with job.sessions.begin() as session:
        claim(session, job.team_id, "installed", now, lease=FOREVER)
        return first_claimed(session, job.team_id, "installed") or now

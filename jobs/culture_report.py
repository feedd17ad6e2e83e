"""The monthly culture report, uploaded to the recognition channel exactly once per month.

Like the digest, a run first claims `report:YYYY-MM` (the month it runs in, in the
workspace's time zone), so the scheduler on several instances and a manual
`everybody-sells report` upload it once; a failed upload gives the claim back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackClientError

from bot.slack.failures import slack_error
from bot.slack.uploads import upload_report
from jobs.recognition import NotPosted, Recognition, RunResult, installed_at, last_tick, post_once
from models.base import utcnow
from models.culture import MONTHS, CultureReport, culture_report
from models.deliveries import is_done
from models.participation import ParticipationReport, participation_report
from models.periods import month_key

logger = logging.getLogger(__name__)


def report_month(job: Recognition, now: datetime) -> str:
    """The month a run is recorded against, e.g. `2026-07`."""
    return month_key(now, job.settings.timezone)


def report_for(
    job: Recognition, now: datetime, *, months: int = MONTHS, to_date: bool = False
) -> CultureReport:
    """The figures for the `months` complete months before `now` (or up to `now`)."""
    with job.sessions() as session:
        return culture_report(
            session, job.team_id, now, job.settings.timezone, months=months, to_date=to_date
        )


def participation_for(
    job: Recognition, now: datetime, *, months: int = MONTHS, to_date: bool = False
) -> ParticipationReport:
    """Who took part in the same months: the report's second chart."""
    with job.sessions() as session:
        return participation_report(
            session,
            job.team_id,
            now,
            job.settings.timezone,
            months=months,
            to_date=to_date,
            sales_department=job.settings.sales_department,
            cadence_days=job.settings.session_cadence_days,
        )


def run_report(
    job: Recognition, now: datetime | None = None, *, months: int = MONTHS, force: bool = False
) -> RunResult:
    """Upload the report on the last complete months unless this month's was uploaded."""
    now = now or utcnow()

    def post(channel: str) -> NotPosted | None:
        report = report_for(job, now, months=months)
        if not any(month.credits for month in report.months):
            # A chart of zeros in a public channel helps nobody: say so and try next month.
            reason = f"no credits were recorded in {report.span}; nothing to chart yet"
            return NotPosted(reason, expected=True)
        try:
            upload_report(job.client, channel, report, participation_for(job, now, months=months))
        except (SlackClientError, OSError) as error:  # an API error, or the upload failing
            return NotPosted(f"Slack refused the upload: {slack_error(error)}")
        return None

    result = RunResult(period=report_month(job, now))
    return post_once(job, result, "report", now, post, force=force)


REPORT_SCHEDULE = "0 9 1 * *"


def catch_up_report(job: Recognition, now: datetime | None = None) -> RunResult | None:
    """Post this month's report if its tick (the 1st, 09:00) passed while the bot was down."""
    now = now or utcnow()
    trigger = CronTrigger.from_crontab(REPORT_SCHEDULE, timezone=job.settings.timezone)
    tick = last_tick(trigger, now)
    if (
        tick is None
        or tick < installed_at(job, now)
        or report_month(job, tick) != report_month(job, now)
    ):
        return None
    with job.sessions() as session:
        if is_done(session, job.team_id, f"report:{report_month(job, now)}"):
            return None
    return run_report(job, now)

"""The in-process APScheduler that `everybody-sells run` starts beside the Slack listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.settings import Settings


@dataclass(frozen=True)
class ScheduledJob:
    """A job kept in memory and rebuilt from settings at every start.

    Never a shared job store: several instances would each run it (see README).
    """

    id: str
    trigger: CronTrigger
    run: Callable[[], None]


def build_scheduler(settings: Settings, jobs: list[ScheduledJob]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=settings.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in jobs:
        scheduler.add_job(job.run, job.trigger, id=job.id, replace_existing=True)
    return scheduler

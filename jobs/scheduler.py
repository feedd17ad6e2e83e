"""The in-process APScheduler that `everybody-sells run` starts beside the Slack listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.settings import Settings


@dataclass(frozen=True)
class ScheduledJob:
    """A job kept in memory and rebuilt from settings at every start.

    Never a shared job store: several instances would each run it (see docs/DEPLOY.md).
    """

    id: str
    trigger: BaseTrigger
    run: Callable[[], None]
    run_at_start: bool = False


def build_scheduler(settings: Settings, jobs: list[ScheduledJob]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=settings.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in jobs:
        # Named, or APScheduler's logs call every job "scheduled_jobs.<locals>.<lambda>".
        scheduler.add_job(job.run, job.trigger, id=job.id, name=job.id, replace_existing=True)
        if job.run_at_start:
            at_start = f"{job.id}_at_start"
            scheduler.add_job(job.run, id=at_start, name=at_start, replace_existing=True)
    return scheduler

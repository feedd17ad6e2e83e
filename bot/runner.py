"""`everybody-sells run`: migrations, then the Slack app over Socket Mode or HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from apscheduler.triggers.cron import CronTrigger
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.settings import Settings
from jobs.referral_sla import sla_job
from jobs.scheduler import ScheduledJob, build_scheduler
from jobs.session_jobs import session_jobs
from models.database import make_engine, make_session_factory, upgrade

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    """Bolt's WSGI adapter at /slack/events, plus /healthz for load balancers."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def scheduled_jobs(
    settings: Settings, sessions: sessionmaker[Session], client: WebClient
) -> list[ScheduledJob]:
    """Every job, rebuilt from settings at each start; each one claims its work in the database."""
    tz = settings.timezone
    bodies = session_jobs(
        sessions, client, settings.session_cadence_days, settings.sales_department
    )
    return [
        ScheduledJob(
            id="referral_sla",
            trigger=CronTrigger(minute="*/10", timezone=tz),
            run=sla_job(sessions, client, settings.referral_sla_hours),
        ),
        ScheduledJob(
            id="session_reminders",
            trigger=CronTrigger(minute="*", timezone=tz),
            run=bodies["session_reminders"],
        ),
        ScheduledJob(
            id="session_cadence",
            trigger=CronTrigger(day_of_week="mon-fri", hour=10, timezone=tz),
            run=bodies["session_cadence"],
        ),
    ]


def run(settings: Settings, *, with_scheduler: bool = True) -> None:
    settings.require_slack()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    app = create_app(settings, sessions)
    scheduler = build_scheduler(settings, scheduled_jobs(settings, sessions, app.client))
    if with_scheduler:
        scheduler.start()
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("starting in Socket Mode")
            SocketModeHandler(app, settings.app_token).start()
        else:
            from waitress import serve

            logger.info("listening on :%s%s", settings.port, EVENTS_PATH)
            serve(
                wsgi_app(app),
                host="0.0.0.0",
                port=settings.port,
                threads=settings.http_threads,
                ident="everybody-sells",
            )
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)

"""`everybody-sells run`: migrations, then the Slack app over Socket Mode or HTTP."""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import SlackApp, create_app, inbox_settings
from bot.inbox import EventInbox
from bot.listener_pool import BACKLOG_LIMIT, ListenerPool
from bot.routes import EVENTS_PATH, Routes, build_routes
from bot.services import Services
from bot.settings import Settings
from bot.slack.client import build_client
from bot.workers import listening_socket, supervise, worker_name
from jobs.crm_deals import deal_job
from jobs.culture_report import catch_up_report, run_report
from jobs.onboarding import run_pulse
from jobs.prompts import run_prompt
from jobs.recognition import Recognition, sweep
from jobs.referral_sla import sla_job
from jobs.scheduler import ScheduledJob, build_scheduler
from jobs.second_push import run_second_push
from jobs.session_jobs import session_jobs
from models.database import make_engine, make_session_factory, upgrade

if TYPE_CHECKING:
    from waitress.server import BaseWSGIServer, MultiSocketServer

logger = logging.getLogger(__name__)

__all__ = ["EVENTS_PATH", "run", "run_scheduler", "scheduled_jobs", "serve"]


def scheduled_jobs(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str | None = None,
    services: Services | None = None,
) -> list[ScheduledJob]:
    """Every job, rebuilt from settings at each start; each one claims its work in the database."""
    tz = settings.timezone
    team_id = team_id or client.auth_test()["team_id"]
    bodies = session_jobs(
        sessions,
        client,
        settings.session_cadence_days,
        settings.sales_department,
        lease=settings.claim_lease,
    )
    recognition = Recognition(settings, sessions, client, team_id=team_id, worker=worker_name())
    crm = (
        [ScheduledJob("crm_deals", CronTrigger(minute="*/10", timezone=tz), deal_job(services))]
        if services is not None and settings.crm_credentials.any
        else []
    )
    return [
        *crm,
        ScheduledJob(
            "digest",
            CronTrigger.from_crontab(settings.digest_schedule, timezone=tz),
            lambda: sweep(recognition),
        ),
        ScheduledJob(
            "nudges",
            CronTrigger.from_crontab(settings.nudge_schedule, timezone=tz),
            lambda: sweep(recognition),
        ),
        # Catches what a restart, a crash or downtime left undone; first run at start.
        ScheduledJob(
            "recognition_sweep",
            IntervalTrigger(seconds=settings.sweep_seconds, timezone=tz),
            lambda: (sweep(recognition), catch_up_report(recognition)),
            run_at_start=True,
        ),
        ScheduledJob(
            "referral_sla",
            CronTrigger(minute="*/10", timezone=tz),
            sla_job(sessions, client, settings.referral_sla_hours, lease=settings.claim_lease),
        ),
        ScheduledJob(
            "session_reminders", CronTrigger(minute="*", timezone=tz), bodies["session_reminders"]
        ),
        ScheduledJob(
            "session_cadence",
            CronTrigger(day_of_week="mon-fri", hour=10, timezone=tz),
            bodies["session_cadence"],
        ),
        ScheduledJob(
            "pulse",
            CronTrigger.from_crontab(settings.pulse_schedule, timezone=tz),
            lambda: run_pulse(
                recognition, size=settings.pulse_size, cooldown_weeks=settings.pulse_cooldown_weeks
            ),
        ),
        ScheduledJob(
            "prompt",
            CronTrigger.from_crontab(settings.prompt_schedule, timezone=tz),
            lambda: run_prompt(
                recognition,
                size=settings.prompt_size,
                cooldown_weeks=settings.prompt_cooldown_weeks,
            ),
        ),
        # Departments whose giving is fading: their managers hear once in 8 weeks.
        ScheduledJob(
            "second_push",
            CronTrigger(day_of_week="mon-fri", hour=10, minute=30, timezone=tz),
            lambda: run_second_push(recognition),
        ),
        ScheduledJob(
            "culture_report",
            CronTrigger(day=1, hour=9, timezone=tz),
            lambda: run_report(recognition),
        ),
    ]


@dataclass(frozen=True)
class Bot:
    """One instance's parts, built but not started."""

    app: SlackApp
    scheduler: BackgroundScheduler
    engine: Engine
    inbox: EventInbox


def build(
    settings: Settings,
    pool: ListenerPool | None = None,
    *,
    migrate: bool = True,
    serving: bool = True,
) -> Bot:
    """Migrate, then build the app, its inbox and its scheduler (not started).
    `serving`: Slack's requests are served, so the signing secret is needed too."""
    settings.require_slack(serving=serving)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    sessions = make_session_factory(engine)
    inbox = EventInbox(sessions, worker_name(), inbox_settings(settings))
    app = create_app(settings, sessions, listener_executor=pool, inbox=inbox)
    jobs = scheduled_jobs(settings, sessions, app.client, app.team_id, app.services)
    return Bot(app, build_scheduler(settings, jobs), engine, inbox)


def stop_on_sigterm() -> None:
    """SIGTERM (a deploy, `docker stop`) ends the server loop the way Ctrl-C does, so the
    `finally` below gets to finish the work of requests already acked."""

    def stop(_signum: int, _frame: object) -> None:
        # Once: a second SIGTERM must not cut short the finishing of acked work.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def run(settings: Settings, *, with_scheduler: bool = True) -> int:
    """Serve until stopped; with WORKER_PROCESSES > 1, as that many supervised workers."""
    if settings.worker_processes == 1:
        serve(settings, with_scheduler=with_scheduler)
        return 0
    settings.require_slack()
    # Checked here so a bad token or an unreachable Slack ends `run` with one line, as
    # it does with one process, rather than in every worker.
    build_client(settings).auth_test()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()  # no connection may cross the fork
    if not settings.socket_mode or settings.socket_mode_http:
        listening_socket(settings.port).close()  # a port already taken: say so once, here
    if settings.database_url.startswith("sqlite"):
        logger.warning(
            "WORKER_PROCESSES=%d on SQLite: the workers take turns for its one write lock, "
            "which under load is slower than one process; use PostgreSQL for several",
            settings.worker_processes,
        )
    logger.info("starting %d worker processes", settings.worker_processes)
    return supervise(
        settings.worker_processes,
        # One scheduler is enough: every job claims its work, but N would query N times.
        lambda index, ready: serve(
            settings, with_scheduler=with_scheduler and index == 0, worker=True, ready=ready
        ),
    )


def serve(
    settings: Settings,
    *,
    with_scheduler: bool = True,
    worker: bool = False,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """One instance: the app, its listener pool and (optionally) the scheduler.

    A `worker` is one of several processes on this machine: migrations are already applied
    and the HTTP port is shared with the other workers. `ready` is called once set-up has
    succeeded and requests are about to be served.
    """
    pool = ListenerPool(backlog_limit=BACKLOG_LIMIT // settings.worker_processes)
    bot = build(settings, pool, migrate=not worker)
    scheduler = bot.scheduler
    # What imports and set-up made lives as long as the process: keep it out of every
    # later full collection, whose pauses otherwise stall acks (p99 249 -> 189 ms in
    # benchmarks/ack_load with a backlog).
    gc.freeze()
    stop_on_sigterm()
    bot.inbox.start()
    if with_scheduler:
        scheduler.start()
    try:
        if settings.socket_mode:
            serve_socket_mode(bot, settings, worker=worker, ready=ready)
        else:
            serve_http(bot, settings, worker=worker, ready=ready)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        # Slack will not resend what it saw acked: finish it before exiting.
        logger.info("stopping; finishing %d queued items of work first", pool.backlog)
        pool.shutdown(wait=True)
        bot.inbox.stop()
        logger.info("stopped")


def http_server(
    routes: Routes, settings: Settings, *, worker: bool
) -> BaseWSGIServer | MultiSocketServer:
    """waitress on PORT; a worker's port is shared with the other workers (SO_REUSEPORT)."""
    from waitress import create_server

    where = (
        {"sockets": [listening_socket(settings.port)]}
        if worker
        else {"host": "0.0.0.0", "port": settings.port}
    )
    return create_server(routes, threads=settings.http_threads, ident="everybody-sells", **where)


def serve_http(bot: Bot, settings: Settings, *, worker: bool, ready: Callable[[], None]) -> None:
    """HTTP mode: Slack's requests, health and webhooks on PORT, until stopped."""
    routes = build_routes(bot.app, settings.signing_secret, bot.engine, bot.app.services)
    server = http_server(routes, settings, worker=worker)
    logger.info("listening on :%s (%s)", settings.port, ", ".join(routes.paths))
    ready()
    try:
        server.run()
    finally:
        server.close()


def serve_socket_mode(
    bot: Bot, settings: Settings, *, worker: bool, ready: Callable[[], None]
) -> None:
    """Socket Mode: Slack over a WebSocket, and (unless SOCKET_MODE_HTTP=off) the health
    routes on PORT, for a load balancer or `docker` to ask."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    server = None
    if settings.socket_mode_http:
        routes = build_routes(None, None, bot.engine, bot.app.services)
        server = http_server(routes, settings, worker=worker)
        threading.Thread(target=server.run, name="http", daemon=True).start()
        logger.info("serving %s on :%s", ", ".join(routes.paths), settings.port)
    logger.info("starting in Socket Mode")
    handler = SocketModeHandler(bot.app, settings.app_token)
    try:
        handler.connect()
        logger.info("connected to Slack")
        ready()
        threading.Event().wait()  # what handler.start() does after connecting
    finally:
        handler.close()  # no new requests while the pool finishes the queued ones
        if server is not None:
            server.close()


def run_scheduler(settings: Settings) -> None:
    """`everybody-sells scheduler`: the jobs without the web server."""
    scheduler = build(settings, serving=False).scheduler
    logger.info("scheduler running: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    scheduler.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        scheduler.shutdown(wait=False)

"""Session reminders, attendance follow-ups and the cadence nudges: each message sent once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.sessions import cadence_nudge, confirm_ask, reminder
from bot.slack.delivery import run_clock, send_once
from models.base import utcnow
from models.deliveries import DEFAULT_LEASE, claim, first_claimed
from models.knowledge_sessions import (
    cadence,
    ended_unconfirmed,
    scheduled_between,
    session_info,
    suggest_topic,
)
from models.people import Person

logger = logging.getLogger(__name__)

DAY_BEFORE = timedelta(hours=24)
SOON = timedelta(minutes=15)
CONFIRM_HORIZON = timedelta(days=7)


@dataclass
class SessionJobReport:
    reminders: int = 0
    confirmations_asked: int = 0
    cadence_nudges: int = 0


def send_reminders(
    sessions: sessionmaker[Session],
    client: WebClient,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> SessionJobReport:
    """A day before and 15 minutes before, to each RSVP. Keys carry the start time, so a
    rescheduled session reminds again for its new time and a cancelled one drops out."""
    now = now or utcnow()
    clock = run_clock(now)
    report = SessionJobReport()
    with sessions() as session:
        upcoming = [session_info(t) for t in scheduled_between(session, now, now + DAY_BEFORE)]
    for talk in upcoming:
        soon = talk.starts_at - now <= SOON
        which = "soon" if soon else "day-before"
        text, blocks = reminder(talk, soon, now)
        stamp = int(talk.starts_at.timestamp())
        for user_id in talk.rsvp_ids:
            key = f"session:{talk.id}:{stamp}:{which}:{user_id}"
            if send_once(
                sessions, client, talk.team_id, key, user_id, text, blocks, now=clock(), lease=lease
            ):
                report.reminders += 1
    return report


def ask_for_confirmation(
    sessions: sessionmaker[Session],
    client: WebClient,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> SessionJobReport:
    """After a session ends, ask its first presenter whether it happened and who came."""
    now = now or utcnow()
    clock = run_clock(now)
    report = SessionJobReport()
    with sessions() as session:
        ended = [session_info(t) for t in ended_unconfirmed(session, now, CONFIRM_HORIZON)]
    for talk in ended:
        presenter = (talk.presenter_ids or [talk.created_by])[0]
        text, blocks = confirm_ask(talk)
        key = f"session:{talk.id}:confirm"
        if send_once(
            sessions, client, talk.team_id, key, presenter, text, blocks, now=clock(), lease=lease
        ):
            report.confirmations_asked += 1
    return report


def nudge_overdue_departments(
    sessions: sessionmaker[Session],
    client: WebClient,
    window_days: int,
    sales_department: str,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> SessionJobReport:
    """Managers of a department with no session in the window hear once per window;
    sales managers hear once per window for each department sales has not presented to."""
    now = now or utcnow()
    clock = run_clock(now)
    window = timedelta(days=window_days)
    since = now - window
    period = int(now.timestamp() // window.total_seconds())
    report = SessionJobReport()
    with sessions() as session:
        teams = list(session.scalars(select(Person.team_id).distinct()))
    for team_id in teams:
        with sessions.begin() as session:
            # A department cannot be overdue before the bot has watched it for a whole window.
            claim(session, team_id, "cadence-watch", now, lease=timedelta(days=36500))
            watching_since = first_claimed(session, team_id, "cadence-watch") or now
        if now - watching_since < window:
            continue
        with sessions() as session:
            rows = cadence(session, team_id, now, window, sales_department)
            ideas = {
                r.department: suggest_topic(session, team_id, r.department, since) for r in rows
            }
        sales = next((r for r in rows if r.department.lower() == sales_department.lower()), None)
        for row in rows:
            nudges: list[tuple[str, list[str], bool]] = []
            # Sales presents to the other teams (below), not to itself.
            if row is not sales and row.overdue(since):
                nudges.append((f"cadence:{period}:{row.department}", row.managers, False))
            if sales is not None and row is not sales and row.sales_overdue(since):
                nudges.append((f"cadence:{period}:sales-to:{row.department}", sales.managers, True))
            for key, managers, sales_to in nudges:
                text, blocks = cadence_nudge(
                    row.department, window_days, ideas[row.department], sales_to
                )
                for manager in managers:
                    if send_once(
                        sessions,
                        client,
                        team_id,
                        f"{key}:{manager}",
                        manager,
                        text,
                        blocks,
                        now=clock(),
                        lease=lease,
                    ):
                        report.cadence_nudges += 1
    return report


def session_jobs(
    sessions: sessionmaker[Session],
    client: WebClient,
    window_days: int,
    sales_department: str,
    lease: timedelta = DEFAULT_LEASE,
) -> dict[str, Callable[[], None]]:
    """The job bodies the scheduler runs, by job id."""

    def reminders() -> None:
        send_reminders(sessions, client, lease=lease)
        ask_for_confirmation(sessions, client, lease=lease)

    def cadence_check() -> None:
        report = nudge_overdue_departments(
            sessions, client, window_days, sales_department, lease=lease
        )
        if report.cadence_nudges:
            logger.info("session cadence: %s nudges sent", report.cadence_nudges)

    return {"session_reminders": reminders, "session_cadence": cadence_check}

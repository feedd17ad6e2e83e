"""Referrals left waiting: remind the owner once, then nudge their manager once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.referrals import manager_nudge, owner_reminder
from bot.slack.delivery import run_clock, send_once
from models.base import utcnow
from models.deliveries import DEFAULT_LEASE
from models.people import find_person
from models.referrals import overdue, referral_info

logger = logging.getLogger(__name__)


@dataclass
class SlaReport:
    owners_reminded: int = 0
    managers_nudged: int = 0
    without_manager: int = 0


def check_referral_sla(
    sessions: sessionmaker[Session],
    client: WebClient,
    sla: timedelta,
    now: datetime | None = None,
    worker: str = "",
    lease: timedelta = DEFAULT_LEASE,
) -> SlaReport:
    """One pass over waiting referrals; safe to run as often as you like, from any instance."""
    now = now or utcnow()
    clock = run_clock(now)
    report = SlaReport()
    with sessions() as session:
        late = [referral_info(r) for r in overdue(session, None, now - sla)]
        very_late = [referral_info(r) for r in overdue(session, None, now - 2 * sla)]
    for referral in late:
        text, blocks = owner_reminder(referral, now)
        key = f"referral:{referral.id}:owner-reminder"
        owner = referral.owner_id or ""
        if send_once(
            sessions,
            client,
            referral.team_id,
            key,
            owner,
            text,
            blocks,
            now=clock(),
            worker=worker,
            lease=lease,
        ):
            report.owners_reminded += 1
    for referral in very_late:
        with sessions() as session:
            holder = find_person(session, referral.team_id, referral.owner_id or "")
        manager = holder.manager_id if holder else None
        if not manager:
            report.without_manager += 1
            continue
        text, blocks = manager_nudge(referral, now)
        key = f"referral:{referral.id}:manager-nudge"
        if send_once(
            sessions,
            client,
            referral.team_id,
            key,
            manager,
            text,
            blocks,
            now=clock(),
            worker=worker,
            lease=lease,
        ):
            report.managers_nudged += 1
    return report


def sla_job(
    sessions: sessionmaker[Session], client: WebClient, hours: int, lease: timedelta = DEFAULT_LEASE
) -> Callable[[], None]:
    def run() -> None:
        report = check_referral_sla(sessions, client, timedelta(hours=hours), lease=lease)
        if report.owners_reminded or report.managers_nudged:
            logger.info("referral SLA: %s", report)

    return run

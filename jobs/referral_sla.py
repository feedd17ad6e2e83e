"""Referrals left waiting: remind the owner once, then nudge their manager once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.referrals import manager_nudge, owner_reminder
from models.base import utcnow
from models.deliveries import claim, complete, release
from models.people import find_person
from models.referrals import Referral, overdue

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
) -> SlaReport:
    """One pass over waiting referrals; safe to run as often as you like, from any instance."""
    now = now or utcnow()
    report = SlaReport()
    with sessions() as session:
        late = list(overdue(session, None, now - sla))
        very_late = list(overdue(session, None, now - 2 * sla))
    for referral in late:
        text, blocks = owner_reminder(referral, now)
        if _send_once(
            sessions,
            client,
            referral,
            "owner-reminder",
            referral.owner_id,
            text,
            blocks,
            now,
            worker,
        ):
            report.owners_reminded += 1
    for referral in very_late:
        with sessions() as session:
            owner = find_person(session, referral.team_id, referral.owner_id or "")
        manager = owner.manager_id if owner else None
        if not manager:
            report.without_manager += 1
            continue
        text, blocks = manager_nudge(referral, now)
        if _send_once(
            sessions, client, referral, "manager-nudge", manager, text, blocks, now, worker
        ):
            report.managers_nudged += 1
    return report


def _send_once(
    sessions: sessionmaker[Session],
    client: WebClient,
    referral: Referral,
    what: str,
    channel: str | None,
    text: str,
    blocks: list[dict],
    now: datetime,
    worker: str,
) -> bool:
    """Claim, send, complete: a crash before `complete` lets the claim expire and retry."""
    key = f"referral:{referral.id}:{what}"
    with sessions.begin() as session:
        if not claim(session, referral.team_id, key, now, worker=worker):
            return False
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as error:
        logger.warning(
            "%s for referral %s failed: %s", what, referral.id, error.response.get("error")
        )
        with sessions.begin() as session:
            release(session, referral.team_id, key)
        return False
    with sessions.begin() as session:
        complete(session, referral.team_id, key, utcnow())
    logger.info("sent %s for referral %s to %s", what, referral.id, channel)
    return True


def sla_job(sessions: sessionmaker[Session], client: WebClient, hours: int) -> Callable[[], None]:
    def run() -> None:
        report = check_referral_sla(sessions, client, timedelta(hours=hours))
        if report.owners_reminded or report.managers_nudged:
            logger.info("referral SLA: %s", report)

    return run

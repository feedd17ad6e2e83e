"""Referrals left waiting: remind the owner once, then nudge their manager once.

Each referral is reminded and escalated at most once (its own delivery key), but a person
hears about all of theirs that are due in one message: a rep with 300 late referrals gets
one reminder listing them, not 300 DMs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.referrals import manager_nudge, owner_reminder
from bot.slack.delivery import run_clock, send_once
from models.base import utcnow
from models.deliveries import DEFAULT_LEASE, claim, complete, is_done, release
from models.people import find_person
from models.referrals import ReferralInfo, overdue, referral_info

logger = logging.getLogger(__name__)

Message = tuple[str, list[dict]]


@dataclass
class SlaReport:
    """What one pass sent: messages (one per person) and the referrals they named."""

    owners_reminded: int = 0
    managers_nudged: int = 0
    without_manager: int = 0
    referrals_reminded: int = 0
    referrals_escalated: int = 0


@dataclass(frozen=True)
class _Sender:
    """One pass's way of sending: its sessions, client, clock and claims."""

    sessions: sessionmaker[Session]
    client: WebClient
    clock: Callable[[], datetime]
    worker: str
    lease: timedelta


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
    sender = _Sender(sessions, client, run_clock(now), worker, lease)
    report = SlaReport()
    with sessions() as session:
        late = [referral_info(r) for r in overdue(session, None, now - sla)]
        very_late = [referral_info(r) for r in overdue(session, None, now - 2 * sla)]
        managers: dict[tuple[str, str], str | None] = {}
        for team_id, owner in {(r.team_id, r.owner_id or "") for r in very_late}:
            holder = find_person(session, team_id, owner)
            managers[team_id, owner] = holder.manager_id if holder else None
    for (team_id, owner), waiting in _by_person(late, lambda r: r.owner_id or "").items():
        sent = _send_about(
            sender, team_id, owner, waiting, "owner-reminder", lambda b: owner_reminder(b, now)
        )
        report.owners_reminded += bool(sent)
        report.referrals_reminded += len(sent)
    escalated = [r for r in very_late if managers[r.team_id, r.owner_id or ""]]
    report.without_manager = len(very_late) - len(escalated)
    by_manager = _by_person(escalated, lambda r: managers[r.team_id, r.owner_id or ""] or "")
    for (team_id, manager), waiting in by_manager.items():
        sent = _send_about(
            sender, team_id, manager, waiting, "manager-nudge", lambda b: manager_nudge(b, now)
        )
        report.managers_nudged += bool(sent)
        report.referrals_escalated += len(sent)
    return report


def _by_person(
    referrals: Sequence[ReferralInfo], person: Callable[[ReferralInfo], str]
) -> dict[tuple[str, str], list[ReferralInfo]]:
    grouped: dict[tuple[str, str], list[ReferralInfo]] = {}
    for referral in referrals:
        grouped.setdefault((referral.team_id, person(referral)), []).append(referral)
    return grouped


def _send_about(
    sender: _Sender,
    team_id: str,
    person: str,
    referrals: Sequence[ReferralInfo],
    kind: str,
    build: Callable[[list[ReferralInfo]], Message],
) -> list[ReferralInfo]:
    """One message to `person` about the referrals whose `kind` key this pass claims; the
    referrals it sent about. Claims taken over from a sender that died go in a message of
    their own, so the one it may already have sent is found and not sent again."""
    fresh: list[ReferralInfo] = []
    retried: list[ReferralInfo] = []
    for referral in referrals:
        with sender.sessions.begin() as session:
            claimed = claim(
                session,
                team_id,
                f"referral:{referral.id}:{kind}",
                sender.clock(),
                worker=sender.worker,
                lease=sender.lease,
            )
        if claimed:
            (retried if claimed.retry else fresh).append(referral)
    sent: list[ReferralInfo] = []
    for batch in (retried, fresh):
        if batch and _send_batch(sender, team_id, person, batch, kind, build):
            sent += batch
    return sent


def _send_batch(
    sender: _Sender,
    team_id: str,
    person: str,
    batch: list[ReferralInfo],
    kind: str,
    build: Callable[[list[ReferralInfo]], Message],
) -> bool:
    """Send one message about `batch` exactly once (its key names the batch), then mark each
    referral's key done, or give the keys back if Slack refused it."""
    keys = [f"referral:{r.id}:{kind}" for r in batch]
    digest = hashlib.sha256("|".join(keys).encode()).hexdigest()[:16]
    batch_key = f"referrals:{kind}:{person}:{digest}"
    text, blocks = build(batch)
    sent = send_once(
        sender.sessions,
        sender.client,
        team_id,
        batch_key,
        person,
        text,
        blocks,
        now=sender.clock(),
        worker=sender.worker,
        lease=sender.lease,
    )
    with sender.sessions.begin() as session:
        delivered = sent or is_done(session, team_id, batch_key)
        for key in keys:
            if delivered:
                complete(session, team_id, key, utcnow())
            else:
                release(session, team_id, key)
    return sent


def sla_job(
    sessions: sessionmaker[Session], client: WebClient, hours: int, lease: timedelta = DEFAULT_LEASE
) -> Callable[[], None]:
    def run() -> None:
        report = check_referral_sla(sessions, client, timedelta(hours=hours), lease=lease)
        if report.owners_reminded or report.managers_nudged:
            logger.info("referral SLA: %s", report)

    return run

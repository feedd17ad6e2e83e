"""The second push, sent: one brief to each manager of a department whose giving is
fading, each DM once (jobs/second_push.py finds the departments and claims each one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.second_push import second_push_message
from bot.slack.delivery import run_clock, send_once
from models.deliveries import is_done
from models.giving_drops import GivingDrop, ThankCandidate


@dataclass
class PushOutcome:
    sent: list[str]
    failed: int = 0


def send_push(
    sessions: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    key: str,
    drop: GivingDrop,
    managers: Sequence[str],
    candidates: Sequence[ThankCandidate],
    *,
    tz: ZoneInfo,
    now: datetime,
    lease: timedelta,
    worker: str = "",
) -> PushOutcome:
    """DM the brief to each manager once, under `key:<manager>`; who got it, and how many
    sends failed (their claims are given back, for the next run to retry)."""
    text, blocks = second_push_message(drop, candidates, tz)
    clock = run_clock(now)
    outcome = PushOutcome(sent=[])
    for manager in managers:
        each = f"{key}:{manager}"
        if send_once(
            sessions,
            client,
            team_id,
            each,
            manager,
            text,
            blocks,
            now=clock(),
            worker=worker,
            lease=lease,
        ):
            outcome.sent.append(manager)
            continue
        with sessions() as session:
            if not is_done(session, team_id, each):
                outcome.failed += 1
    return outcome

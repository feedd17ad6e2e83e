"""The manager-nudge builders, from plain data, checked against what Slack accepts."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.blocks.nudges import (
    SNOOZE_ACTION,
    STOP_ACTION,
    THANKS_ACTION,
    nudge_blocks,
    thanks_message,
    week_label,
)
from models.nudges import ManagerNudge, ReportCredit, StuckReferral
from tests.slack_limits import assert_message_ok
from tests.test_blocks_sessions import START, users

NOW = START - timedelta(days=1)
MANAGER = "UMANAGER01"


def nudge(reports: int, credits: int) -> ManagerNudge:
    """A manager's week: `credits` credits for their `reports`, a quarter of them uncredited
    for 30 days, referrals stuck and unanswered, sessions coming up."""
    ids = list(users(reports, "UREP"))
    given = [
        ReportCredit(
            n,
            ids[n % reports],
            "UGIVER0001",
            ["assist", "win", "service"][n % 3],
            f"Customer {n}" if n % 2 else None,
            "fixed the <select> bug for R&D " * 12,
            n % 5 == 0,
        )
        for n in range(credits)
    ]
    stuck = [
        StuckReferral(n, ids[n], "UOTHER0001", "Acme " * 20, "new", NOW - timedelta(days=n + 3))
        for n in range(12)
    ]
    upcoming = [
        (n, "How we build the billing engine " * 4, START + timedelta(days=n)) for n in range(3)
    ]
    return ManagerNudge(
        MANAGER,
        reports=ids,
        credits=given,
        unrecognised=ids[: reports // 4],
        stuck=stuck,
        unanswered=stuck[:10],
        upcoming=upcoming,
    )


def test_week_label():
    assert week_label("2026-W48") == "week 48"


def test_a_manager_with_12_reports():
    text, blocks = nudge_blocks(nudge(12, 8), "week 10", NOW)
    assert_message_ok((text, blocks))
    thanks = [b["accessory"] for b in blocks if b.get("accessory")]
    assert [t["action_id"] for t in thanks] == [THANKS_ACTION] * 8
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [SNOOZE_ACTION, STOP_ACTION]
    assert "8 credits to thank" in text


def test_a_manager_with_200_reports_and_200_credits_this_week():
    text, blocks = nudge_blocks(nudge(200, 200), "week 10", NOW)
    assert_message_ok((text, blocks))
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "…and 180 more credits this week." in shown
    assert " and 35 more. Whose work helped a customer lately?" in shown
    assert blocks[-1]["type"] == "actions"  # the Snooze and Stop buttons are never cut off


def test_the_thanks_a_report_gets():
    message = thanks_message(MANAGER, "win", "closed Acme " * 40, is_private=False)
    assert_message_ok(message)
    assert f"<@{MANAGER}> saw your" in message[0] and "closed Acme" in message[0]
    private = thanks_message(MANAGER, "assist", "a private matter", is_private=True)
    assert_message_ok(private)
    assert "a private matter" not in private[0]

"""The manager-nudge builders, from plain data, checked against what Slack accepts."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from bot.blocks.nudges import (
    SNOOZE_ACTION,
    STOP_ACTION,
    THANKS_ACTION,
    nudge_blocks,
    thanks_message,
    week_label,
)
from models.nudges import ASSISTS_LISTED, ManagerNudge, ReportAssist, StuckReferral
from tests.slack_limits import assert_message_ok
from tests.test_blocks_sessions import START, users

NOW = START - timedelta(days=1)
MANAGER = "UMANAGER01"


def nudge(reports: int, credits: int) -> ManagerNudge:
    """A manager's week: `credits` credits for their `reports` (one assist each; the model
    lists the latest ASSISTS_LISTED), a quarter of them uncredited for 30 days, referrals
    stuck and unanswered, sessions coming up."""
    ids = list(users(reports, "UREP"))
    given = [
        ReportAssist(
            n,
            (n,),
            (ids[n % reports],),
            "UGIVER0001",
            ["assist", "win", "service"][n % 3],
            f"Customer {n}" if n % 2 else None,
            "fixed the <select> bug for R&D " * 12,
            n % 5 == 0,
        )
        for n in range(min(credits, ASSISTS_LISTED))
    ]
    stuck = [
        StuckReferral(
            n, ids[n % reports], "UOTHER0001", "Acme " * 20, "new", NOW - timedelta(days=n + 3)
        )
        for n in range(12)
    ]
    upcoming = [
        (n, "How we build the billing engine " * 4, START + timedelta(days=n)) for n in range(3)
    ]
    return ManagerNudge(
        MANAGER,
        reports=ids,
        assists=given,
        assist_count=credits,
        credit_count=credits,
        credited=ids[:credits],
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
    assert text == "Your team, week 10: 8 credits to thank, 3 reports not credited in 30 days"


def test_a_manager_with_200_reports_and_5000_credits_this_week():
    """The counts are the real ones (the model counts in SQL); the list is the latest ten."""
    week = nudge(200, 5000)
    week.unrecognised = week.reports  # nobody credited for a month, but this week
    text, blocks = nudge_blocks(week, "week 10", NOW)
    assert_message_ok((text, blocks))
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "*Thank them*: 5000 credits your reports received this week." in shown
    assert "…and 4990 more assists this week." in shown
    assert text.startswith("Your team, week 10: 5000 credits to thank, 200 reports")
    overlooked = next(b["text"]["text"] for b in blocks if "Not credited" in b["text"]["text"])
    assert overlooked.startswith("*Not credited in 30 days* (200 of your 200 reports): <@UREP")
    more = re.search(r" and (\d+) others\. Whose work helped a customer lately\?$", overlooked)
    assert more and overlooked.count("<@UREP") + int(more.group(1)) == 200
    assert "*Referrals that are stuck* (12)" in shown and "…and 4 more." in shown
    assert blocks[-1]["type"] == "actions"  # the Snooze and Stop buttons are never cut off


def test_one_assist_crediting_three_reports_is_one_line_with_one_thanks():
    win = ReportAssist(
        41,
        (7, 8, 9),
        ("UREP00000000", "UREP00000001", "UREP00000002"),
        "UGIVER0001",
        "win",
        "Acme",
        "closed Acme",
        False,
    )
    week = ManagerNudge(
        MANAGER, reports=["UREP00000000"], assists=[win], assist_count=1, credit_count=3
    )
    text, blocks = nudge_blocks(week, "week 10", NOW)
    assert_message_ok((text, blocks))
    [line] = [b for b in blocks if b.get("accessory")]
    assert line["text"]["text"].startswith(
        ":trophy: <@UREP00000000>, <@UREP00000001> and <@UREP00000002>, credited by <@UGIVER0001> (Acme)"
    )
    assert line["accessory"]["text"]["text"] == "Say thanks to all"
    assert line["accessory"]["value"] == "7"
    assert "*Thank them*: 3 credits your reports received this week." in json.dumps(blocks)


def test_a_lesson_is_mentioned_but_never_thanked():
    lesson = ReportAssist(
        5, (11,), ("UREP00000000",), "UGIVER0001", "lesson", None, "Annual-only pricing", False
    )
    week = ManagerNudge(
        MANAGER, reports=["UREP00000000"], assists=[lesson], assist_count=1, lesson_count=1
    )
    text, blocks = nudge_blocks(week, "week 10", NOW)
    assert_message_ok((text, blocks))
    assert not any(b.get("accessory") for b in blocks)
    shown = json.dumps(blocks)
    assert "shared a lesson from a loud mistake" in shown and "Say thanks" not in shown
    assert "*Loud mistakes*: 1 lesson from loud mistakes they shared this week." in shown
    assert text.startswith("Your team, week 10: 0 credits to thank")


def test_a_quiet_department_is_named_to_its_manager_privately():
    week = ManagerNudge(MANAGER, reports=["UREP00000000"], quiet_departments=["Finance"])
    assert not week.empty  # worth a nudge on its own
    text, blocks = nudge_blocks(week, "week 10", NOW)
    assert_message_ok((text, blocks))
    assert blocks[2]["text"]["text"] == (
        ":seedling: *Finance* was quiet this week: no credit given or received in 7 days. "
        "Worth a word with the team: whose work there helped a customer or a colleague lately?"
    )


def test_one_of_everything_reads_in_the_singular():
    week = nudge(4, 1)
    week.stuck, week.unanswered = week.stuck[:1], []
    text, blocks = nudge_blocks(week, "week 10", NOW)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert text == "Your team, week 10: 1 credit to thank, 1 report not credited in 30 days"
    assert "*Thank them*: 1 credit your reports received this week." in shown
    assert "(1 of your 4 reports)" in shown and "*Referrals that are stuck* (1)" in shown


def test_the_thanks_a_report_gets():
    message = thanks_message(MANAGER, "win", "closed Acme " * 40, is_private=False)
    assert_message_ok(message)
    assert f"<@{MANAGER}> saw your" in message[0] and "closed Acme" in message[0]
    private = thanks_message(MANAGER, "assist", "a private matter", is_private=True)
    assert_message_ok(private)
    assert "a private matter" not in private[0]


def test_the_nudge_lists_three_sessions_and_says_how_many_more():
    week = nudge(4, 1)
    week.upcoming = [(n, f"Session {n}", START + timedelta(days=n)) for n in range(5)]
    text, blocks = nudge_blocks(week, "week 10", NOW)
    assert_message_ok((text, blocks))
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "*Session 2*" in shown and "*Session 3*" not in shown
    assert "…and 2 more in the next two weeks: `/session list` shows them." in shown

"""The second push's brief, from plain data, checked against what Slack accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.blocks.second_push import drop_line, second_push_message
from models.giving_drops import GivingDrop, Reason, ThankCandidate
from tests.slack_limits import assert_message_ok

BERLIN = ZoneInfo("Europe/Berlin")
LATE = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already 3 Nov in Berlin
LONGEST = ("Customer & <partner> *bold* " * 10)[:150]


def test_the_drop_in_plain_numbers():
    drop = GivingDrop("Support", 12, 2, 7)
    assert drop_line(drop) == (
        "Support: 2 of 12 people credited someone in the last 4 weeks, down from 7 of 12 in "
        "the 8 weeks before"
    )


def test_each_person_with_why_and_when_in_the_workspaces_time_zone():
    candidates = [
        ThankCandidate("UREF000001", Reason.REFERRAL, LATE, "Acme"),
        ThankCandidate("USES000001", Reason.SESSION, LATE, "How we build the API"),
        ThankCandidate("UCRE000001", Reason.CREDIT, LATE, None, by="UGIV000001"),
    ]
    text, blocks = second_push_message(GivingDrop("Support", 12, 2, 7), candidates, BERLIN)
    assert_message_ok((text, blocks))
    lines = [b["text"]["text"] for b in blocks if b.get("accessory")]
    assert lines == [
        "• <@UREF000001> passed a referral for *Acme* on 3 Nov",
        "• <@USES000001> presented “How we build the API” on 3 Nov",
        "• <@UCRE000001> was credited by <@UGIV000001> on 3 Nov",
    ]


def test_a_private_referral_keeps_its_customer_to_itself():
    private = ThankCandidate("UREF000001", Reason.REFERRAL, LATE, None)
    _, blocks = second_push_message(GivingDrop("Support", 12, 2, 7), [private], BERLIN)
    assert "*Someone you could thank*" in blocks[1]["text"]["text"]
    assert blocks[2]["text"]["text"] == "• <@UREF000001> passed a referral on 3 Nov"


def test_nobody_to_thank_says_what_to_do_instead():
    text, blocks = second_push_message(GivingDrop("Support", 12, 0, 7), [], BERLIN)
    assert_message_ok((text, blocks))
    assert "ask the team who helped a customer lately" in blocks[1]["text"]["text"]


def test_the_longest_names_fit_slack():
    department = "R&D <core> " * 9 + "R"  # 100 characters
    candidates = [
        ThankCandidate("UREF000001", Reason.REFERRAL, LATE, LONGEST),
        ThankCandidate("USES000001", Reason.SESSION, LATE, LONGEST),
        ThankCandidate("UCRE000001", Reason.CREDIT, LATE, LONGEST, by="UGIV000001"),
    ]
    text, blocks = second_push_message(GivingDrop(department, 500, 10, 300), candidates, BERLIN)
    assert_message_ok((text, blocks))
    assert "&lt;partner&gt;" in blocks[2]["text"]["text"] and "<partner>" not in text

"""`/sells` builders: each answer is a message Slack accepts, at the size of a large company."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.blocks.kit import note_message
from bot.blocks.sells import (
    help_message,
    leaderboard_message,
    stats_message,
    unknown_department_message,
)
from models.referrals import Conversion, ReferralFigures
from models.stats import CREDITS, LeaderRow, PersonalStats, Window
from tests.slack_limits import assert_message_ok

NOVEMBER = Window(
    datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "November 2026"
)
DEPARTMENTS = [f"Regional Customer Success {n:03d}" for n in range(200)]


def test_help_lists_every_command_and_says_what_was_not_understood():
    text, blocks = message = help_message(reaction="bulb", note="I don't know `/sells foo`.")
    assert_message_ok(message)
    assert text == "Everybody sells: help"
    assert ":bulb: reaction" in str(blocks) and "`/sells foo`" in blocks[0]["elements"][0]["text"]


def test_stats_of_someone_credited_5000_times_with_referrals_from_200_departments():
    stats = PersonalStats(
        "UANA000001",
        NOVEMBER,
        given_by_kind=Counter({"assist": 12}),
        given_by_stage=Counter({"sale": 12}),
        received_by_kind=Counter({"assist": 3000, "service": 1999, "win": 1}),
        received_by_stage=Counter({"post-sale": 4000, "unset": 1000}),
    )
    figures = ReferralFigures(
        Conversion(300, 900, timedelta(hours=5)),
        {d: Conversion(3, 9, timedelta(days=2)) for d in DEPARTMENTS},
    )
    text, blocks = message = stats_message(stats, figures)
    assert_message_ok(message)
    assert text == "You received 5000 and gave 12 credits"
    assert "5000 credits" in str(blocks) and "300 won of 900 closed (33%)" in str(blocks)


def test_the_leaderboard_names_the_people_and_who_credited_them():
    rows = [
        LeaderRow(n, f"U{n:09d}", f"P{n}", DEPARTMENTS[n], 100 - n, 1 + n) for n in range(1, 11)
    ]
    text, blocks = message = leaderboard_message(rows, NOVEMBER, None)
    assert_message_ok(message)
    assert text == "Leaderboard, November 2026"
    assert "<@U000000001>: credited by 2 people (99 credits)" in blocks[1]["text"]["text"]
    text, blocks = message = leaderboard_message(rows, NOVEMBER, None, CREDITS)
    assert_message_ok(message)
    assert text == "Most credits, November 2026"
    assert "<@U000000001>: 99 credits from 2 people" in blocks[1]["text"]["text"]
    empty = leaderboard_message([], NOVEMBER, "Support")
    assert_message_ok(empty)
    assert "Nobody has been credited yet" in empty[1][1]["text"]["text"]


def test_an_unknown_department_with_few_departments_lists_them():
    message = unknown_department_message("Finanse", ["Finance", "Sales"])
    text = message[0]
    assert_message_ok(message)
    assert "“Finanse”" in text and "Finance, Sales" in text


def test_a_note_is_one_section():
    assert note_message("Saved.") == (
        "Saved.",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "Saved."}}],
    )

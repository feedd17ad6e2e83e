"""The builders of bot/blocks/lessons.py, checked against what Slack accepts."""

from __future__ import annotations

import json

from bot.blocks.lessons import LESSON_LENGTHS, LESSON_MODAL, SHARE, lesson_modal, lesson_text
from models.assists import MAX_LENGTHS
from tests.slack_limits import assert_view_ok


def test_the_lesson_form_fits_and_shares_only_when_opened_in_public():
    for channel, share in (("CGENERAL01", True), ("GSECRET001", False), (None, True)):
        view = lesson_modal(channel, share)
        assert_view_ok(view)
        assert view["callback_id"] == LESSON_MODAL
        assert json.loads(view["private_metadata"]) == {"channel_id": channel}
        blocks = {b.get("block_id"): b for b in view["blocks"]}
        for name, limit in LESSON_LENGTHS.items():
            assert blocks[name]["element"]["max_length"] == limit
            assert blocks[name]["optional"] is False
        assert blocks["involved"]["element"]["type"] == "multi_users_select"
        assert blocks["involved"]["optional"] is True
        assert blocks[SHARE]["element"]["options"][0]["value"] == SHARE
        assert ("initial_options" in blocks[SHARE]["element"]) is share


def test_a_lesson_reads_as_one_story_and_always_fits_a_description():
    longest = lesson_text(*("x" * limit for limit in LESSON_LENGTHS.values()))
    assert len(longest) <= MAX_LENGTHS["description"]
    story = lesson_text("Monthly plans", "nobody bought them.", "Small teams need them.")
    assert story == "Monthly plans: nobody bought them. Lesson: Small teams need them."

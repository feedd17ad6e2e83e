"""The weekly "Who helped you this week?" builders, checked against what Slack accepts."""

from __future__ import annotations

from bot.blocks.prompts import (
    PROMPT_CREDIT_ACTION,
    PROMPT_NOBODY_ACTION,
    PROMPT_STOP_ACTION,
    nobody_message,
    prompt_question,
    stopped_message,
)
from tests.slack_limits import assert_message_ok


def test_the_question_is_a_message_slack_accepts_with_its_inputs_and_buttons():
    message = prompt_question("2026-W48")
    assert_message_ok(message)
    text, blocks = message
    assert text == ":raised_hands: Who helped you this week?"
    assert [b["block_id"] for b in blocks if b["type"] == "input"] == [
        "recipients",
        "kind",
        "note",
        "privacy",
    ]
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (PROMPT_CREDIT_ACTION, "2026-W48"),
        (PROMPT_NOBODY_ACTION, "2026-W48"),
        (PROMPT_STOP_ACTION, "2026-W48"),
    ]
    assert "confirm" in actions["elements"][2]  # stopping for good asks first


def test_the_answers_say_what_happened_and_how_to_undo_a_stop():
    for message in (nobody_message(), stopped_message()):
        assert_message_ok(message)
    assert "`/sells prompts on`" in stopped_message()[0]
    assert "Nothing was recorded" in nobody_message()[0]

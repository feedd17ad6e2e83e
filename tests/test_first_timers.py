"""The digest spotlights everyone credited for the first time: all of them when they fit,
else as many as fit and "and N others", never cut inside a name."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.blocks.digest import digest_blocks
from tests.slack_limits import assert_message_ok
from tests.test_blocks_digest import a_week


def welcome(first_timers: tuple[str, ...]) -> str:
    message = digest_blocks(replace(a_week(), first_timers=first_timers), "this week")
    assert_message_ok(message)
    [line] = [
        b["text"]["text"]
        for b in message[1]
        if "First credits" in b.get("text", {}).get("text", "")
    ]
    return line


def test_twelve_first_timers_are_all_named():
    line = welcome(tuple(f"UNEW{n:06d}" for n in range(12)))
    assert line.count("<@UNEW") == 12 and line.endswith("and <@UNEW000011>")


def test_3400_first_timers_are_named_as_far_as_they_fit_then_counted():
    people = tuple(f"UNEW{n:06d}" for n in range(3400))
    line = welcome(people)
    named = re.findall(r"<@(UNEW\d{6})>", line)
    assert named == list(people[: len(named)]) and len(named) > 100
    assert line.endswith(f"and {3400 - len(named)} others")

"""The Block Kit pieces: long text split between lines or words, never mid-word."""

from __future__ import annotations

from bot.blocks.kit import clip, mrkdwn_sections, sorry_view, split_text, text_message
from bot.blocks.text import listed, people_named
from tests.slack_limits import assert_message_ok, assert_view_ok


def test_long_text_is_split_between_lines_then_words():
    lines = [f"• line {n} with a few words in it" for n in range(400)]
    pieces = split_text("\n".join(lines), 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)
    words = "word " * 700
    assert all(p.endswith("word") for p in split_text(words.strip(), 1000))


def test_clip_ends_at_a_word_and_not_inside_an_escape():
    assert clip("short", 10) == "short"
    assert clip("a sentence that is too long", 12) == "a sentence…"
    assert clip("x" * 9 + "&amp;" + "y" * 10, 12) == "x" * 9 + "…"


def test_a_long_paragraph_becomes_several_sections_and_a_message():
    text = "\n".join(f"• <@U{n:08d}> helped" for n in range(500))
    assert len(mrkdwn_sections(text)) > 1
    assert_message_ok(text_message(text))


def test_the_sorry_view_is_a_modal_slack_takes():
    assert_view_ok(sorry_view())


def test_long_lists_are_summarised_with_how_many_more():
    assert listed(["Finance", "Sales"], 100) == "Finance and Sales"
    assert listed(["Finance", "Sales", "Support", "Engineering"], 25) == "Finance, Sales and 2 more"
    assert people_named(["UAAAAAAA", "UBBBBBBB"], 30) == "<@UAAAAAAA> and <@UBBBBBBB>"
    assert people_named(["UAAAAAAA", "UBBBBBBB"], 25) == "<@UAAAAAAA> and 1 other"
    assert people_named(["U1234567"] * 300, 30) == "<@U1234567> and 299 others"
    assert people_named(["U1234567"] * 300, 10) == "300 people"

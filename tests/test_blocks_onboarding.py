"""The welcome and pulse builders, from plain data, checked against what Slack accepts."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from bot.blocks.onboarding import (
    PULSE_ACTION,
    PULSE_MODAL,
    directory_lines,
    directory_message,
    pulse_modal,
    pulse_question,
    welcome,
)
from models.departments import DESCRIPTION_LENGTH
from tests.slack_limits import assert_message_ok, assert_view_ok
from tests.test_blocks_sessions import (
    DEPARTMENTS_IN_A_BIG_COMPANY,
    LONG_TITLE,
    START,
    department_names,
    long_department_names,
    the_big_one,
)


def teams(
    count: int, description_length: int, names: list[str] | None = None
) -> list[tuple[str, str | None]]:
    text = ("We keep the lights on for customers & <partners>. " * 10)[:description_length]
    names = names or department_names(count)
    return [(name, text if n % 7 else None) for n, name in enumerate(names)]


def test_directory_lines_quote_what_teams_wrote():
    lines = directory_lines([("R&D", "We build <it>"), ("Legal", None)])
    assert lines == "• *R&amp;D*: We build &lt;it&gt;\n• *Legal*: _no description yet_"


def test_the_welcome_with_ten_teams_and_three_sessions():
    sessions = [the_big_one(session_id=n, starts_at=START + timedelta(days=n)) for n in range(3)]
    text, blocks = welcome(teams(10, 120), sessions, reaction="raised_hands")
    assert_message_ok((text, blocks))
    shown = json.dumps(blocks)
    assert ":raised_hands:" in shown and "Department 009" in shown
    assert shown.count(LONG_TITLE) == 3


def test_the_welcome_before_there_is_a_directory_or_a_session():
    text, blocks = welcome([], [])
    assert_message_ok((text, blocks))
    assert len(blocks) == 2 and ":handshake:" in json.dumps(blocks)


def test_the_welcome_in_a_company_of_200_teams_shows_a_few_and_says_where_the_rest_are():
    directory = teams(0, DESCRIPTION_LENGTH, long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY))
    text, blocks = welcome(directory, [the_big_one()])
    assert_message_ok((text, blocks))
    teams_section = blocks[2]["text"]["text"]
    lines = teams_section.split("\n")
    assert lines[0] == "*How each team helps sell*"
    shown = lines[1:-1]
    described = [row for row in directory if row[1]]  # teams that said how they help first
    assert 3 <= len(shown) <= 10
    assert shown == directory_lines(described[: len(shown)]).split("\n")  # each line whole
    assert lines[-1] == f"…and {200 - len(shown)} more: `/sells dept` lists them all."


def test_the_sells_dept_directory_of_200_teams_lists_every_one():
    directory = teams(0, DESCRIPTION_LENGTH, long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY))
    text, blocks = directory_message(directory)
    assert_message_ok((text, blocks))
    assert text == "How each team helps sell: 200 departments"
    lines = [line for b in blocks[1:-1] for line in b["text"]["text"].split("\n")]
    assert len(lines) == 200 and len(blocks) <= 50
    assert lines[-1].startswith("• *Customer Success &amp; Renewals EMEA, no 199*: We keep")
    assert "/sells dept describe" in blocks[-1]["elements"][0]["text"]


def test_the_sells_dept_directory_before_the_org_chart_and_with_one_team():
    assert "an admin imports the org chart" in directory_message([])[1][0]["text"]["text"]
    text, blocks = directory_message([("Support", "we keep customers happy")])
    assert text == "How each team helps sell: 1 department"
    assert len(blocks) == 2  # every team described: no hint to describe one
    assert re.fullmatch(r"• \*Support\*: we keep customers happy", blocks[1]["text"]["text"])


def test_the_pulse_question_and_its_form():
    text, blocks = pulse_question("2026-W10")
    assert_message_ok((text, blocks))
    answer = blocks[-1]["elements"][0]
    assert (answer["action_id"], answer["value"]) == (PULSE_ACTION, "2026-W10")
    view = pulse_modal("2026-W10")
    assert_view_ok(view)
    assert view["callback_id"] == PULSE_MODAL
    assert json.loads(view["private_metadata"]) == {"period": "2026-W10"}
    assert [b["block_id"] for b in view["blocks"]] == ["answer", "share"]

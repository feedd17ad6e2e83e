"""Block Kit for welcoming new people and for the customer-passion pulse."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.kit import (
    SECTION_LIMIT,
    actions_block,
    button,
    checkbox_input,
    context_block,
    line_sections,
    modal,
    mrkdwn_section,
    option,
    text_input,
)
from bot.blocks.sessions import when
from bot.blocks.text import plural, safe_mrkdwn
from models.knowledge_sessions import SessionInfo
from models.pulse import ANSWER_LENGTH

PULSE_ACTION = "pulse_answer"
PULSE_MODAL = "pulse_modal"
PULSE_QUESTION = "What's one thing that really gets you excited about our customers?"
WELCOME_TEAMS = 10  # a few teams in the welcome; `/sells dept` lists them all


def _line(name: str, text: str | None) -> str:
    return f"• *{safe_mrkdwn(name)}*: {safe_mrkdwn(text) if text else '_no description yet_'}"


def directory_lines(rows: Sequence[tuple[str, str | None]]) -> str:
    """Each team and how it helps sell, one line each (text for a section)."""
    return "\n".join(_line(name, text) for name, text in rows)


def directory_message(rows: Sequence[tuple[str, str | None]]) -> tuple[str, list[dict]]:
    """`/sells dept`: every team and how it helps sell, over as many sections as it takes
    (within a message's 50 blocks)."""
    if not rows:
        return "No departments yet", [
            mrkdwn_section("No departments yet: an admin imports the org chart.")
        ]
    text = f"How each team helps sell: {plural(len(rows), 'department')}"
    lines = [_line(name, description) for name, description in rows]
    blocks = [
        mrkdwn_section(f"*How each team helps sell* ({plural(len(rows), 'department')})"),
        *line_sections(lines, max_blocks=47),
    ]
    if any(not description for _, description in rows):
        blocks.append(
            context_block(
                "Managers describe their team with `/sells dept describe Dept: how we help sell`."
            )
        )
    return text, blocks


def _welcome_directory(directory: Sequence[tuple[str, str | None]]) -> str:
    """A few teams, those that said how they help first, in one section; then how many
    more there are and where to read them all."""
    described = [row for row in directory if row[1]] + [row for row in directory if not row[1]]
    heading, lines = "*How each team helps sell*", []
    for name, description in described[:WELCOME_TEAMS]:
        line = _line(name, description)
        tail = f"…and {len(directory) - len(lines) - 1} more: `/sells dept` lists them all."
        if len("\n".join([heading, *lines, line, tail])) > SECTION_LIMIT:
            break
        lines.append(line)
    if len(lines) < len(directory):
        lines.append(f"…and {len(directory) - len(lines)} more: `/sells dept` lists them all.")
    return "\n".join([heading, *lines])


def welcome(
    directory: Sequence[tuple[str, str | None]],
    sessions: Sequence[SessionInfo],
    *,
    reaction: str = "handshake",
) -> tuple[str, list[dict]]:
    """The welcome DM: what everybody sells means here, how to log an assist, who does what."""
    intro = (
        ":wave: *Welcome! Here, everybody sells.*\n"
        "• Selling is a loop: pre-sale, sale, post-sale, resale. Every team helps at some stage.\n"
        "• Support, engineering, finance… when you help a customer or a colleague win one, it counts.\n"
        "• We make that help visible, so people get thanked for it."
    )
    how = (
        "*How to log an assist:* `/assist @someone what they did`, or react to their message "
        f"with :{reaction}:. Pass a customer's need to sales with `/referral`."
    )
    blocks = [mrkdwn_section(intro), mrkdwn_section(how)]
    if directory:
        blocks.append(mrkdwn_section(_welcome_directory(directory)))
    if sessions:
        lines = "\n".join(f"• *{safe_mrkdwn(t.title)}*, {when(t)}" for t in sessions[:3])
        blocks.append(mrkdwn_section(f"*Sessions to join, to learn what each team does*\n{lines}"))
    return "Welcome! Here, everybody sells.", blocks


def pulse_question(period: str) -> tuple[str, list[dict]]:
    """This week's customer-passion question, with the button that opens its form."""
    text = f":sparkles: A quick question, from the customer-passion pulse: *{PULSE_QUESTION}*"
    answer = button(PULSE_ACTION, "Answer", period, "primary")
    return text, [mrkdwn_section(text), actions_block([answer])]


def pulse_modal(period: str) -> dict:
    """The answer form; `period` travels in its metadata."""
    share = option("share", "It may feature in the weekly digest, with my name")
    blocks = [
        text_input("answer", PULSE_QUESTION, max_length=ANSWER_LENGTH, multiline=True),
        checkbox_input("share", "Sharing", share),
    ]
    return modal(
        PULSE_MODAL, "Customer passion", blocks, submit="Send", metadata={"period": period}
    )

"""Block Kit for welcoming new people and for the customer-passion pulse."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.kit import (
    actions_block,
    button,
    checkbox_input,
    modal,
    mrkdwn_section,
    option,
    text_input,
)
from bot.blocks.sessions import when
from bot.blocks.text import safe_mrkdwn
from models.knowledge_sessions import SessionInfo
from models.pulse import ANSWER_LENGTH

PULSE_ACTION = "pulse_answer"
PULSE_MODAL = "pulse_modal"
PULSE_QUESTION = "What's one thing that really gets you excited about our customers?"


def directory_lines(rows: Sequence[tuple[str, str | None]]) -> str:
    """Each team and how it helps sell, one line each (text for a section)."""
    return "\n".join(
        f"• *{safe_mrkdwn(name)}*: {safe_mrkdwn(text) if text else '_no description yet_'}"
        for name, text in rows
    )


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
        blocks.append(
            mrkdwn_section("*How each team helps sell*\n" + directory_lines(directory[:20]))
        )
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

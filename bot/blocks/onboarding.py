"""Block Kit for welcoming new people and for the customer-passion pulse."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.blocks.kit import mrkdwn_section, plain_text
from bot.blocks.sessions import when
from bot.blocks.text import safe_mrkdwn
from models.knowledge_sessions import KnowledgeSession
from models.pulse import ANSWER_LENGTH

PULSE_ACTION = "pulse_answer"
PULSE_MODAL = "pulse_modal"
PULSE_QUESTION = "What's one thing that really gets you excited about our customers?"


def directory_lines(rows: Sequence[tuple[str, str | None]]) -> str:
    return "\n".join(
        f"• *{safe_mrkdwn(name)}*: {safe_mrkdwn(text) if text else '_no description yet_'}"
        for name, text in rows
    )


def welcome(
    directory: Sequence[tuple[str, str | None]],
    sessions: Sequence[KnowledgeSession],
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
    text = f":sparkles: A quick question, from the customer-passion pulse: *{PULSE_QUESTION}*"
    return text, [
        mrkdwn_section(text),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": PULSE_ACTION,
                    "text": plain_text("Answer"),
                    "value": period,
                    "style": "primary",
                }
            ],
        },
    ]


def pulse_modal(period: str) -> dict:
    return {
        "type": "modal",
        "callback_id": PULSE_MODAL,
        "private_metadata": json.dumps({"period": period}),
        "title": plain_text("Customer passion"),
        "submit": plain_text("Send"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "answer",
                "label": plain_text(PULSE_QUESTION),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": ANSWER_LENGTH,
                },
            },
            {
                "type": "input",
                "block_id": "share",
                "optional": True,
                "label": plain_text("Sharing"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {
                            "text": plain_text("It may feature in the weekly digest, with my name"),
                            "value": "share",
                        }
                    ],
                },
            },
        ],
    }

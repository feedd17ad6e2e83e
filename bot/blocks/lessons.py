"""Block Kit for lessons from loud mistakes: failed experiments whose lesson is shared."""

from __future__ import annotations

import json

from bot.blocks.kit import plain_text
from models.assists import MAX_LENGTHS

LESSON_MODAL = "lesson_modal"
LESSON_LENGTHS = {"experiment": 150, "happened": 700, "learned": 600}


def _input(block_id: str, label: str, multiline: bool, hint: str | None = None) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": LESSON_LENGTHS[block_id],
        },
    }
    if hint:
        block["hint"] = plain_text(hint)
    return block


SHARE = "share"


def lesson_modal(channel_id: str | None, share: bool = True) -> dict:
    """`/sells lesson`: the experiment, what happened, what we learned, who was involved.

    `share`: whether the "share the story" box starts ticked; it does not when the form
    was opened in a private conversation, whose stories stay private unless ticked."""
    share_box: dict = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [_share_option()],
    }
    if share:
        share_box["initial_options"] = [_share_option()]
    assert sum(LESSON_LENGTHS.values()) + 10 <= MAX_LENGTHS["description"]
    return {
        "type": "modal",
        "callback_id": LESSON_MODAL,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": plain_text("Share a lesson"),
        "submit": plain_text("Share it"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Make loud mistakes: a failed experiment with a lesson saves the next team the trouble. "
                        "Lessons are celebrated in the digest and never ranked.",
                    }
                ],
            },
            _input("experiment", "The experiment", False, "What did you try?"),
            _input("happened", "What happened", True),
            _input("learned", "What we learned", True),
            {
                "type": "input",
                "block_id": "involved",
                "optional": True,
                "label": plain_text("Who else was involved?"),
                "element": {"type": "multi_users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": SHARE,
                "optional": True,
                "label": plain_text("Who may read the story"),
                "element": share_box,
            },
        ],
    }


def _share_option() -> dict:
    return {
        "text": plain_text("Share it in public posts, such as the digest"),
        "description": plain_text("Unticked, the digest says only that a lesson was shared."),
        "value": SHARE,
    }


def lesson_text(experiment: str, happened: str, learned: str) -> str:
    return f"{experiment}: {happened} Lesson: {learned}"

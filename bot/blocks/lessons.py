"""Block Kit for lessons from loud mistakes: failed experiments whose lesson is shared."""

from __future__ import annotations

from bot.blocks.kit import checkbox_input, context_block, modal, option, people_input, text_input
from models.assists import MAX_LENGTHS

LESSON_MODAL = "lesson_modal"
LESSON_LENGTHS = {"experiment": 150, "happened": 700, "learned": 600}
SHARE = "share"

INTRO = (
    "Make loud mistakes: a failed experiment with a lesson saves the next team the trouble. "
    "Lessons are celebrated in the digest and never ranked."
)


def _story_input(block_id: str, label: str, multiline: bool, hint: str | None = None) -> dict:
    return text_input(
        block_id, label, max_length=LESSON_LENGTHS[block_id], multiline=multiline, hint=hint
    )


def lesson_modal(channel_id: str | None, share: bool = True) -> dict:
    """`/sells lesson`: the experiment, what happened, what we learned, who was involved.

    `share`: whether the "share the story" box starts ticked; it does not when the form
    was opened in a private conversation, whose stories stay private unless ticked."""
    assert sum(LESSON_LENGTHS.values()) + 10 <= MAX_LENGTHS["description"]
    share_it = option(
        SHARE,
        "Share it in public posts, such as the digest",
        "Unticked, the digest says only that a lesson was shared.",
    )
    blocks = [
        context_block(INTRO),
        _story_input("experiment", "The experiment", False, "What did you try?"),
        _story_input("happened", "What happened", True),
        _story_input("learned", "What we learned", True),
        people_input("involved", "Who else was involved?", optional=True),
        checkbox_input(SHARE, "Who may read the story", share_it, ticked=share),
    ]
    return modal(
        LESSON_MODAL,
        "Share a lesson",
        blocks,
        submit="Share it",
        metadata={"channel_id": channel_id},
    )


def lesson_text(experiment: str, happened: str, learned: str) -> str:
    """A lesson's three answers as the one description an assist keeps."""
    return f"{experiment}: {happened} Lesson: {learned}"

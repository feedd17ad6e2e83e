"""Block Kit for the weekly "Who helped you this week?" DM and what answering it says."""

from __future__ import annotations

from bot.blocks.kit import (
    actions_block,
    button,
    checkbox_input,
    confirm_dialog,
    context_block,
    mrkdwn_section,
    note_message,
    option,
    people_input,
    select_input,
    text_input,
)
from bot.blocks.text import kind_label
from models.prompts import NOTE_LENGTH, PROMPT_KINDS

# The buttons under the question; each carries the period (ISO week) it was asked for.
PROMPT_CREDIT_ACTION = "prompt_credit"
PROMPT_NOBODY_ACTION = "prompt_nobody"
PROMPT_STOP_ACTION = "prompt_stop"
QUESTION = "Who helped you this week?"
OPT_IN = "`/sells prompts on`"

NOBODY = "Thanks for answering: nobody this week is an answer too. Nothing was recorded."
STOPPED = "Done: I won't ask you again. Changed your mind? " + OPT_IN + " brings the question back."


def prompt_question(period: str) -> tuple[str, list[dict]]:
    """The weekly DM: who helped, how, in one line, credited from the message itself;
    or nobody this week; or stop asking. The inputs travel back with the buttons' clicks."""
    text = f":raised_hands: {QUESTION}"
    intro = (
        f":raised_hands: *{QUESTION}*\n"
        "A colleague who unblocked you, answered a customer with you, or shared what they "
        "know: credit them here and they'll hear about it."
    )
    kinds = [option(k.value, kind_label(k.value)) for k in PROMPT_KINDS]
    private = option("private", "Keep the note out of public posts")
    stop = confirm_dialog(
        "Stop asking me?",
        "You won't get this question again, until you send /sells prompts on.",
        "Stop asking",
        "Keep asking",
    )
    blocks = [
        mrkdwn_section(intro),
        people_input("recipients", "Who helped you?"),
        select_input("kind", "What kind of help", kinds, initial=PROMPT_KINDS[0].value),
        text_input(
            "note",
            "What did they do? (one line)",
            max_length=NOTE_LENGTH,
            placeholder="Joined the call with Acme and fixed their login on the spot",
        ),
        checkbox_input("privacy", "Privacy", private, ticked=True),
        actions_block(
            [
                button(PROMPT_CREDIT_ACTION, "Credit them", period, "primary"),
                button(PROMPT_NOBODY_ACTION, "Nobody this week", period),
                button(PROMPT_STOP_ACTION, "Stop asking me", period, confirm=stop),
            ],
            block_id="prompt_buttons",
        ),
        context_block("A few people are asked each week, drawn at random."),
    ]
    return text, blocks


def nobody_message() -> tuple[str, list[dict]]:
    """What the question turns into after [Nobody this week]."""
    return note_message(NOBODY)


def stopped_message() -> tuple[str, list[dict]]:
    """What the question turns into after [Stop asking me]: and how to undo it."""
    return note_message(STOPPED)


def prompt_problem(problem: str) -> str:
    """Why the answer could not be recorded as given; the question stays for another try."""
    return f":warning: {problem}"

"""The few Block Kit pieces every builder uses, with Slack's size limits applied."""

from __future__ import annotations

from bot.blocks.text import truncate

SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section's text
OPTION_LIMIT = 75  # and 75 in an option's label


def plain_text(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn_section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def context_block(text: str) -> dict:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}],
    }


def header_block(text: str) -> dict:
    return {"type": "header", "text": plain_text(truncate(text, 150))}


def option(value: str, label: str) -> dict:
    return {"text": plain_text(truncate(label, OPTION_LIMIT)), "value": value}


def button(action_id: str, label: str, value: str | None = None, style: str | None = None) -> dict:
    made: dict = {"type": "button", "action_id": action_id, "text": plain_text(label)}
    if value is not None:
        made["value"] = value
    if style:
        made["style"] = style
    return made


def sorry_view() -> dict:
    """What a form turns into when saving it failed on our side."""
    return {
        "type": "modal",
        "title": plain_text("Something went wrong"),
        "close": plain_text("Close"),
        "blocks": [
            mrkdwn_section(
                "Sorry, I couldn't save this form. The problem has been logged; "
                "please try again in a minute."
            )
        ],
    }

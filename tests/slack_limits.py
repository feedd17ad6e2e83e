"""What Slack would refuse: a message or view checked with slack_sdk's own block models,
plus the documented limits those models do not check (counts, lengths, option lists)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT_LIMIT = 40_000  # chat.postMessage `text`
SECTION_TEXT = 3_000
FIELD_TEXT = 2_000
FIELDS = 10
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
OPTIONS = 100
OPTION_TEXT = 75
BUTTON_TEXT = 75
HEADER_TEXT = 150
VIEW_TITLE = 24
PRIVATE_METADATA = 3_000
CHECKBOX_OPTIONS = 10
PLACEHOLDER = 150


def problems_in_message(text: str, blocks: list[dict] | None) -> list[str]:
    """Why Slack would refuse this message (chat.postMessage, chat.update, an ephemeral)."""
    found = []
    if not text:
        found.append("no top-level text (notifications and screen readers need it)")
    if len(text) > TEXT_LIMIT:
        found.append(f"top-level text has {len(text)} characters (> {TEXT_LIMIT})")
    if blocks is not None:
        if len(blocks) > MESSAGE_BLOCKS:
            found.append(f"{len(blocks)} blocks (> {MESSAGE_BLOCKS})")
        found += _blocks(blocks)
    return found


def problems_in_view(view: dict) -> list[str]:
    """Why Slack would refuse this modal or Home (views.open, views.publish)."""
    found = []
    try:
        View(**view).validate_json()
    except Exception as error:  # SlackObjectFormationError and type errors alike
        found.append(f"view: {error}")
    if len(view.get("blocks", [])) > VIEW_BLOCKS:
        found.append(f"{len(view['blocks'])} blocks in a view (> {VIEW_BLOCKS})")
    for key in ("title", "submit", "close"):
        if key in view and len(view[key]["text"]) > VIEW_TITLE:
            found.append(f"{key} {view[key]['text']!r} over {VIEW_TITLE} characters")
    if len(view.get("private_metadata", "")) > PRIVATE_METADATA:
        found.append(f"private_metadata over {PRIVATE_METADATA} characters")
    return found + _blocks(view.get("blocks", []))


def _blocks(blocks: list[dict]) -> list[str]:
    found = []
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        try:
            Block.parse(block).validate_json()
        except Exception as error:
            found.append(f"{where}: {error}")
        found += [f"{where}: {p}" for p in _limits(block)]
    return found


def _limits(block: dict) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        if len(block.get("text", {}).get("text", "")) > SECTION_TEXT:
            yield f"section text over {SECTION_TEXT} characters"
        fields = block.get("fields") or []
        if len(fields) > FIELDS:
            yield f"{len(fields)} fields (> {FIELDS})"
        for field in fields:
            if len(field.get("text", "")) > FIELD_TEXT:
                yield f"a field over {FIELD_TEXT} characters"
    if kind == "context":
        if len(block.get("elements", [])) > CONTEXT_ELEMENTS:
            yield f"{len(block['elements'])} context elements (> {CONTEXT_ELEMENTS})"
        for element in block.get("elements", []):
            if len(element.get("text", "")) > SECTION_TEXT:
                yield f"context text over {SECTION_TEXT} characters"
    if kind == "actions" and len(block.get("elements", [])) > ACTION_ELEMENTS:
        yield f"{len(block['elements'])} actions (> {ACTION_ELEMENTS})"
    if kind == "header" and len(block.get("text", {}).get("text", "")) > HEADER_TEXT:
        yield f"header over {HEADER_TEXT} characters"
    for element in _elements(block):
        yield from _element_limits(element)


def _elements(value: Any) -> Iterator[dict]:
    if isinstance(value, dict):
        if "action_id" in value or value.get("type") == "button":
            yield value
        for item in value.values():
            yield from _elements(item)
    elif isinstance(value, list):
        for item in value:
            yield from _elements(item)


def _element_limits(element: dict) -> Iterator[str]:
    options = element.get("options") or []
    limit = CHECKBOX_OPTIONS if element.get("type") in {"checkboxes", "radio_buttons"} else OPTIONS
    if len(options) > limit:
        yield f"{element.get('type')} with {len(options)} options (> {limit})"
    for group in element.get("option_groups") or []:
        options = options + group.get("options", [])
    for option in options:
        if len(option.get("text", {}).get("text", "")) > OPTION_TEXT:
            yield f"an option over {OPTION_TEXT} characters"
    if element.get("type") == "button" and len(element["text"]["text"]) > BUTTON_TEXT:
        yield f"button text over {BUTTON_TEXT} characters"
    placeholder = (element.get("placeholder") or {}).get("text", "")
    if len(placeholder) > PLACEHOLDER:
        yield f"placeholder over {PLACEHOLDER} characters"


def assert_message_ok(message: tuple[str, list[dict] | None]) -> None:
    text, blocks = message
    found = problems_in_message(text, blocks)
    assert found == [], "\n".join(found) + "\n" + json.dumps(blocks)[:2000]


def assert_view_ok(view: dict) -> None:
    found = problems_in_view(view)
    assert found == [], "\n".join(found) + "\n" + json.dumps(view)[:2000]

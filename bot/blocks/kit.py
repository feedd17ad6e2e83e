"""The Block Kit pieces every builder uses, with Slack's size limits applied.

Builders compose these; nothing else in the code writes a Block Kit dict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.blocks.text import truncate

SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section's text
OPTION_LIMIT = 75  # and 75 in an option's label
TITLE_LIMIT = 24  # a modal's title, submit and close labels
BUTTON_LIMIT = 75
HEADER_LIMIT = 150


def plain_text(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def mrkdwn_section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(truncate(text, SECTION_LIMIT))}


def fields_section(fields: Sequence[str]) -> dict:
    """A section of short side-by-side fields (Slack takes up to 10, 2,000 characters each)."""
    return {"type": "section", "fields": [mrkdwn(truncate(f, 2000)) for f in fields[:10]]}


def context_block(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(truncate(text, SECTION_LIMIT))]}


def header_block(text: str) -> dict:
    return {"type": "header", "text": plain_text(truncate(text, HEADER_LIMIT))}


def divider() -> dict:
    return {"type": "divider"}


def actions_block(elements: Sequence[dict], block_id: str | None = None) -> dict:
    block: dict = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(value: str, label: str, description: str | None = None) -> dict:
    made = {"text": plain_text(truncate(label, OPTION_LIMIT)), "value": value}
    if description:
        made["description"] = plain_text(truncate(description, OPTION_LIMIT))
    return made


def button(
    action_id: str,
    label: str,
    value: str | None = None,
    style: str | None = None,
    confirm: dict | None = None,
    url: str | None = None,
) -> dict:
    made: dict = {
        "type": "button",
        "action_id": action_id,
        "text": plain_text(truncate(label, BUTTON_LIMIT)),
    }
    if value is not None:
        made["value"] = value
    if style:
        made["style"] = style
    if confirm:
        made["confirm"] = confirm
    if url:
        made["url"] = url  # opens the link; Slack still sends the click, which is acked
    return made


def confirm_dialog(title: str, text: str, confirm: str, deny: str) -> dict:
    return {
        "title": plain_text(title),
        "text": plain_text(text),
        "confirm": plain_text(confirm),
        "deny": plain_text(deny),
    }


def static_select(
    action_id: str, options: Sequence[dict], placeholder: str, initial: str | None = None
) -> dict:
    element: dict = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain_text(placeholder),
        "options": list(options),
    }
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def input_block(
    block_id: str,
    label: str,
    element: dict,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict:
    """A form field. Every element's action_id is `value`: forms read blocks by block id."""
    block: dict = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(truncate(label, 2000)),
        "element": {"action_id": "value", **element},
    }
    if hint:
        block["hint"] = plain_text(hint)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
    dispatch: bool = False,
) -> dict:
    """A text field; `dispatch`: pressing Enter in it sends an action (to fill in the rest)."""
    element: dict = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder)
    if dispatch:
        element["dispatch_action_config"] = {"trigger_actions_on": ["on_enter_pressed"]}
    return input_block(block_id, label, element, optional=optional, hint=hint, dispatch=dispatch)


def select_input(
    block_id: str,
    label: str,
    options: Sequence[dict],
    *,
    initial: str | None = None,
    optional: bool = False,
    placeholder: str = "Choose one",
) -> dict:
    element = static_select("value", options, placeholder, initial)
    return input_block(block_id, label, element, optional=optional)


def people_input(
    block_id: str, label: str, initial: Sequence[str] = (), *, optional: bool = False
) -> dict:
    element: dict = {"type": "multi_users_select", "placeholder": plain_text("Choose people")}
    if initial:
        element["initial_users"] = list(initial)
    return input_block(block_id, label, element, optional=optional)


def url_input(
    block_id: str, label: str, initial: str | None = None, *, hint: str | None = None
) -> dict:
    element: dict = {"type": "url_text_input"}
    if initial:
        element["initial_value"] = initial
    return input_block(block_id, label, element, optional=True, hint=hint)


def checkbox_input(block_id: str, label: str, choice: dict, *, ticked: bool = False) -> dict:
    """One optional checkbox; its value is in `selected_options` when ticked."""
    element: dict = {"type": "checkboxes", "options": [choice]}
    if ticked:
        element["initial_options"] = [choice]
    return input_block(block_id, label, element, optional=True)


def deal_value_input(currency: str | None = None, *, optional: bool = True) -> dict:
    """The deal's value, a decimal of zero or more, in the workspace's currency."""
    label = f"Deal value ({currency})" if currency else "Deal value"
    element = {"type": "number_input", "is_decimal_allowed": True, "min_value": "0"}
    return input_block("deal_value", label, element, optional=optional)


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[dict],
    *,
    submit: str | None = None,
    close: str = "Cancel",
    metadata: dict | None = None,
) -> dict:
    """A modal view; `metadata` travels back in `private_metadata` (as JSON)."""
    view: dict = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(truncate(title, TITLE_LIMIT)),
        "close": plain_text(truncate(close, TITLE_LIMIT)),
        "blocks": list(blocks),
    }
    if submit:
        view["submit"] = plain_text(truncate(submit, TITLE_LIMIT))
    if metadata is not None:
        view["private_metadata"] = json.dumps(metadata)
    return view


def note_message(text: str) -> tuple[str, list[dict]]:
    """The simplest message: one line or paragraph of mrkdwn, as text and as a section."""
    return text, [mrkdwn_section(text)]


def sorry_view() -> dict:
    """What a form turns into when saving it failed on our side."""
    view = modal(
        "sorry",
        "Something went wrong",
        [
            mrkdwn_section(
                "Sorry, I couldn't save this form. The problem has been logged; "
                "please try again in a minute."
            )
        ],
        close="Close",
    )
    del view["callback_id"]
    return view


# --- sessions ---


def accessory_section(text: str, accessory: dict) -> dict:
    """A mrkdwn section with an element beside it (a button on a Home or a DM line)."""
    return {**mrkdwn_section(text), "accessory": accessory}


# --- referrals ---


def user_input(
    block_id: str, label: str, *, optional: bool = False, hint: str | None = None
) -> dict:
    """One person from the workspace (a single users_select)."""
    return input_block(block_id, label, {"type": "users_select"}, optional=optional, hint=hint)


def radio_input(
    block_id: str,
    label: str,
    options: Sequence[dict],
    *,
    initial: str | None = None,
    optional: bool = False,
) -> dict:
    """A short list of choices, all in view (Slack shows up to 10 radio buttons)."""
    element: dict = {"type": "radio_buttons", "options": list(options)}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return input_block(block_id, label, element, optional=optional)


def clip(text: str, limit: int) -> str:
    """`text` shortened at a word break (the same as `truncate`)."""
    return truncate(text, limit)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, each cut between lines, else between
    words; only a word longer than a whole piece is cut, and never inside an escape."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = _before_escape(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    return [p for p in [*pieces, rest] if p.strip()]


def _before_escape(text: str, cut: int) -> int:
    """`cut`, moved back before an `&…;` escape it would split."""
    amp = text.rfind("&", max(cut - 5, 0), cut)
    return amp if amp > 0 and ";" not in text[amp:cut] else cut


def mrkdwn_sections(text: str) -> list[dict]:
    """Mrkdwn longer than one section allows, as as many sections as it takes."""
    return [{"type": "section", "text": mrkdwn(piece)} for piece in split_text(text)]


def text_message(text: str) -> tuple[str, list[dict]]:
    """A message that is one paragraph of mrkdwn: the same words notify and show."""
    return text, mrkdwn_sections(text)


# --- size-b ---


def plain_clip(text: str, limit: int) -> str:
    """Plain text (a header, a field's label) shortened to `limit` at a word break, with "…".
    Unlike `truncate`, made for mrkdwn, it takes `&` and `<` for the letters they are in
    plain text, so "R&D" is never cut after its R."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip() + "…"


# --- size-c ---

MESSAGE_BLOCKS = 50  # Slack's most blocks in a message (a view takes 100)
OPTIONS_LIMIT = 100  # and options in a static select
PICKER_LIMIT = 100  # people preselected in a form's people picker


def summarised(
    items: Sequence[str], room: int, *, at_most: int | None = None, more: str = "more"
) -> str:
    """ "a, b and c"; or the first items that fit in `room` characters (and at most
    `at_most` of them) and "and 198 more": never cut inside an item."""
    if not items:
        return ""
    limit = len(items) if at_most is None else max(at_most, 1)
    if len(items) <= limit:
        whole = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        if len(whole) <= room:
            return whole
    shown, used = 0, 0
    for item in items[:limit]:
        grown = used + (2 if shown else 0) + len(item)
        if grown + len(f" and {len(items) - shown - 1} {more}") > room:
            break
        shown, used = shown + 1, grown
    if not shown:
        return f"{len(items)} {more}"
    return ", ".join(items[:shown]) + f" and {len(items) - shown} {more}"


def people_summary(user_ids: Sequence[str], room: int, *, at_most: int | None = None) -> str:
    """Everyone's mention, or as many as fit and "and 1 other" / "and 198 others"."""
    text = summarised([f"<@{u}>" for u in user_ids], room, at_most=at_most, more="others")
    return text.replace(" and 1 others", " and 1 other")


def line_sections(
    lines: Sequence[str],
    *,
    max_blocks: int = MESSAGE_BLOCKS,
    more: str = "…and {} more.",
) -> list[dict]:
    """Lines packed into as few sections as they fill, never cut inside a line; past
    `max_blocks` sections, the last one ends with `more` (a format for the number of
    lines left out)."""
    groups: list[list[str]] = []
    size = 0
    for line in (truncate(line, SECTION_LIMIT) for line in lines):
        if groups and size + 1 + len(line) <= SECTION_LIMIT:
            groups[-1].append(line)
            size += 1 + len(line)
        else:
            groups.append([line])
            size = len(line)
    if len(groups) > max_blocks:
        groups = groups[:max_blocks]
        kept = sum(len(group) for group in groups)
        last = groups[-1]
        while last and len("\n".join([*last, more.format(len(lines) - kept)])) > SECTION_LIMIT:
            last.pop()
            kept -= 1
        last.append(more.format(len(lines) - kept))
    return [{"type": "section", "text": mrkdwn("\n".join(group))} for group in groups]


def external_select(
    action_id: str, placeholder: str, initial: dict | None = None, *, min_query_length: int = 1
) -> dict:
    """A type-ahead select whose options come from the app's options listener for
    `action_id` (for lists that can outgrow a static select's 100 options)."""
    element: dict = {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": plain_text(truncate(placeholder, 150)),
        "min_query_length": min_query_length,
    }
    if initial:
        element["initial_option"] = initial
    return element

"""Reading Slack payloads: modal values, metadata and mentions in command text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.verification import MalformedPayload
from models.assists import Kind, Stage
from models.user_text import clean_text

# What a date picker can show: from 1970 to the end of 2999.
EARLIEST, LATEST = 0, 32503680000
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# A mention, then a separator only where another mention follows ("@ana, @ben and @cy").
_LEADING_MENTION = re.compile(r"\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>(?:\s*(?:,|&|\band\b)\s*(?=<@))?")
# What Slack's IDs and message timestamps look like.
_ID = re.compile(r"[A-Z0-9]{2,30}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,8}")
PERMALINK_LENGTH = 500


def view_values(view: dict) -> dict[str, Any]:
    """Each input block's value by block id: text, a selected value, or a list of them.

    Text is cleaned of control characters. A value no Slack widget can produce (a select
    whose option is a string, a date no calendar has) raises MalformedPayload."""
    state = view.get("state", {})
    blocks = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(blocks, dict):
        raise MalformedPayload("view.state.values is not an object")
    values: dict[str, Any] = {}
    for block_id, actions in blocks.items():
        if not isinstance(actions, dict) or not all(isinstance(a, dict) for a in actions.values()):
            raise MalformedPayload(f"block {block_id!r} is not an object of actions")
        action = actions.get("value") or next(iter(actions.values()), {})
        values[block_id] = _action_value(block_id, action)
    return values


def _action_value(block_id: str, action: dict) -> Any:
    if "selected_users" in action:
        return _strings(block_id, action["selected_users"])
    if "selected_options" in action:
        return [_option_value(block_id, o) for o in _list(block_id, action["selected_options"])]
    for key in ("selected_user", "selected_conversation", "selected_channel"):
        if key in action:
            return _string_or_none(block_id, action[key])
    if "selected_option" in action:
        option = action["selected_option"]
        return None if option is None else _option_value(block_id, option)
    if "selected_date_time" in action:
        return _timestamp(block_id, action["selected_date_time"])
    value = action.get("value")
    if value is not None and not isinstance(value, str):
        raise MalformedPayload(f"block {block_id!r} has a value that is not text")
    value = clean_text(value).strip() if value else ""
    return value or None


def _list(block_id: str, value: object) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"block {block_id!r} has a selection that is not a list")
    return value


def _strings(block_id: str, value: object) -> list[str]:
    items = _list(block_id, value)
    if not all(isinstance(i, str) for i in items):
        raise MalformedPayload(f"block {block_id!r} has a selection that is not IDs")
    return items


def _string_or_none(block_id: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise MalformedPayload(f"block {block_id!r} has a selection that is not an ID")
    return value or None


def _option_value(block_id: str, option: object) -> str:
    if not (isinstance(option, dict) and isinstance(option.get("value"), str)):
        raise MalformedPayload(f"block {block_id!r} has an option that is not an option")
    return option["value"]


def _timestamp(block_id: str, stamp: object) -> datetime | None:
    if stamp is None:
        return None
    if isinstance(stamp, bool) or not isinstance(stamp, int | str):
        raise MalformedPayload(f"block {block_id!r} has a time that is not a number")
    try:
        seconds = int(stamp)
        if not EARLIEST <= seconds <= LATEST:
            raise ValueError
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise MalformedPayload(f"block {block_id!r} has a time no calendar shows") from None


def view_metadata(view: dict) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def action_number(action: dict) -> int:
    """The record number a button carries as its value (buttons are built with one)."""
    return _number(action.get("value"), "the button's value")


def metadata_number(view: dict, key: str = "id") -> int:
    """A record number the form was opened with, from its private metadata."""
    return _number(view_metadata(view).get(key), f"the form's {key}")


def _number(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    raise MalformedPayload(f"{what} is not a record number")


def split_recipients(text: str) -> tuple[list[str], str]:
    """Whom `/assist @ana what they did` credits, and what they did.

    The people named first ("@ana @ben", "@ana, @ben and @cy") are credited, and a mention
    later in the sentence is part of the story ("... the demo @dan built"). With nobody
    named first ("thanks @ana for the demo"), everyone mentioned is credited. Either way
    the story keeps its later mentions, so the sentence stays whole.
    """
    ids, at = [], 0
    while found := _LEADING_MENTION.match(text, at):
        ids.append(found.group(1))
        at = found.end()
    if ids:
        return list(dict.fromkeys(ids)), text[at:].strip(" ,:-—")
    return list(dict.fromkeys(_USER_MENTION.findall(text))), text.strip()


def split_mentions(text: str) -> tuple[list[str], str]:
    """Every user id mentioned in command text, and the text without them."""
    ids = list(dict.fromkeys(_USER_MENTION.findall(text)))
    rest = _USER_MENTION.sub(" ", text)
    rest = re.sub(r"\s+", " ", rest).strip(" ,:-—")
    return ids, rest


def url_error(url: str | None) -> str | None:
    """A field error for a link people type, or None when it is one plain http(s) link."""
    if url and not url.startswith(("https://", "http://")):
        return "Enter a link that starts with https://"
    # Slack's link syntax is <url|label>: these would let a link show another address.
    if url and any(c in url for c in "<>| \t\n"):
        return "Enter one link, without spaces or any of < > |"
    return None


def parse_kind(value: str | None, default: Kind = Kind.ASSIST) -> Kind:
    try:
        return Kind(value) if value else default
    except ValueError:
        return default


def parse_stage(value: str | None) -> Stage | None:
    try:
        return Stage(value) if value else None
    except ValueError:
        return None


def parse_money(value: str | None) -> Decimal | None:
    """A non-negative amount, or raises ValueError with a message for the field."""
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError("Enter a number, like 12000 or 12000.50") from None
    if not amount.is_finite():  # "NaN", "Infinity": Decimal parses them
        raise ValueError("Enter a number, like 12000 or 12000.50")
    if amount < 0:
        raise ValueError("Enter an amount of zero or more")
    if amount >= Decimal("1e12"):
        raise ValueError("That amount is too large")
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MessageShortcut:
    """What the "Log as assist" message shortcut tells about the message it was used on."""

    trigger_id: str
    giver_id: str
    channel_id: str
    message_ts: str
    author_id: str | None  # None for a bot's or an app's message
    text: str


def message_shortcut(body: dict) -> MessageShortcut:
    """Read a `message_action` payload; MalformedPayload for anything Slack never sends."""
    message, channel, user = body.get("message"), body.get("channel"), body.get("user")
    if not (isinstance(message, dict) and isinstance(channel, dict) and isinstance(user, dict)):
        raise MalformedPayload("a message shortcut without its message, channel or user")
    trigger_id, text, author = body.get("trigger_id"), message.get("text"), message.get("user")
    if not (isinstance(trigger_id, str) and trigger_id):
        raise MalformedPayload("a message shortcut without a trigger_id")
    if not all(_is_id(v) for v in (user.get("id"), channel.get("id"))):
        raise MalformedPayload("a message shortcut whose user or channel is not an ID")
    if not (isinstance(message.get("ts"), str) and _TS.fullmatch(message["ts"])):
        raise MalformedPayload("a message shortcut whose message has no timestamp")
    if (author is not None and not _is_id(author)) or not isinstance(text, str | None):
        raise MalformedPayload("a message shortcut whose message has a malformed user or text")
    return MessageShortcut(
        trigger_id, user["id"], channel["id"], message["ts"], author or None, text or ""
    )


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.fullmatch(value))


def message_origin(view: dict) -> tuple[str | None, str | None]:
    """The message (its timestamp and link) a form was opened from with the shortcut, from
    the form's metadata: (None, None) for a form opened any other way. MalformedPayload
    for values no form of ours carries."""
    meta = view_metadata(view)
    ts, link = meta.get("message_ts"), meta.get("permalink")
    if ts is not None and not (isinstance(ts, str) and _TS.fullmatch(ts)):
        raise MalformedPayload("the form's message_ts is not a message timestamp")
    if link is not None and not (
        isinstance(link, str)
        and link.startswith("https://")
        and len(link) <= PERMALINK_LENGTH
        and url_error(link) is None
    ):
        raise MalformedPayload("the form's permalink is not a link")
    return ts, link

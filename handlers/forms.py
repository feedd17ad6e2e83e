"""Reading Slack payloads: modal values, metadata and mentions in command text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models.assists import Kind, Stage

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# A mention, then a separator only where another mention follows ("@ana, @ben and @cy").
_LEADING_MENTION = re.compile(r"\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>(?:\s*(?:,|&|\band\b)\s*(?=<@))?")


def view_values(view: dict) -> dict[str, Any]:
    """Each input block's value by block id: text, a selected value, or a list of them."""
    values: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        action = actions.get("value") or next(iter(actions.values()), {})
        if "selected_users" in action:
            values[block_id] = action["selected_users"] or []
        elif "selected_user" in action:
            values[block_id] = action["selected_user"]
        elif "selected_conversation" in action:
            values[block_id] = action["selected_conversation"]
        elif "selected_date_time" in action:
            stamp = action["selected_date_time"]
            values[block_id] = None if stamp is None else datetime.fromtimestamp(int(stamp), UTC)
        elif "selected_options" in action:
            values[block_id] = [o["value"] for o in action["selected_options"] or []]
        elif "selected_option" in action:
            option = action["selected_option"]
            values[block_id] = option["value"] if option else None
        else:
            value = action.get("value")
            values[block_id] = value.strip() if isinstance(value, str) and value.strip() else None
    return values


def view_metadata(view: dict) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


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
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise ValueError("Enter a number, like 12000 or 12000.50") from None
    if amount < 0 or not amount.is_finite():
        raise ValueError("Enter an amount of zero or more")
    if amount >= Decimal("1e12"):
        raise ValueError("That amount is too large")
    return amount.quantize(Decimal("0.01"))

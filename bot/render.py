"""Block Kit as plain text for a terminal: `demo`, `digest --preview` and friends.

Pure functions, no Slack calls: mentions become names through a mapping the caller
loads from the database, links show their address, and Slack's mrkdwn markers
(*bold*, _italic_, ~strike~) are stripped so the text reads cleanly; `code` keeps
its backticks because it is something to type. Emoji shortcodes stay as text.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence

WIDTH = 80
FIELD_GAP = 2

# <@U123>, <@U123|ana>, <#C123|general>, <!here>, <!subteam^S1|@team>, <https://x|label>, ...
_TOKEN = re.compile(r"<([^<>]+)>")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_MENTION_ID = re.compile(r"<@([UWB][A-Z0-9]+)(?:\|[^<>]*)?>")
# A marker pair around text, not inside a word: `*bold*` yes, `snake_case_name` no.
_EMPHASIS = [
    re.compile(rf"(?<![\w{m}]){re.escape(m)}(?=\S)([^{m}\n]*?\S){re.escape(m)}(?![\w{m}])")
    for m in "*_~"
]
_HOLD = "\ue000"  # a private-use character, marking text held out of the emphasis rules
_HELD = re.compile(f"{_HOLD}(\\d+){_HOLD}")
_BULLET = re.compile(r"^(\s*(?:[•◦▪\-*]|\d+\.)\s+)")


def render_blocks(
    blocks: Sequence[Mapping], names: Mapping[str, str] | None = None, width: int = WIDTH
) -> str:
    """The blocks of one message or modal as text, one paragraph per block."""
    names = names or {}
    parts = [_render_block(block, names, width) for block in blocks]
    return "\n\n".join(part for part in parts if part)


def render_mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as plain text: names for mentions, visible links, no emphasis markers."""
    names = names or {}
    kept: list[str] = []

    def hold(value: str) -> str:
        kept.append(value)
        return f"{_HOLD}{len(kept) - 1}{_HOLD}"

    # The placeholder's character can't come from the text: any such is dropped first.
    text = text.replace(_HOLD, "")
    text = _CODE.sub(lambda m: hold(html.unescape(m.group(0))), text)
    text = _TOKEN.sub(lambda m: hold(_token(m.group(1), names)), text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = html.unescape(text)
    return _HELD.sub(lambda m: kept[int(m.group(1))], text)


def mentioned_user_ids(blocks: Iterable[Mapping]) -> set[str]:
    """Every user mentioned anywhere in `blocks`, so callers can load just those names."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.update(_MENTION_ID.findall(value))
        elif isinstance(value, Mapping):
            if value.get("type") == "user" and isinstance(value.get("user_id"), str):
                found.add(value["user_id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(list(blocks))
    return found


def _token(inner: str, names: Mapping[str, str]) -> str:
    """One `<...>` token as a reader would see it in Slack."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label or names.get(target[1:]) or target[1:])
    if target.startswith("!"):
        return _special(target[1:], label)
    if not label or label == target:
        return target.removeprefix("mailto:") if target.startswith("mailto:") else target
    if target.startswith("mailto:"):
        address = target.removeprefix("mailto:")
        return label if label == address else f"{label} ({address})"
    return f"{label} ({target})"


def _special(command: str, label: str) -> str:
    """`<!here>`, `<!subteam^S1|@team>`, `<!date^...|fallback>`."""
    if command in {"here", "channel", "everyone"}:
        return f"@{command}"
    if command.startswith("subteam^"):
        return label if label.startswith("@") else "@" + (label or command.split("^", 1)[1])
    return label or command


def _text(obj: Mapping | None, names: Mapping[str, str]) -> str:
    """A text object (plain_text or mrkdwn) as plain text."""
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return render_mrkdwn(text, names)
    return text


def _render_block(block: Mapping, names: Mapping[str, str], width: int) -> str:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"), names)
        return f"{title}\n{'=' * min(len(title), width)}"
    if kind == "divider":
        return "-" * width
    if kind == "section":
        return _section(block, names, width)
    if kind == "context":
        items = [_element(e, names) for e in block.get("elements", [])]
        return _wrap("  ".join(i for i in items if i), width)
    if kind == "actions":
        return _wrap(" ".join(_element(e, names) for e in block.get("elements", [])), width)
    if kind == "image":
        return _image(block, names)
    if kind == "input":
        label = _text(block.get("label"), names)
        return f"{label}: {_element(block.get('element') or {}, names)}"
    if kind == "rich_text":
        return _wrap(_rich_text(block.get("elements", []), names), width)
    return _wrap(_text(block.get("text"), names), width)


def _section(block: Mapping, names: Mapping[str, str], width: int) -> str:
    parts: list[str] = []
    if block.get("text"):
        parts.append(_wrap(_text(block["text"], names), width))
    if block.get("fields"):
        parts.append(_fields([_text(f, names) for f in block["fields"]], width))
    accessory = block.get("accessory")
    if accessory:
        parts.append(_element(accessory, names))
    return "\n".join(p for p in parts if p)


def _fields(fields: Sequence[str], width: int) -> str:
    """Fields two by two, side by side like Slack shows them, stacked if they don't fit."""
    column = (width - FIELD_GAP) // 2
    rows: list[str] = []
    for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
        a, b = left.splitlines() or [""], right.splitlines() or [""]
        if max(len(line) for line in (*a, *b)) > column:
            rows.extend(_wrap(f, width) for f in (left, right) if f)
            continue
        height = max(len(a), len(b))
        a, b = a + [""] * (height - len(a)), b + [""] * (height - len(b))
        rows.extend(f"{x:<{column + FIELD_GAP}}{y}".rstrip() for x, y in zip(a, b, strict=True))
    return "\n".join(rows)


def _element(element: Mapping, names: Mapping[str, str]) -> str:
    """An interactive or context element: buttons as [Label], menus with their choice."""
    kind = element.get("type")
    if kind in {"mrkdwn", "plain_text"}:
        return _text(element, names)
    if kind == "image":
        return _image(element, names)
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind and (kind.endswith("select") or kind == "overflow"):
        chosen = element.get("initial_option") or {}
        return f"[{_text(chosen.get('text') or element.get('placeholder'), names) or '…'} ▾]"
    if kind in {"checkboxes", "radio_buttons"}:
        chosen = [o.get("value") for o in element.get("initial_options") or []]
        chosen.append((element.get("initial_option") or {}).get("value"))
        return "  ".join(
            f"[{'x' if o.get('value') in chosen else ' '}] {_text(o.get('text'), names)}"
            for o in element.get("options", [])
        )
    if element.get("initial_value"):
        return str(element["initial_value"])
    return f"[{_text(element.get('placeholder'), names) or '…'}]"


def _image(image: Mapping, names: Mapping[str, str]) -> str:
    title = _text(image.get("title"), names)
    alt = image.get("alt_text") or title
    return f"[image: {alt}]" if alt else ""


def _rich_text(elements: Sequence[Mapping], names: Mapping[str, str]) -> str:
    """The common parts of rich_text: sections, lists, quotes, preformatted text."""
    out: list[str] = []
    for element in elements:
        kind = element.get("type")
        inner = element.get("elements", [])
        if kind == "rich_text_list":
            out.extend(f"• {_rich_text([item], names)}" for item in inner)
        elif kind == "rich_text_quote":
            out.append("> " + _rich_text(inner, names))
        elif kind in {"rich_text_section", "rich_text_preformatted"}:
            out.append("".join(_rich_leaf(leaf, names) for leaf in inner))
        else:
            out.append(_rich_leaf(element, names))
    return "\n".join(out)


def _rich_leaf(leaf: Mapping, names: Mapping[str, str]) -> str:
    kind = leaf.get("type")
    if kind == "user":
        return "@" + names.get(leaf.get("user_id", ""), leaf.get("user_id", ""))
    if kind == "channel":
        return "#" + names.get(leaf.get("channel_id", ""), leaf.get("channel_id", ""))
    if kind == "link":
        url, label = leaf.get("url", ""), leaf.get("text")
        return f"{label} ({url})" if label and label != url else url
    if kind == "emoji":
        return f":{leaf.get('name', '')}:"
    return str(leaf.get("text", ""))


def _wrap(text: str, width: int) -> str:
    """Wrap each line to `width`, keeping bullets and their hanging indent."""
    lines: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            lines.append(line)
            continue
        bullet = _BULLET.match(line)
        indent = " " * len(bullet.group(1)) if bullet else ""
        lines.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)

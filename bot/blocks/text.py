"""Making user text safe to re-post, and small mrkdwn helpers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from models.assists import Kind, Stage

PRIVATE_PLACEHOLDER = "_in a private conversation_"

# <!channel>, <!here|here>, <!everyone>, <!subteam^S123|@team>: would ping many people.
_BROADCAST = re.compile(
    r"<!(channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>"
)
# Tokens Slack itself put in command text and that are safe to keep: users, channels, links.
_SAFE_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+)(?:\|[^<>]*)?>|<https?://[^<>\s]+>")

_TOKEN_OR_MARKUP = re.compile(rf"({_SAFE_TOKEN.pattern})|[&<>]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

KIND_LABELS = {
    Kind.ASSIST: "Assist",
    Kind.WIN: "Win",
    Kind.REFERRAL: "Referral",
    Kind.SERVICE: "Service",
    Kind.INSIGHT: "Insight",
    Kind.SESSION: "Session",
    Kind.LESSON: "Lesson",
}
KIND_EMOJI = {
    Kind.ASSIST: ":handshake:",
    Kind.WIN: ":trophy:",
    Kind.REFERRAL: ":incoming_envelope:",
    Kind.SERVICE: ":hammer_and_wrench:",
    Kind.INSIGHT: ":bulb:",
    Kind.SESSION: ":teacher:",
    Kind.LESSON: ":books:",
}
STAGE_LABELS = {
    Stage.PRE_SALE: "Pre-sale",
    Stage.SALE: "Sale",
    Stage.POST_SALE: "Post-sale",
    Stage.RESALE: "Resale",
}


def neutralise_broadcasts(text: str) -> str:
    """Turn @channel/@here/@everyone and group mentions into plain words that ping nobody."""

    def plain(match: re.Match[str]) -> str:
        if match.group(1):
            return f"@\u200b{match.group(1)}"
        return (match.group(2) or "@group").replace("@", "@\u200b")

    return _BROADCAST.sub(plain, text)


def safe_mrkdwn(text: str) -> str:
    """User text ready to quote: no broadcast pings, no stray markup, mentions kept.

    One pass keeps Slack's own tokens and escapes every other `&`, `<` and `>`, so no
    placeholder exists that user text could collide with."""
    return _TOKEN_OR_MARKUP.sub(
        lambda m: m.group(1) or _ESCAPES[m.group(0)], neutralise_broadcasts(text)
    )


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: list[str] | tuple[str, ...]) -> str:
    names = [mention(u) for u in user_ids]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS[Kind(kind)]
    except ValueError:
        return kind


def stage_label(stage: str | None) -> str:
    if not stage:
        return "stage not set"
    try:
        return STAGE_LABELS[Stage(stage)]
    except ValueError:
        return stage


def kind_emoji(kind: str) -> str:
    try:
        return KIND_EMOJI[Kind(kind)]
    except ValueError:
        return ":star:"


def truncate(text: str, limit: int) -> str:
    """`text`, or as much as fits in `limit` characters with "…": cut at a word break, and
    never inside an escape (`&amp;`) or a Slack token (`<@U123>`, `<https://…|label>`)."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    gap = max(text.rfind(" ", 0, cut + 1), text.rfind("\n", 0, cut + 1))
    if gap >= limit // 2:
        cut = gap
    opened, closed = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
    if opened > closed:
        cut = opened
    amp = text.rfind("&", max(cut - 6, 0), cut)
    if amp >= 0 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut].rstrip() + "…"


def listed(items: Sequence[str], room: int, one: str = "more", many: str | None = None) -> str:
    """ "a, b and c", or as many as fit in `room` characters and "and 198 more": a long
    list is summarised, never cut inside an item. `one`/`many` name what is left over
    ("other"/"others"); when not even one item fits, the count alone ("300 others")."""
    if not items:
        return ""
    many = many or one
    everyone = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    if len(everyone) <= room:
        return everyone

    def rest(count: int) -> str:
        return f"{count} {one if count == 1 else many}"

    shown, used = 0, 0
    for item in items:
        grown = used + (2 if shown else 0) + len(item)
        if grown + len(" and ") + len(rest(len(items) - shown - 1)) > room:
            break
        shown, used = shown + 1, grown
    if shown == 0:
        return rest(len(items))
    return ", ".join(items[:shown]) + " and " + rest(len(items) - shown)


def people_named(user_ids: Sequence[str], room: int = 2000) -> str:
    """Everyone's mention ("@a, @b and @c"), or as many as fit and "and 298 others"."""
    named = listed([mention(u) for u in user_ids], room, "other", "others")
    return named if "<@" in named or not user_ids else plural(len(user_ids), "person", "people")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def slack_date(when: datetime, fallback_format: str = "%d %b %Y %H:%M UTC") -> str:
    """A time each reader sees in their own time zone."""
    stamp = int(when.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{when:{fallback_format}}>"


def money(value: Decimal, currency: str | None = None) -> str:
    """`48,000 EUR`, `1,250.50 USD`: a deal's value in the workspace's currency."""
    amount = f"{value:,.2f}" if value % 1 else f"{value:,.0f}"  # 48,000 or 48,000.50
    return f"{amount} {currency}" if currency else amount

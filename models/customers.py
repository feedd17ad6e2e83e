"""One customer, however it is typed: "Acme, Inc.", "ACME Inc" and "acme" are the same;
and the known customers a message names."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.assists import Assist
from models.referrals import Referral

# Slack's markup in message text: a mention, a channel or a broadcast (never a customer),
# and a link with its label (the label is what people read).
_MARKUP = re.compile(r"<[@#!][^>]*>")
_LABELLED_LINK = re.compile(r"<[^>|]*\|([^>]*)>")
_LINK = re.compile(r"<[^>]*>")
# A customer is named in at most this many words ("the first national bank of …").
MOST_WORDS = 12

# Legal forms and filler words that say nothing about which customer it is.
SUFFIXES = frozenset(
    {
        "ab", "ag", "as", "asa", "bv", "co", "company", "corp", "corporation", "gmbh", "group",
        "holding", "holdings", "inc", "incorporated", "kg", "kk", "limited", "llc", "llp", "lp",
        "ltd", "nv", "oy", "oyj", "plc", "pte", "pty", "sa", "sarl", "sas", "spa", "srl",
    }
)  # fmt: skip


def customer_key(name: str | None) -> str:
    """The customer's name without case, accents, punctuation, a leading "the" or legal
    forms at the end; "" when nothing is left."""
    if not name:
        return ""
    words = _words(name)
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def search_word(key: str) -> str:
    """The longest word of a key: what a stored name must contain to be worth comparing."""
    return max(key.split(), key=len, default="")


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def known_customers(session: Session, team_id: str, since: datetime) -> list[str]:
    """The customers named by assists (not revoked) and referrals since `since`, each name
    once, the most recently used first."""
    assists = session.execute(
        select(Assist.customer, func.max(Assist.created_at))
        .where(
            Assist.team_id == team_id,
            Assist.created_at >= since,
            Assist.revoked_at.is_(None),
            Assist.customer.is_not(None),
        )
        .group_by(Assist.customer)
    )
    referrals = session.execute(
        select(Referral.customer, func.max(Referral.created_at))
        .where(Referral.team_id == team_id, Referral.created_at >= since)
        .group_by(Referral.customer)
    )
    used = sorted([*assists, *referrals], key=lambda row: row[1], reverse=True)
    return list(dict.fromkeys(name for name, _ in used if name and name.strip()))


def customer_named_in(text: str, customers: Sequence[str]) -> str | None:
    """The one of `customers` that Slack message `text` names, as whole words and in any
    case ("ACME's renewal" names "Acme Inc."), or None. Mentions, channels and link
    addresses are not read. Of several, the longest name; of equals, the first given."""
    keys = {name: key for name in customers if len(key := customer_key(name)) >= 2}
    if not keys:
        return None
    text = _LINK.sub(" ", _LABELLED_LINK.sub(r" \1 ", _MARKUP.sub(" ", text or "")))
    words = _words(html.unescape(text))
    longest = min(MOST_WORDS, max(len(key.split()) for key in keys.values()))
    phrases = {
        " ".join(words[start : start + size])
        for size in range(1, longest + 1)
        for start in range(len(words) - size + 1)
    }
    best: tuple[int, str] | None = None
    for name, key in keys.items():
        if key in phrases and (best is None or len(key) > best[0]):
            best = (len(key), name)
    return best[1] if best else None

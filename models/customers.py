"""One customer, however it is typed: "Acme, Inc.", "ACME Inc" and "acme" are the same."""

from __future__ import annotations

import re
import unicodedata

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
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def search_word(key: str) -> str:
    """The longest word of a key: what a stored name must contain to be worth comparing."""
    return max(key.split(), key=len, default="")

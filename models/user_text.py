"""Text people type, made safe to store: no NUL or other control characters.

Slack passes through whatever a client sends, and a NUL byte is refused by PostgreSQL
and breaks renderers. Line breaks and tabs stay; everything else in Unicode's control
category goes, and Windows line ends become plain ones.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """`value` without control characters other than newline and tab."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))

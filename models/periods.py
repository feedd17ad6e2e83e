"""Periods that scheduled posts are counted against: one post per period."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DIGEST_WINDOW = timedelta(days=7)


def iso_week(when: datetime, tz: ZoneInfo) -> str:
    """The ISO week of `when` in the workspace's time zone, e.g. `2026-W48`."""
    year, week, _ = when.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"

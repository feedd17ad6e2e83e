"""Periods that scheduled posts are counted against: one post per period."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DIGEST_WINDOW = timedelta(days=7)
# What a digest covers and is recorded against (DIGEST_PERIOD).
DIGEST_PERIODS = ("week", "month")


def iso_week(when: datetime, tz: ZoneInfo) -> str:
    """The ISO week of `when` in the workspace's time zone, e.g. `2026-W48`."""
    year, week, _ = when.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def month_key(when: datetime, tz: ZoneInfo) -> str:
    """The calendar month of `when` in the workspace's time zone, e.g. `2026-11`."""
    return f"{when.astimezone(tz):%Y-%m}"


def digest_start(end: datetime, period: str, tz: ZoneInfo) -> datetime:
    """Where a digest ending at `end` starts: 7 days back, or one month back (the same day
    and time of the previous month in the workspace's time zone, or its last day)."""
    if period == "week":
        return end - DIGEST_WINDOW
    local = end.astimezone(tz)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(end.tzinfo)


def digest_period_key(when: datetime, period: str, tz: ZoneInfo) -> str:
    """What a digest posted at `when` is recorded against: `2026-W48` or `2026-11`."""
    return iso_week(when, tz) if period == "week" else month_key(when, tz)

"""`everybody-sells nudge [--preview]`: this period's manager nudges, now."""

from __future__ import annotations

import argparse

from bot.blocks.nudges import nudge_blocks, week_label
from bot.blocks.text import plural
from bot.commands.digest import job_names
from bot.commands.recognition import recognition
from bot.render import render_blocks
from bot.settings import Settings
from jobs.recognition import nudges_for, run_nudges
from models.base import utcnow


def add_parser(commands: argparse._SubParsersAction) -> None:
    nudge = commands.add_parser(
        "nudge",
        help="send this week's manager nudges (at most once per manager per ISO week)",
        description="Send this week's manager nudges now, at most once per manager per ISO "
        "week. A --preview of a database with no data yet says so and exits 0, creating "
        "nothing.",
    )
    nudge.add_argument("--preview", action="store_true", help="print them instead of sending")


def run(args: argparse.Namespace, settings: Settings) -> int:
    job = recognition(settings, needs_slack=not args.preview)
    now = utcnow()
    if args.preview:
        names = job_names(job)
        period = job.period(now)
        nudges = nudges_for(job, now)
        for nudge in nudges:
            if nudge.empty:  # the real run skips these too
                continue
            _, blocks = nudge_blocks(nudge, week_label(period), now)
            print(f"=== To {names.get(nudge.manager_id, nudge.manager_id)} ===")
            print(render_blocks(blocks, names=names))
            print()
        if quiet := sum(1 for nudge in nudges if nudge.empty):
            print(f"({plural(quiet, 'manager')} with nothing to say would be skipped.)")
        return 0
    result = run_nudges(job, now)
    if result.reason:
        print(f"Nothing sent: {result.reason}.")
        return 0
    print(
        f"Nudges for {result.period}: {result.sent} sent, {result.skipped} skipped "
        f"(nothing to say, paused, or already sent), {result.failed} failed."
    )
    return 1 if result.failed else 0

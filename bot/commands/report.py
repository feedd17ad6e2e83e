"""`everybody-sells report [--out FILE.png] [--months N] [--force]`: the culture report, now."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.recognition import recognition
from bot.report import figures_table, render_chart, report_title
from bot.report_participation import participation_table, participation_title, render_participation
from bot.settings import Settings
from jobs.culture_report import participation_for, report_for, run_report
from models.base import utcnow
from models.culture import MAX_MONTHS, MONTHS


def add_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="upload the culture report chart to the recognition channel (once per month)",
        description="The culture report on the last complete months: the everybody-sells "
        "index and each department's participation by month, and credits per stage. "
        "Uploaded as a chart with the figures as text to RECOGNITION_CHANNEL and recorded "
        "against the current month: a second run in the same month uploads nothing unless "
        "--force. With --out, writes the chart to a file and prints the figures instead.",
    )
    report.add_argument(
        "--out",
        type=Path,
        metavar="FILE.png",
        help="write the chart here (and the participation chart beside it, as "
        "FILE-participation.png) instead of uploading",
    )
    report.add_argument(
        "--months",
        type=_months,
        default=MONTHS,
        help=f"how many months to cover (default {MONTHS}, at most {MAX_MONTHS})",
    )
    report.add_argument(
        "--force", action="store_true", help="upload even if this month's was uploaded"
    )


def _months(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_MONTHS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_MONTHS}")
    return int(value)


def participation_path(out: Path) -> Path:
    """Where `--out report.png` writes the participation chart: `report-participation.png`."""
    return out.with_name(f"{out.stem}-participation{out.suffix or '.png'}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    job = recognition(settings, needs_slack=args.out is None)
    now = utcnow()
    if args.out is not None:
        report = report_for(job, now, months=args.months)
        taking_part = participation_for(job, now, months=args.months)
        second = participation_path(args.out)
        try:
            args.out.write_bytes(render_chart(report))
            second.write_bytes(render_participation(taking_part))
        except OSError as problem:
            where = problem.filename or args.out
            print(f"everybody-sells: cannot write {where}: {problem.strerror}", file=sys.stderr)
            return 1
        print(f"{report_title(report)}\n\n{figures_table(report)}\n\nChart written to {args.out}")
        print(f"\n{participation_title(taking_part)}\n\n{participation_table(taking_part)}")
        print(f"\nChart written to {second}")
        return 0
    result = run_report(job, now, months=args.months, force=args.force)
    if result.posted:
        print(f"Uploaded the culture report to {settings.recognition_channel}.")
        return 0
    print(f"Nothing uploaded: {result.reason}.")
    return 0 if "already" in result.reason else 1

"""`everybody-sells export --format csv [--what …] [--since DATE] [--team T…]`: CSV on stdout.

Needs no Slack token: it only reads the database. Rows are streamed, not collected.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from sqlalchemy import make_url

from bot.settings import Settings
from models.base import utcnow
from models.database import make_engine, make_session_factory, upgrade
from models.export import (
    DEAL_COLUMNS,
    EXPORT_COLUMNS,
    HELP_FLOW_COLUMNS,
    PARTICIPATION_COLUMNS,
    REFERRAL_COLUMNS,
    day_start,
    deal_rows,
    export_rows,
    exported_teams,
    help_flow_rows,
    participation_rows,
    referral_rows,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write credits (or referrals, deals, participation) as CSV to stdout",
        description=(
            "Write one row per active (not revoked) credit to stdout, oldest first, with the"
            f" columns {', '.join(EXPORT_COLUMNS)}. Descriptions of assists logged in private"
            " conversations are left empty."
        ),
    )
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument(
        "--what",
        choices=["credits", "referrals", "deals", "participation", "help-flow"],
        default="credits",
        help="credits (default): one row per active credit; referrals: one row per referral "
        "with the times of its state changes; deals: one row per deal won in the CRM and "
        "confirmed helper, with the departments it counts for; participation: one row per "
        "month and department with the shares giving and receiving, managers and peers "
        "giving, and sessions taught and attended; help-flow: credits per month from each "
        "department to each",
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="only rows from the start of this day (YYYY-MM-DD, in TIMEZONE) onwards; "
        "participation and help-flow start with the whole month that holds it",
    )
    export.add_argument(
        "--team",
        metavar="T…",
        help="the Slack workspace (team) ID; needed only when the database holds several",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    since: datetime | None = None
    if args.since is not None:
        try:
            since = day_start(args.since, settings.timezone)
        except ValueError as problem:
            print(f"everybody-sells: --since: {problem}", file=sys.stderr)
            return 2
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        # Opening it would create an empty database and export nothing from the wrong place.
        print(f"everybody-sells: no database at {missing} (check DATABASE_URL)", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    now, tz = utcnow(), settings.timezone
    columns, rows_of = {
        "referrals": (REFERRAL_COLUMNS, referral_rows),
        "deals": (DEAL_COLUMNS, deal_rows),
        "participation": (
            PARTICIPATION_COLUMNS,
            partial(participation_rows, now=now, tz=tz, sales_department=settings.sales_department),
        ),
        "help-flow": (HELP_FLOW_COLUMNS, partial(help_flow_rows, now=now, tz=tz)),
    }.get(args.what, (EXPORT_COLUMNS, export_rows))
    try:
        upgrade(engine)
        # A long read must not hold SQLite's write lock (writes begin IMMEDIATE) from the bot.
        reader = engine.execution_options(sqlite_begin="DEFERRED")
        with make_session_factory(reader)() as session:
            try:
                team_id = pick_team(exported_teams(session, args.what), args.team)
            except ValueError as problem:
                print(f"everybody-sells: {problem}", file=sys.stderr)
                return 2
            rows = rows_of(session, team_id, since) if team_id else ()
            write_csv(sys.stdout, columns, rows)
    except BrokenPipeError:
        # `export | head`: the reader has gone; stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        engine.dispose()
    return 0


def missing_sqlite_file(database_url: str) -> Path | None:
    """The absolute path of a SQLite database file that does not exist; None otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    path = Path(database).absolute()
    return None if path.exists() else path


def pick_team(teams: list[str], requested: str | None) -> str | None:
    """The workspace to export: the one asked for, else the only one there is."""
    if requested:
        if requested not in teams:
            print(f"everybody-sells: nothing to export for workspace {requested}", file=sys.stderr)
        return requested
    if len(teams) > 1:
        raise ValueError(
            f"the database holds several workspaces ({', '.join(teams)}); pass --team with one"
        )
    if not teams:
        print("everybody-sells: nothing recorded yet; writing the header only", file=sys.stderr)
        return None
    return teams[0]


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write row by row, so memory stays flat however many rows the database streams."""
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    out.flush()

"""`everybody-sells export --format csv [--since DATE] [--team T…]`: credits as CSV on stdout.

Needs no Slack token: it only reads the database. Rows are streamed, not collected.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import make_url

from bot.settings import Settings
from models.database import make_engine, make_session_factory, upgrade
from models.export import (
    DEAL_COLUMNS,
    EXPORT_COLUMNS,
    REFERRAL_COLUMNS,
    day_start,
    deal_rows,
    export_rows,
    exported_teams,
    referral_rows,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write one row per active credit to stdout",
        description=(
            "Write one row per active (not revoked) credit to stdout, oldest first, with the"
            f" columns {', '.join(EXPORT_COLUMNS)}. Descriptions of assists logged in private"
            " conversations are left empty."
        ),
    )
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument(
        "--what",
        choices=["credits", "referrals", "deals"],
        default="credits",
        help="credits (default): one row per active credit; referrals: one row per referral "
        "with the times of its state changes; deals: one row per deal won in the CRM and "
        "confirmed helper, with the departments it counts for",
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="only credits from the start of this day (YYYY-MM-DD, in TIMEZONE) onwards",
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
    columns, rows_of = {
        "referrals": (REFERRAL_COLUMNS, referral_rows),
        "deals": (DEAL_COLUMNS, deal_rows),
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

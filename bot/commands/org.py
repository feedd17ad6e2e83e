"""`everybody-sells org import FILE.csv`: departments and managers from an HR export.

People are found in Slack by email (`users.lookupByEmail`, scope `users:read.email`). Rows
that cannot be resolved are listed and skipped; the rest are imported in one transaction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.blocks.text import plural
from bot.flows.welcomes import send_welcomes
from bot.settings import Settings, SettingsError
from bot.slack.client import build_client
from bot.slack.directory import Directory
from bot.slack.failures import slack_failure
from models.database import make_engine, make_session_factory, upgrade
from models.org_chart import (
    REQUIRED_COLUMNS,
    FileCheck,
    ImportReport,
    OrgChartError,
    OrgRow,
    check_org_chart,
    import_org_chart,
    parse_org_chart,
)
from models.people import PersonInfo
from models.stats import departments

HINTS = {"missing_scope": " (the Slack app needs the users:read.email scope; reinstall it)"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    org = commands.add_parser("org", help="manage the org chart (departments and managers)")
    actions = org.add_subparsers(dest="org_command", required=True)
    importer = actions.add_parser(
        "import",
        help="import departments and managers from a CSV file",
        description=(
            f"Import the org chart from a CSV file with the header {','.join(REQUIRED_COLUMNS)}"
            " (more columns are ignored). People are found in Slack by email; rows that"
            " cannot be resolved are reported and skipped. Importing again updates people."
            " Departments are matched to the org chart's existing spelling whatever their"
            " case ('sales' becomes 'Sales'). An empty department or manager_email keeps the"
            " person's current department or manager; it never clears it."
            " The file is checked before anything else: a file that cannot be imported stops"
            " the command with exit code 2."
        ),
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv", help="the org chart")
    importer.add_argument(
        "--dry-run",
        action="store_true",
        help="only check the file (no Slack token needed, nothing looked up or written) and "
        "say what would be imported and which rows need fixing; exit code 0 when the file "
        "is fine, 2 when it is not",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        rows = read_org_chart(args.file)
    except OrgChartError as problem:
        print(f"everybody-sells: {args.file}: {problem}", file=sys.stderr)
        return 2
    if args.dry_run:
        return dry_run(args.file, rows)
    if not settings.bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set (org import looks people up in Slack; xoxb-...);"
            " `org import --dry-run` checks the file without it"
        )
    try:
        team_id, report = import_file(rows, settings)
    except (SlackApiError, OSError) as error:
        problem = slack_failure(error, settings.slack_api_url, "the import", HINTS)
        if problem is None:
            raise
        print(f"everybody-sells: {problem}", file=sys.stderr)
        return 1
    print(summary(args.file, team_id, len(rows), report))
    if report.welcomed:
        print(f"Sent a welcome DM to {plural(report.welcomed, 'new person', 'new people')}.")
    return 0


def read_org_chart(path: Path) -> list[OrgRow]:
    """Parse the file, turning every way it can be unreadable into an OrgChartError."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            rows = parse_org_chart(lines)
    except FileNotFoundError:
        raise OrgChartError("no such file") from None
    except UnicodeDecodeError:
        raise OrgChartError("is not UTF-8 text (save it as 'CSV UTF-8')") from None
    except OSError as error:
        raise OrgChartError(f"cannot be read ({error.strerror or error})") from None
    if not rows:
        raise OrgChartError("has the header but nobody in it")
    return rows


def dry_run(path: Path, rows: list[OrgRow]) -> int:
    """Print what importing the file would do; exit code 2 when a row needs fixing."""
    check = check_org_chart(rows)
    print(dry_run_summary(path, len(rows), check))
    if check.problems:
        print(
            f"everybody-sells: {path}: {plural(check.problems, 'row')} to fix before importing",
            file=sys.stderr,
        )
        return 2
    return 0


def dry_run_summary(path: Path, rows: int, check: FileCheck) -> str:
    """What the file would import, by department, and every row that needs attention."""
    people = plural(check.people, "person", "people")
    lines = [
        f"Checked {path} (dry run: nothing was looked up in Slack or written): {plural(rows, 'row')},"
        f" {people} to import in {plural(len(check.departments), 'department')},"
        f" {check.with_manager} with a manager; {plural(check.problems, 'row')} to fix."
    ]
    width = max((len(name) for name in check.departments), default=0)
    lines += [
        f"  {name.ljust(width)}  {count}" for name, count in sorted(check.departments.items())
    ]
    if check.without_department:
        lines.append(f"  (no department: {check.without_department})")
    if check.skipped:
        lines.append(f"Would not be imported ({len(check.skipped)}):")
        lines.extend(f"  {problem}" for problem in check.skipped)
    if check.without_manager:
        lines.append(f"Would be imported without a manager ({len(check.without_manager)}):")
        lines.extend(f"  {problem}" for problem in check.without_manager)
    lines.append("The import looks everyone up in Slack by email and reports whom it cannot find.")
    return "\n".join(lines)


def import_file(rows: list[OrgRow], settings: Settings) -> tuple[str, ImportReport]:
    """Resolve everyone through Slack and write the org chart, all in one transaction."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        client = build_client(settings)
        team_id = client.auth_test()["team_id"]
        directory = Directory(sessions)

        def resolve(email: str) -> PersonInfo | None:
            return directory.lookup_email(client, team_id, email)

        with sessions() as session:
            # Only a later import welcomes people: the first one is the whole company.
            had_org_chart = bool(departments(session, team_id))
        with sessions.begin() as session:
            report = import_org_chart(session, team_id, rows, resolve)
        if had_org_chart and report.added:
            report.welcomed = send_welcomes(
                sessions, client, team_id, report.added, settings=settings
            )
        return team_id, report
    finally:
        engine.dispose()


def summary(path: Path, team_id: str, rows: int, report: ImportReport) -> str:
    """A short, readable account of the import, listing every row that needs attention."""
    lines = [
        f"Imported the org chart from {path} into workspace {team_id}: {rows} rows read,"
        f" {report.created} added, {report.updated} updated, {report.unchanged} unchanged,"
        f" {len(report.skipped)} skipped."
    ]
    if report.skipped:
        lines.append(f"Not imported ({len(report.skipped)}):")
        lines.extend(f"  {problem}" for problem in report.skipped)
    if report.without_manager:
        lines.append(f"Imported without a manager ({len(report.without_manager)}):")
        lines.extend(f"  {problem}" for problem in report.without_manager)
    return "\n".join(lines)

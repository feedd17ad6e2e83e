"""The `everybody-sells` command line."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Sequence

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.commands import crm, demo, digest, export, nudge, org, report, scheduler
from bot.commands.recognition import NoDataYet
from bot.database_failures import database_failure
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.failures import slack_failure

SUBCOMMANDS = {
    "crm": crm,
    "digest": digest,
    "nudge": nudge,
    "report": report,
    "scheduler": scheduler,
    "export": export,
    "org": org,
    "demo": demo,
}


RUN_DESCRIPTION = """\
Start the bot: apply pending database migrations, then serve Slack and run the
scheduled jobs until stopped. Ctrl-C or SIGTERM first finishes the work of
requests already acknowledged.

How it talks to Slack:
  SLACK_APP_TOKEN set    Socket Mode: the bot connects out to Slack over a
                         WebSocket; no public URL needed.
  SLACK_APP_TOKEN empty  HTTP mode: listens on $PORT (default 3000) for Slack's
                         commands, events and interactions at /slack/events
                         (Request URL https://<your host>/slack/events);
                         GET /healthz answers 200 while it runs."""

RUN_EPILOG = """\
settings (environment variables, or a .env file in the working directory):
  SLACK_BOT_TOKEN       the bot token (xoxb-...); required
  SLACK_SIGNING_SECRET  required in HTTP mode
  SLACK_APP_TOKEN       the app-level token (xapp-...) for Socket Mode
  PORT                  HTTP port (default 3000)
  DATABASE_URL          sqlite:///everybody_sells.db (default) or
                        postgresql://user:password@host/name
  RECOGNITION_CHANNEL   channel ID (C...) for wins and the digest
  and more (schedules, TIMEZONE, ADMIN_USER_IDS, WORKER_PROCESSES, LOG_LEVEL...):
  each is described in .env.example."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="everybody-sells", description="Everybody Sells: a Slack bot."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="start the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT)",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="serve Slack requests only; run the jobs elsewhere with `everybody-sells scheduler`",
    )

    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )

    for module in SUBCOMMANDS.values():
        module.add_parser(commands)
    name_choices(parser)
    return parser


def name_choices(parser: argparse.ArgumentParser) -> None:
    """In every group of subcommands, a missing one is reported by its choices ("required:
    {upgrade}"), not by the internal name it is stored under (`db_command`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = "{" + ",".join(action.choices) + "}"
            for subparser in action.choices.values():
                name_choices(subparser)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        configure_logging(settings)
        return dispatch(args, settings)
    except SettingsError as problem:
        print(f"everybody-sells: configuration error: {problem}", file=sys.stderr)
        return 2
    except NoDataYet as nothing:
        print(f"everybody-sells: {nothing}", file=sys.stderr)
        return 0  # nothing to preview is not a failure
    except BrokenPipeError:
        # `everybody-sells nudge --preview | head`: the reader left; that is not Slack's fault.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (SlackApiError, BoltError, OSError) as error:
        # Slack unreachable or refusing the token (Bolt's auth.test at start): one line.
        problem = settings and (
            slack_failure(error, settings.slack_api_url) or port_failure(error, settings.port)
        )
        if not problem:
            raise
        print(f"everybody-sells: {problem}", file=sys.stderr)
        return 1
    except (DBAPIError, ArgumentError) as error:
        # The database cannot be opened (not running, no such database, a missing folder).
        problem = settings and database_failure(error, *opened_database(args, settings))
        if not problem:
            raise
        print(f"everybody-sells: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def opened_database(args: argparse.Namespace, settings: Settings) -> tuple[str, str]:
    """The URL of the database the command opens, and the setting that named it."""
    if args.command == "demo":
        return demo.target_url(args.database_url), "--database-url"
    return settings.database_url, "DATABASE_URL"


def port_failure(error: BaseException, port: int) -> str | None:
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return f"port {port} is already in use; stop what listens there or set PORT"
    return None


def configure_logging(settings: Settings) -> None:
    # With several workers, each line says which one wrote it.
    worker = " %(processName)s" if settings.worker_processes > 1 else ""
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s %(levelname)s{worker} %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bolt logs whole request bodies of bad-signature requests at INFO; keep them out of prod logs.
    if settings.log_level != "DEBUG":
        logging.getLogger("everybody_sells.bolt").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        # APScheduler logs every job run at INFO: a line or two every minute.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # waitress warns for every request that waits for a free thread: thousands of
        # lines in a burst that the bot absorbs as designed.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        # slack_sdk narrates each retry of a failed connection at INFO.
        logging.getLogger("slack_sdk.web.base_client").setLevel(logging.WARNING)
        logging.getLogger("slack_sdk.web.base_client").addFilter(_SDK_REPEATS)
    else:
        logging.getLogger("slack_sdk.web.base_client").removeFilter(_SDK_REPEATS)
    logging.getLogger("everybody_sells.bolt").addFilter(_TOKEN_WARNING)


class _Without(logging.Filter):
    """Drops records whose message starts with one of `starts`."""

    def __init__(self, *starts: str) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


# Bolt's App() reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
# that it ignores it; the client carries that same token, so the warning only confuses.
_TOKEN_WARNING = _Without("As you gave `client` as well, `token` will be unused")
# slack_sdk logs these at ERROR and then raises (or retries) the same error, which the caller
# reports: `run` and `org import` in one line, listeners and jobs in their own error logs.
_SDK_REPEATS = _Without(
    "Failed to send a request to Slack API server", "Failed to decode Slack API response"
)


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        from bot.runner import run

        return run(settings, with_scheduler=not args.no_scheduler)
    if args.command == "db":
        print(upgrade_database(settings.database_url))
        return 0
    return SUBCOMMANDS[args.command].run(args, settings)


def upgrade_database(database_url: str) -> str:
    """Apply pending migrations; say how many, and the revision the database is now at."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models.database import alembic_config, make_engine, upgrade

    def revision() -> str | None:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    engine = make_engine(database_url)
    try:
        before = revision()
        upgrade(engine)
        after = revision()
        script = ScriptDirectory.from_config(alembic_config(engine))
    finally:
        engine.dispose()
    if before == after:
        return f"database is already up to date ({after})"
    applied = len(list(script.iterate_revisions(after, before)))
    return f"applied {applied} migration{'' if applied == 1 else 's'} (now at {after})"


if __name__ == "__main__":
    sys.exit(main())

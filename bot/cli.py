"""The `everybody-sells` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.commands import demo, digest, export, nudge, org, scheduler
from bot.settings import Settings, SettingsError, load_settings

SUBCOMMANDS = {
    "digest": digest,
    "nudge": nudge,
    "scheduler": scheduler,
    "export": export,
    "org": org,
    "demo": demo,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="everybody-sells", description="Everybody Sells: a Slack bot."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="start the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT)"
    )
    run.add_argument("--no-scheduler", action="store_true", help="serve Slack requests only")

    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )

    for module in SUBCOMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        return dispatch(args, settings)
    except SettingsError as problem:
        print(f"everybody-sells: configuration error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bolt logs whole request bodies of bad-signature requests at INFO; keep them out of prod logs.
    if settings.log_level != "DEBUG":
        logging.getLogger("everybody_sells.bolt").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        from bot.runner import run

        run(settings, with_scheduler=not args.no_scheduler)
        return 0
    if args.command == "db":
        from models.database import make_engine, upgrade

        upgrade(make_engine(settings.database_url))
        print("database is up to date")
        return 0
    return SUBCOMMANDS[args.command].run(args, settings)


if __name__ == "__main__":
    sys.exit(main())

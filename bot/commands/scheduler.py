"""`everybody-sells scheduler`: run the scheduled jobs without serving Slack requests."""

from __future__ import annotations

import argparse

from bot.settings import Settings


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "scheduler",
        help="run only the scheduled jobs (pair with `run --no-scheduler` instances)",
        description="Run the scheduled jobs (digest, nudges, reminders, the culture report) "
        "without serving Slack requests, next to instances started with "
        "`everybody-sells run --no-scheduler`. Needs SLACK_BOT_TOKEN and the database; "
        "no signing secret or port.",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run_scheduler

    run_scheduler(settings)
    return 0

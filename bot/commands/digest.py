"""`everybody-sells digest [--preview] [--force]`: the recognition digest, now."""

from __future__ import annotations

import argparse

from bot.commands.recognition import recognition
from bot.render import render_blocks
from bot.settings import Settings
from jobs.recognition import Recognition, digest_for, run_digest
from models.base import utcnow
from models.people import names_by_id


def add_parser(commands: argparse._SubParsersAction) -> None:
    digest = commands.add_parser(
        "digest",
        help="post the recognition digest for the last 7 days (once per ISO week), or the "
        "last month with DIGEST_PERIOD=month (once per month)",
        description="Post the digest covering the period that ends now to RECOGNITION_CHANNEL: "
        "the last 7 days, or the last month with DIGEST_PERIOD=month. The run is recorded "
        "against its ISO week (or month): a second run in the same period posts nothing "
        "unless --force. A --preview of a database with no data yet says so and exits 0, "
        "creating nothing.",
    )
    digest.add_argument("--preview", action="store_true", help="print it instead of posting")
    digest.add_argument(
        "--force", action="store_true", help="post even if this period's was posted"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    job = recognition(settings, needs_slack=not args.preview)
    now = utcnow()
    if args.preview:
        _, _, blocks = digest_for(job, now)
        print(render_blocks(blocks, names=job_names(job)))
        return 0
    result = run_digest(job, now, force=args.force)
    if result.posted:
        print(f"Posted the digest for {result.period} to {settings.recognition_channel}.")
        return 0
    print(f"Nothing posted: {result.reason}.")
    return 0 if "already" in result.reason else 1


def job_names(job: Recognition) -> dict[str, str]:
    """Slack ids to names, so a printed preview reads like the real post."""
    with job.sessions() as session:
        return names_by_id(session, job.team_id)

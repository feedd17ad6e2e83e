"""Nudge fan-out to many managers against a Slack stand-in that answers 429 one call in N.

    python -m benchmarks.nudge_fanout --managers 2000 --every 10

Prints a table: time taken with and without rate limiting, the floor the stand-in's
limits allow, and how many DMs were lost or doubled (both must be 0).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bot.settings import Settings
from bot.slack.client import build_client
from jobs.recognition import Recognition, run_nudges
from models.database import make_engine, make_session_factory, upgrade
from models.people import Person
from tests.slack_standin import SlackStandIn

TEAM = "TBENCH0001"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def company(url: str, managers: int) -> Recognition:
    """`managers` managers with one report each, none credited lately: everyone gets a nudge."""
    engine = make_engine(url)
    upgrade(engine)
    rows = []
    for i in range(managers):
        rows.append(
            {
                "team_id": TEAM,
                "user_id": f"UM{i:08d}",
                "name": f"Manager {i}",
                "is_bot": False,
                "is_deleted": False,
            }
        )
        rows.append(
            {
                "team_id": TEAM,
                "user_id": f"UR{i:08d}",
                "name": f"Report {i}",
                "manager_id": f"UM{i:08d}",
                "department": "Support",
                "is_bot": False,
                "is_deleted": False,
            }
        )
    with make_session_factory(engine).begin() as session:
        session.execute(insert(Person), rows)
    return engine


def run(
    standin: SlackStandIn, url: str, managers: int, every: int, retry_after: int, workers: int
) -> dict:
    engine = company(url, managers)
    settings = Settings(bot_token="xoxb-bench", slack_api_url=standin.api_url, database_url=url)
    job = Recognition(
        settings,
        make_session_factory(engine),
        build_client(settings, rate_limit_retries=20),
        TEAM,
        "bench",
    )
    standin.state.calls.clear()
    standin.state.rate_limit_every, standin.state.rate_limit_retry_after = every, retry_after
    standin.state.rate_limited = standin.state.served = 0
    started = time.perf_counter()
    result = run_nudges(job, NOW, workers=workers)
    elapsed = time.perf_counter() - started
    engine.dispose()
    delivered = Counter(c.args["channel"] for c in standin.delivered())
    wanted = {f"UM{i:08d}" for i in range(managers)}
    return {
        "seconds": elapsed,
        "sent": result.sent,
        "lost": len(wanted - set(delivered)),
        "doubled": sum(1 for n in delivered.values() if n > 1),
        "429s": standin.state.rate_limited,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, nargs="+", default=[2000])
    parser.add_argument("--every", type=int, default=10, help="one call in N answers 429")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    standin = SlackStandIn().start()
    print(
        f"{'managers':>8} {'429 1 in':>8} {'429s':>6} {'sent':>6} {'lost':>5} {'doubled':>7} {'time s':>8} {'no-429 s':>8} {'floor s':>8} {'vs floor':>8}"
    )
    try:
        for managers in args.managers:
            with tempfile.TemporaryDirectory() as tmp:
                base = run(standin, f"sqlite:///{Path(tmp) / 'a.db'}", managers, 0, 0, args.workers)
                limited = run(
                    standin,
                    f"sqlite:///{Path(tmp) / 'b.db'}",
                    managers,
                    args.every,
                    args.retry_after,
                    args.workers,
                )
            # Each 429 costs at least Retry-After seconds on one of the workers.
            floor = base["seconds"] + limited["429s"] * args.retry_after / args.workers
            print(
                f"{managers:>8} {args.every:>8} {limited['429s']:>6} {limited['sent']:>6} {limited['lost']:>5} "
                f"{limited['doubled']:>7} {limited['seconds']:>8.1f} {base['seconds']:>8.1f} {floor:>8.1f} "
                f"{limited['seconds'] / floor:>7.2f}x"
            )
    finally:
        standin.stop()


if __name__ == "__main__":
    main()

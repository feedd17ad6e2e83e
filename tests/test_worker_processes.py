"""`everybody-sells run` with WORKER_PROCESSES=2: one port, two workers, one supervisor."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.workers import supervise
from models.assists import Credit
from models.database import make_engine
from tests.conftest import SIGNING_SECRET
from tests.slack_standin import SlackStandIn
from tests.test_run_http import (
    HttpSlackRequests,
    RunningBot,
    http_bot_environment,
    run_to_the_end,
    start_bot,
)
from tests.workspace import ANA, BEN, GINA

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT") or not Path("/proc/self/task").is_dir(),
    reason="workers share the port with SO_REUSEPORT; the test finds them in /proc",
)


def workers_of(bot: RunningBot) -> list[int]:
    pid = bot.process.pid
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_for_workers(
    bot: RunningBot, count: int, *, other_than: set[int] = frozenset()
) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = workers_of(bot)
        if len(pids) == count and not other_than & set(pids):
            return pids
        time.sleep(0.1)
    pytest.fail(f"expected {count} workers, found {workers_of(bot)}:\n{bot.output()}")


def credited(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return sorted(c.recipient_id for c in session.scalars(select(Credit)))
    finally:
        engine.dispose()


@pytest.fixture
def bot(
    standin: SlackStandIn, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> RunningBot:
    env = http_bot_environment(
        standin,
        database_url,
        WORKER_PROCESSES="2",
        DAILY_CREDIT_LIMIT="100",  # one giver credits forty times
    )
    bot = start_bot(tmp_path, env, request)
    wait_for_workers(bot, 2)
    return bot


def test_both_workers_serve_the_port_and_sigterm_finishes_their_acked_work(
    bot: RunningBot, standin: SlackStandIn, database_url: str
) -> None:
    slack = HttpSlackRequests(bot.events_url, standin, SIGNING_SECRET)
    # Each request is a new connection, which the kernel gives to either worker.
    authors = [ANA, BEN] * 10
    for n, author in enumerate(authors):
        response = slack.reaction(True, user=GINA, author=author, ts=f"1700000000.{n:06d}")
        assert response.status == 200, bot.output()
    standin.wait_for("chat.postMessage", len(authors), timeout=20)
    served_by = set(re.findall(r"INFO (worker-\d) bot\.flows\.reactions", bot.output()))
    assert served_by == {"worker-0", "worker-1"}, bot.output()

    # A deploy stops the supervisor while Slack is slow: both workers finish what they acked.
    slow_slack = standin.hold("chat.getPermalink")
    for n, author in enumerate(authors, start=len(authors)):
        response = slack.reaction(True, user=GINA, author=author, ts=f"1700000000.{n:06d}")
        assert response.status == 200, bot.output()
    standin.wait_for_held("chat.getPermalink", count=1, timeout=10)
    bot.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert bot.process.poll() is None, bot.output()
    slow_slack.set()
    assert bot.process.wait(timeout=30) == 0, bot.output()

    assert standin.count("chat.postMessage") == 2 * len(authors)
    assert credited(database_url) == sorted(authors * 2)
    assert "Traceback" not in bot.output()
    on_sqlite = database_url.startswith("sqlite")
    assert ("on SQLite: the workers take turns" in bot.output()) == on_sqlite, bot.output()


def test_a_worker_that_dies_is_replaced_and_the_port_keeps_answering(
    bot: RunningBot, standin: SlackStandIn, database_url: str
) -> None:
    first, second = wait_for_workers(bot, 2)
    # Killed once serving: a worker that dies while still starting stops the others.
    deadline = time.monotonic() + 60
    while bot.output().count(" bot.runner: listening on ") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(second, signal.SIGKILL)

    replacement = wait_for_workers(bot, 2, other_than={second})
    assert first in replacement
    assert "exited with code -9; restarting it" in bot.output()
    # The replacement serves too: every new connection is answered and the work done.
    slack = HttpSlackRequests(bot.events_url, standin, SIGNING_SECRET)
    deadline = time.monotonic() + 30
    while "worker-1 bot.flows.reactions" not in bot.output() and time.monotonic() < deadline:
        n = len(slack.answers)
        assert slack.reaction(True, user=GINA, author=ANA, ts=f"1700000001.{n:06d}").status == 200
        time.sleep(0.05)
    assert "worker-1 bot.flows.reactions" in bot.output(), bot.output()
    standin.wait_for("chat.postMessage", len(slack.answers), timeout=20)
    assert credited(database_url) == [ANA] * len(slack.answers)


def test_a_port_already_taken_ends_run_with_one_line(
    tmp_path: Path, standin: SlackStandIn, database_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = http_bot_environment(standin, database_url, WORKER_PROCESSES="2", PORT=str(port))
        finished = run_to_the_end(tmp_path, env)
    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.endswith(
        f"everybody-sells: port {port} is already in use; stop what listens there or set PORT\n"
    ), finished.stderr
    assert "Traceback" not in finished.stderr


def test_a_worker_that_fails_while_starting_stops_the_others_instead_of_looping() -> None:
    def serve(index: int, ready: Callable[[], None]) -> None:
        if index == 1:
            raise SystemExit(3)  # e.g. its database cannot be reached
        ready()
        time.sleep(60)  # serving, until the supervisor's SIGTERM ends it

    started = time.monotonic()
    assert supervise(2, serve) == 3
    assert time.monotonic() - started < 30


def test_ctrl_c_stops_the_workers_and_exits_130_like_one_process() -> None:
    def serve(index: int, ready: Callable[[], None]) -> None:
        ready()
        time.sleep(60)  # serving, until the supervisor's SIGTERM ends it

    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    assert supervise(2, serve) == 130
    assert time.monotonic() - started < 30

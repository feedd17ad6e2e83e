"""Work someone is waiting on goes before event work, which is still all done."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from bot.listener_pool import ListenerPool
from models.assists import Credit
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.workspace import ANA, GINA


def test_a_slash_command_is_answered_while_a_burst_of_reactions_waits_on_slack(
    make_app, standin, listeners, sessions
):
    slack = SlackRequests(
        make_app(daily_credit_limit=50), standin, SIGNING_SECRET, listeners.settle
    )
    slow_slack = standin.hold("chat.getPermalink")
    for n in range(12):
        assert slack.reaction(True, user=GINA, author=ANA, ts=f"1700000000.{n:06d}").status == 200
    # Half the pool's 8 threads take event work; the rest of the burst waits its turn.
    standin.wait_for_held("chat.getPermalink", count=4)

    started = time.monotonic()
    response = slack.command("/sells", "stats", user=ANA)
    assert response.status == 200
    assert time.monotonic() - started < 3
    [answer] = standin.wait_for("respond")
    assert "credit" in answer.args["text"].lower()
    assert standin.state.held["chat.getPermalink"] == 4

    slow_slack.set()
    slack.settle()
    with sessions() as session:
        assert session.scalar(select(func.count(Credit.id))) == 12
    assert standin.count("chat.postMessage") == 12  # every author was told, once


def test_interactive_work_starts_before_queued_event_work():
    pool = ListenerPool(workers=2, background_threads=1)
    running, release = threading.Event(), threading.Event()
    started: list[str] = []

    def job(name: str, wait: bool = False) -> None:
        started.append(name)
        if wait:
            running.set()
            release.wait(5)

    ListenerPool.mark_request(background=True)
    first_event = pool.submit(job, "event 1", wait=True)
    running.wait(5)
    pool.submit(job, "event 2")
    ListenerPool.mark_request(background=False)
    command = pool.submit(job, "command")

    command.result(timeout=5)
    assert started == ["event 1", "command"]
    assert pool.backlog == 1
    release.set()
    first_event.result(timeout=5)
    pool.shutdown(wait=True)
    assert started == ["event 1", "command", "event 2"]

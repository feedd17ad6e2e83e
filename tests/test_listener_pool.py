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
    # A quarter of the pool's 8 threads take event work; the rest of the burst waits.
    standin.wait_for_held("chat.getPermalink", count=2)

    started = time.monotonic()
    response = slack.command("/sells", "stats", user=ANA)
    assert response.status == 200
    assert time.monotonic() - started < 3
    [answer] = standin.wait_for("respond")
    assert "credit" in answer.args["text"].lower()
    assert standin.state.held["chat.getPermalink"] == 2

    slow_slack.set()
    slack.settle()
    with sessions() as session:
        assert session.scalar(select(func.count(Credit.id))) == 12
    assert standin.count("chat.postMessage") == 12  # every author was told, once


def test_acks_go_first_then_answers_then_events_each_within_its_share():
    pool = ListenerPool(workers=4)  # events: 1 thread; answers and events: 2
    release = threading.Event()
    started: list[str] = []
    lock = threading.Condition()

    def job(name: str) -> None:
        with lock:
            started.append(name)
            lock.notify_all()
        if name.endswith("slow"):
            release.wait(5)

    def wait_started(count: int) -> None:
        with lock:
            assert lock.wait_for(lambda: len(started) >= count, timeout=5), started

    ListenerPool.mark_request(is_event=True)
    pool.submit(job, "event slow")
    wait_started(1)
    pool.submit(job, "event 2")  # waits: the one event thread is busy
    pool.defer(lambda: job("answer slow"))
    wait_started(2)
    pool.defer(lambda: job("answer 2"))  # waits: answers and events hold their 2 threads
    ListenerPool.mark_request(is_event=False)
    pool.submit(job, "ack")
    wait_started(3)
    assert started == ["event slow", "answer slow", "ack"]
    assert pool.backlog == 2

    release.set()
    assert pool.wait_idle(5)
    pool.shutdown()
    assert started[3:] == ["answer 2", "event 2"]


def test_past_the_backlog_limit_work_runs_on_the_thread_that_queued_it():
    pool = ListenerPool(workers=4, backlog_limit=1)
    running, release = threading.Event(), threading.Event()
    where: list[str] = []

    def slow() -> None:
        running.set()
        release.wait(5)

    ListenerPool.mark_request(is_event=True)
    pool.submit(slow)  # runs on the one event thread
    assert running.wait(5)
    eventually_started = pool.submit(lambda: where.append(threading.current_thread().name))
    assert pool.backlog == 1
    # The backlog is full: this event is handled before its HTTP answer goes back.
    done = pool.submit(lambda: where.append(threading.current_thread().name))
    assert done.done()
    assert where == [threading.current_thread().name]
    release.set()
    eventually_started.result(timeout=5)
    assert where[1].startswith("listener")
    pool.shutdown()

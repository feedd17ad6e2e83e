"""Work someone is waiting on goes before event work, which is still all done."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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


class SlowWork:
    """Jobs that block until released, and the order in which they started."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self._lock = threading.Condition()

    def job(self, name: str) -> Callable[[], None]:
        def run() -> None:
            with self._lock:
                self.started.append(name)
                self._lock.notify_all()
            if name != "ack":
                self.release.wait(5)

        return run

    def wait_started(self, count: int) -> list[str]:
        with self._lock:
            assert self._lock.wait_for(lambda: len(self.started) >= count, 5), self.started
        time.sleep(0.05)  # and no more than that
        return sorted(self.started)


def test_work_after_the_ack_takes_half_the_threads_and_events_a_quarter():
    pool, work = ListenerPool(workers=8), SlowWork()
    ListenerPool.mark_request(is_event=True)
    for n in range(3):
        pool.submit(work.job(f"event {n}"))
    assert work.wait_started(2) == ["event 0", "event 1"]
    for n in range(3):
        pool.defer(work.job(f"answer {n}"))
    assert work.wait_started(4) == ["answer 0", "answer 1", "event 0", "event 1"]
    assert pool.backlog == 2

    ListenerPool.mark_request(is_event=False)
    pool.submit(work.job("ack"))  # a thread is free for it at once
    assert "ack" in work.wait_started(5)
    work.release.set()
    assert pool.wait_idle(5)
    pool.shutdown()
    assert len(work.started) == 7


def test_while_acks_keep_coming_work_gets_three_threads():
    pool, work = ListenerPool(workers=8), SlowWork()
    ListenerPool.mark_request(is_event=False)
    pool.submit(work.job("ack"))
    ListenerPool.mark_request(is_event=True)
    for n in range(3):
        pool.submit(work.job(f"event {n}"))
    for n in range(3):
        pool.defer(work.job(f"answer {n}"))
    assert work.wait_started(4) == ["ack", "answer 0", "answer 1", "event 0"]
    # The acks pause: held-back work starts without waiting for a thread to finish,
    # up to half the threads.
    assert work.wait_started(5) == ["ack", "answer 0", "answer 1", "answer 2", "event 0"]
    work.release.set()
    assert pool.wait_idle(5)
    pool.shutdown()


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


def test_stopping_with_work_held_back_finishes_all_of_it_and_every_thread_ends():
    # What a SIGTERM does with acked work still queued: each item runs, then `run` exits.
    pool, work = ListenerPool(workers=8), SlowWork()
    ListenerPool.mark_request(is_event=True)
    for n in range(6):
        pool.submit(work.job(f"event {n}"))  # two run, four wait for the event threads
    assert len(work.wait_started(2)) == 2
    stopped = threading.Thread(target=pool.shutdown)
    stopped.start()
    time.sleep(0.2)  # the idle threads have seen the stop, and gone back to waiting
    work.release.set()
    stopped.join(10)
    assert not stopped.is_alive(), "shutdown still waiting for idle threads"
    assert len(work.started) == 6

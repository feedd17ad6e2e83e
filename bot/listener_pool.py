"""The listener pool: what someone waits on runs first, event work last.

Slack shows an error when a slash command, button or form is not acked within 3 seconds,
and a listener only acks once a pool thread runs it. With a first-come pool, a burst of
reactions fills every thread and a slash command behind them times out; and every thread
busy with Python code slows the one that would ack (they share the GIL). So the pool
keeps three lanes, served in this order:

- ACK: listeners of requests still waiting for ack() (commands, actions, forms);
- ANSWER: work a listener deferred after its ack (an answer someone is waiting for);
- EVENT: Events API listeners, which Bolt acked before they started.

ANSWER and EVENT work together take at most half of the threads, EVENT alone a quarter,
so a thread is always free for the next ack; and while acks keep coming, three threads
(two for answers, one for events), so that work does not starve them of the GIL. Under
a burst, work waits its turn instead of the acks; but only up to `backlog_limit` items
in memory. Past that (`overloaded`), the callers keep work out of memory: events stay in
the durable inbox for its retrier, and listeners answer that they are busy (see
Services.after_ack). Work that still arrives runs on the thread that queued it, so an
ack waits for it: the last resort, never the plan.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from enum import IntEnum
from typing import Any

logger = logging.getLogger(__name__)

_submitting = threading.local()

Item = tuple[Future, Callable[..., Any], tuple, dict, float]

ACKING_WINDOW = 0.1  # seconds since the last ack-owing request that count as "acks coming"
# Acked work held in memory (about 7 kB an item). Beyond it, events wait in the database
# and answers are refused as busy, so memory stays flat under any load.
BACKLOG_LIMIT = 2_000


class Lane(IntEnum):
    ACK = 0
    ANSWER = 1
    EVENT = 2


def _run(future: Future, fn: Callable[..., Any], args: tuple, kwargs: dict, *_: object) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as error:
        future.set_exception(error)
    else:
        future.set_result(result)


class ListenerPool(Executor):
    """Bolt's listener executor, with the lanes above."""

    def __init__(
        self,
        workers: int = 16,
        backlog_limit: int = BACKLOG_LIMIT,
        thread_name_prefix: str = "listener",
    ) -> None:
        if workers < 4:
            raise ValueError("a listener pool needs at least four threads")
        self._backlog_limit = backlog_limit
        # Threads for (ANSWER, EVENT, both together): against the real Slack, work mostly
        # waits on the network, so up to half the pool. While acks keep coming, work
        # that is pure CPU (a fast Slack, a fast database) would starve them of the GIL:
        # then 3 threads at most. Measured in benchmarks/ack_load.
        self._limits = (workers // 2, workers // 4, workers // 2)
        self._limits_acking = (2, 1, 3)
        self._queues: dict[Lane, deque[Item]] = {lane: deque() for lane in Lane}
        self._running = dict.fromkeys(Lane, 0)
        self._closed = False
        self._warned_full_at = -60.0
        self._last_ack_at = -1.0
        lock = threading.Lock()
        # Two conditions on one lock, so that a new item or a finished one wakes one
        # worker, or the callers waiting for room, and not all sixteen threads.
        self._work_ready = threading.Condition(lock)
        self._changed = threading.Condition(lock)
        self._threads = [
            threading.Thread(target=self._work, name=f"{thread_name_prefix}_{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def mark_request(is_event: bool) -> None:
        """Called on the thread that dispatches a request, before Bolt submits its listener."""
        _submitting.lane = Lane.EVENT if is_event else Lane.ACK

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._queue(getattr(_submitting, "lane", Lane.ACK), fn, args, kwargs)

    def defer(self, work: Callable[[], None]) -> Future:
        """Queue `work` in the ANSWER lane, from a listener that has already acked."""
        return self._queue(Lane.ANSWER, work, (), {})

    def defer_event(self, work: Callable[[], None]) -> Future:
        """Queue `work` in the EVENT lane: the inbox's retrier hands its items here."""
        return self._queue(Lane.EVENT, work, (), {})

    @property
    def backlog(self) -> int:
        """Work accepted (its request acked) and not yet started."""
        with self._changed:
            return self._queued_work()

    @property
    def overloaded(self) -> bool:
        """Memory holds as much acked work as it may: keep new work elsewhere."""
        with self._changed:
            return self._queued_work() >= self._backlog_limit

    def answer_wait(self) -> float:
        """Seconds the oldest deferred answer has waited for a thread (0 when none waits)."""
        with self._changed:
            queue = self._queues[Lane.ANSWER]
            return time.monotonic() - queue[0][4] if queue else 0.0

    def wait_for_room(self, timeout: float) -> int:
        """How many more items memory may hold, waiting up to `timeout` seconds for at
        least one; 0 if it is still full then (or the pool is shut down)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (free := self._backlog_limit - self._queued_work()) <= 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return 0
                self._changed.wait(remaining)
        return 0 if self._closed else free

    def _queued_work(self) -> int:
        return len(self._queues[Lane.ANSWER]) + len(self._queues[Lane.EVENT])

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(self._running.values()) or any(self._queues.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._changed:
            self._closed = True
            if cancel_futures:
                for queue in self._queues.values():
                    for future, *_rest in queue:
                        future.cancel()
                    queue.clear()
            self._changed.notify_all()
            self._work_ready.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _queue(self, lane: Lane, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Future:
        future: Future = Future()
        with self._changed:
            if self._closed:
                raise RuntimeError("cannot submit to a listener pool that is shut down")
            queued = self._queued_work()
            full = lane != Lane.ACK and queued >= self._backlog_limit
            if lane == Lane.ACK:
                self._last_ack_at = time.monotonic()
            if not full:
                self._queues[lane].append((future, fn, args, kwargs, time.monotonic()))
                self._work_ready.notify()
                return future
        if time.monotonic() - self._warned_full_at > 60:  # at most once a minute
            self._warned_full_at = time.monotonic()
            logger.warning(
                "%d items of work are waiting; new work now runs before its request is "
                "answered until the backlog shrinks (a caller ignored `overloaded`)",
                queued,
            )
        _run(future, fn, args, kwargs)
        return future

    def _may_start(self, lane: Lane) -> bool:
        if not self._queues[lane]:
            return False
        if lane == Lane.ACK:
            return True
        answers, events, both = self._limits_acking if self._acking() else self._limits
        after_ack = self._running[Lane.ANSWER] + self._running[Lane.EVENT]
        return after_ack < both and self._running[lane] < (
            answers if lane == Lane.ANSWER else events
        )

    def _acking(self) -> bool:
        return time.monotonic() - self._last_ack_at < ACKING_WINDOW

    def _next(self) -> tuple[Item, Lane] | None:
        with self._changed:
            while True:
                for lane in Lane:
                    if self._may_start(lane):
                        self._running[lane] += 1
                        return self._queues[lane].popleft(), lane
                if self._closed and not any(self._queues.values()):
                    self._work_ready.notify_all()  # the others may stop too
                    return None
                # Work held back while acking may start once the acks pause. Otherwise a
                # new item wakes us; a finished one frees its own thread, which looks again.
                held_back = self._acking() and self._queued_work()
                self._work_ready.wait(ACKING_WINDOW if held_back else None)

    def _work(self) -> None:
        while (picked := self._next()) is not None:
            item, lane = picked
            try:
                _run(*item)
            finally:
                with self._changed:
                    self._running[lane] -= 1
                    self._changed.notify_all()  # wait_idle, wait_for_room

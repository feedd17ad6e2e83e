"""The listener pool: work someone is waiting on runs before event work.

Bolt acks an Events API delivery before its listener starts; a slash command, button or
form is only answered once its listener calls ack(). With one first-come pool, a burst
of reactions fills every thread and a slash command behind them misses Slack's 3 seconds.
So listeners for events go in a background lane that only takes a pool thread when none
is wanted for an interactive request, and never more than `background_threads` at once.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

logger = logging.getLogger(__name__)

_submitting = threading.local()


def _run(future: Future, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as error:
        future.set_exception(error)
    else:
        future.set_result(result)


class ListenerPool(Executor):
    """A thread pool with two lanes: interactive first, background (events) after."""

    def __init__(
        self,
        workers: int = 16,
        background_threads: int | None = None,
        thread_name_prefix: str = "listener",
    ) -> None:
        if workers < 2:
            raise ValueError("a listener pool needs at least two threads")
        self._background_limit = background_threads or workers // 2
        self._interactive: deque[tuple[Future, Callable[..., Any], tuple, dict]] = deque()
        self._background: deque[tuple[Future, Callable[..., Any], tuple, dict]] = deque()
        self._background_running = 0
        self._closed = False
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._work, name=f"{thread_name_prefix}_{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def mark_request(background: bool) -> None:
        """Called on the thread that dispatches a request, before Bolt submits its listener."""
        _submitting.background = background

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        item = (future, fn, args, kwargs)
        with self._changed:
            if self._closed:
                raise RuntimeError("cannot submit to a listener pool that is shut down")
            lane = self._background if getattr(_submitting, "background", False) else None
            (lane if lane is not None else self._interactive).append(item)
            self._changed.notify()
        return future

    @property
    def backlog(self) -> int:
        """Event work accepted (and acked) but not yet started."""
        with self._changed:
            return len(self._background)

    def _next(self) -> tuple[tuple[Future, Callable[..., Any], tuple, dict], bool] | None:
        with self._changed:
            while True:
                if self._interactive:
                    return self._interactive.popleft(), False
                if self._background and self._background_running < self._background_limit:
                    self._background_running += 1
                    return self._background.popleft(), True
                if self._closed and not self._background:
                    return None
                self._changed.wait()

    def _work(self) -> None:
        while (picked := self._next()) is not None:
            (future, fn, args, kwargs), background = picked
            try:
                _run(future, fn, args, kwargs)
            finally:
                if background:
                    with self._changed:
                        self._background_running -= 1
                        self._changed.notify()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._changed:
            self._closed = True
            if cancel_futures:
                for future, *_ in (*self._interactive, *self._background):
                    future.cancel()
                self._interactive.clear()
                self._background.clear()
            self._changed.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

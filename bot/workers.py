"""`run` with WORKER_PROCESSES > 1: one machine's cores, used as several instances.

One Python process does its work on one core (the GIL), so a machine with more cores runs
several copies of the bot. Each worker is an instance in the sense of docs/DEPLOY.md's
"several instances": its own listener pool and database connections, every write
idempotent, every scheduled message claimed in the database. In HTTP mode the workers
listen on the same port with SO_REUSEPORT and the kernel spreads connections across
them; in Socket Mode each opens its own connection and Slack spreads events across them.

The parent applies migrations once, then forks the workers before any thread exists, and
stays behind as their supervisor: it forwards SIGTERM and SIGINT (each worker finishes
the work it acked, as a single `run` does), restarts a worker that dies once it is
serving, and gives up when one dies while starting, where a restart would only fail again.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

logger = logging.getLogger(__name__)

RESTART_DELAY_SECONDS = 1.0
# `serve(index, ready)` calls ready() once it is about to serve requests.
Serve = Callable[[int, Callable[[], None]], None]


def listening_socket(port: int) -> socket.socket:
    """A socket bound to `port` that other workers may bind too (the kernel balances them)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("WORKER_PROCESSES above 1 needs SO_REUSEPORT (Linux, BSD or macOS)")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("0.0.0.0", port))
    return sock


def exit_with_parent() -> None:
    """Stop this worker (finishing its acked work) if the supervisor is killed outright."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        logger.warning("the supervisor is gone; stopping this worker")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def supervise(count: int, serve: Serve) -> int:
    """Run `serve` in `count` forked workers until SIGTERM or SIGINT; the exit code."""
    context = multiprocessing.get_context("fork")
    # Objects made before the fork stay shared with the workers only if no collection
    # touches them (gunicorn's preload trick).
    gc.freeze()
    workers: dict[int, tuple[BaseProcess, Event]] = {}
    stopping = threading.Event()
    failed: list[int] = []
    interrupted: list[bool] = []

    def start(index: int) -> None:
        ready = context.Event()
        process = context.Process(
            target=worker_main, args=(serve, index, ready), name=f"worker-{index}"
        )
        process.start()
        workers[index] = (process, ready)
        logger.info("worker %d started (pid %d)", index, process.pid)
        if stopping.is_set() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)  # the stop signal came while it started

    def stop(signum: int, _frame: object) -> None:
        if signum == signal.SIGINT:
            interrupted.append(True)
        if not stopping.is_set():
            logger.info("stopping %d workers", len(workers))
        stopping.set()
        for process, _ in workers.values():
            if process.pid is not None and process.exitcode is None:
                os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(count):
            if not stopping.is_set():
                start(index)
        while workers:
            wait([process.sentinel for process, _ in workers.values()], timeout=1.0)
            for index, (process, ready) in list(workers.items()):
                if process.exitcode is None:
                    continue
                del workers[index]
                if stopping.is_set():
                    continue
                if not ready.is_set():
                    logger.error(
                        "worker %d exited with code %s while starting; stopping the others",
                        index,
                        process.exitcode,
                    )
                    failed.append(process.exitcode if process.exitcode > 0 else 1)
                    stop(signal.SIGTERM, None)
                    continue
                logger.error(
                    "worker %d exited with code %s; restarting it", index, process.exitcode
                )
                time.sleep(RESTART_DELAY_SECONDS)
                if not stopping.is_set():
                    start(index)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        return failed[0]
    return 130 if interrupted else 0  # as a single process does on Ctrl-C


def worker_main(serve: Serve, index: int, ready: Event) -> None:
    # Ctrl-C reaches the whole process group; the supervisor turns it into one SIGTERM
    # per worker, so a worker that is finishing its acked work is not interrupted again.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()
    serve(index, ready.set)


def worker_name() -> str:
    """Who holds a claim or an event, for the logs: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"

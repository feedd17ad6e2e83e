"""Acked events are never lost: stored before the ack, worked, and retried until recorded.

Before Bolt acks an Events API delivery, `accept` stores it in the inbox table (a
redelivery is recognised there and dropped). Its listener then runs its work through
`run`. Work that fails because Slack or the database had a fault is tried again with
growing pauses for `give_up_after` (a day by default); other failures a few times. The
person concerned hears about it only when the inbox finally gives up.

Under overload (the listener pool's memory is full) a delivery is stored due at once and
not worked by its listener: the retrier hands it to the pool's event lane once there is
room, oldest first. Memory stays bounded and nothing acked is lost, even if the process
dies. Slash commands the bot is too busy to serve in time are queued the same way
(`queue`), under a key of their own.

While the database cannot be reached, deliveries are held in memory (up to
`memory_limit`) and stored once it answers; past that, the delivery is refused so that
Slack sends it again later. A retrier thread per process stores those, then works
whatever is due, from this process or from one that crashed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.faults import describe, is_database_fault, is_transient
from models.base import utcnow
from models.inbox import (
    DONE,
    InboxItem,
    accept,
    earlier_pending,
    finish,
    give_up,
    postpone,
    prune,
    release_held,
    status_of,
    take_due,
    wait_for_earlier,
)

logger = logging.getLogger(__name__)

Work = Callable[[InboxItem], None]
GaveUp = Callable[[InboxItem, str], None]

PERMANENT_ATTEMPTS = 3  # a failure that is not a passing fault: a bug, a refusal
MAX_PAUSE_SECONDS = 60.0
PRUNE_AFTER = timedelta(days=7)
BATCH = 20


class Accepted(Enum):
    NEW = "new"  # stored; its listener works it now
    QUEUED = "queued"  # stored due at once: the retrier works it when there is room
    DUPLICATE = "duplicate"  # stored before: a redelivery, nothing to do
    HELD = "held"  # the database is down: kept in memory, stored and worked later
    REFUSED = "refused"  # the database is down and memory is full: let Slack resend it


Subject = Callable[[dict[str, Any]], str | None]

# How long an event waits, each time, for an earlier one about the same subject.
WAIT_FOR_EARLIER = timedelta(milliseconds=500)


@dataclass(frozen=True)
class Route:
    work: Work
    gave_up: GaveUp | None = None
    subject: Subject | None = None  # events with the same subject are worked in order


@dataclass(frozen=True)
class InboxSettings:
    hold: timedelta = timedelta(minutes=5)  # how long a process may sit on an item it took
    retry_seconds: float = 2.0  # the first pause after a failure; doubled each time
    poll_seconds: float = 5.0  # how often the retrier asks the database what is due
    give_up_after: timedelta = timedelta(hours=24)
    memory_limit: int = 20_000


class EventInbox:
    """The worker side of the inbox; one per process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        worker: str,
        settings: InboxSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        # Storing and finishing an item are one statement each, on every event's path: a
        # plain connection costs a third of a session.
        self._engine: Engine = sessions.kw["bind"]
        self._reader = self._engine.execution_options(sqlite_begin="DEFERRED")
        self._worker = worker
        self._settings = settings or InboxSettings()
        self._clock = clock
        self._routes: dict[str, Route] = {}
        self._unsaved: deque[InboxItem] = deque()
        self._lock = threading.Lock()
        self._local = threading.local()  # `finished`: the item the work marked done itself
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = 0.0
        # Set by `feed`: where the retrier hands items, and how it waits for room there.
        self._run_later: Callable[[Callable[[], None]], object] | None = None
        self._room: Callable[[float], int] | None = None

    def feed(
        self,
        run_later: Callable[[Callable[[], None]], object],
        room: Callable[[float], int],
    ) -> None:
        """Have the retrier hand items to a pool (`run_later`) instead of working them on
        its own thread, taking no more than `room(timeout)` says fits there."""
        self._run_later, self._room = run_later, room

    # -- registration ------------------------------------------------------------------
    def register(
        self,
        event_type: str,
        work: Work,
        gave_up: GaveUp | None = None,
        subject: Subject | None = None,
    ) -> None:
        """Work deliveries of `event_type` with `work`. Deliveries that `subject` names the
        same (a reaction added, then removed) are worked in the order they arrived."""
        self._routes[event_type] = Route(work, gave_up, subject)

    def handles(self, event_type: str) -> bool:
        return event_type in self._routes

    @property
    def held_in_memory(self) -> int:
        with self._lock:
            return len(self._unsaved)

    # -- before the ack ----------------------------------------------------------------
    def accept(
        self, team_id: str, body: dict[str, Any], *, work_now: bool = True
    ) -> tuple[Accepted, InboxItem | None]:
        """Store one delivery before its ack; what to do with it next. With `work_now`
        false (the pool is full) it is stored due at once, for the retrier."""
        event_type = body["event"]["type"]
        route = self._routes.get(event_type)
        subject = route.subject(body) if route and route.subject else None
        item = InboxItem(
            None, team_id, body["event_id"], event_type, body, self._clock(), subject=subject
        )
        return self._store(item, work_now=work_now)

    def queue(self, team_id: str, key: str, kind: str, body: dict[str, Any]) -> Accepted:
        """Store work of `kind` (registered like an event type) for the retrier, once per
        `key`: QUEUED, DUPLICATE, HELD (the database is down) or REFUSED."""
        accepted, _ = self._store(
            InboxItem(None, team_id, key, kind, body, self._clock()), work_now=False
        )
        return accepted

    def _store(self, item: InboxItem, *, work_now: bool) -> tuple[Accepted, InboxItem | None]:
        holder, hold = (self._worker, self._settings.hold) if work_now else ("", timedelta(0))
        for attempt in (1, 2):
            try:
                with self._engine.begin() as connection:
                    stored = accept(connection, item, held_by=holder, hold=hold)
                break
            except Exception as error:
                if is_database_fault(error):
                    return self._hold_in_memory(item, error), None
                if attempt == 2:
                    # Not a known outage, twice: refused, so Slack sends it again, rather
                    # than acked and lost.
                    logger.exception("event %s refused: storing it failed", item.event_id)
                    return Accepted.REFUSED, None
                # A driver failing oddly as its server goes away (psycopg's pool ping, cut
                # mid-query): the pool has dropped that connection; the next shows the
                # outage for what it is.
                logger.warning("event %s: storing it failed (%s); once more", item.event_id, error)
        if stored is None:
            logger.info("event %s was delivered again; it is already in the inbox", item.event_id)
            return Accepted.DUPLICATE, None
        if not work_now:
            self._wake.set()
            return Accepted.QUEUED, None
        return Accepted.NEW, stored

    def _hold_in_memory(self, item: InboxItem, error: BaseException) -> Accepted:
        with self._lock:
            if len(self._unsaved) >= self._settings.memory_limit:
                logger.error(
                    "event %s refused: the database is down (%s) and %d events already wait "
                    "in memory; Slack will send it again",
                    item.event_id,
                    describe(error),
                    len(self._unsaved),
                )
                return Accepted.REFUSED
            self._unsaved.append(item)
        logger.warning(
            "event %s held in memory until the database answers (%s)",
            item.event_id,
            describe(error),
        )
        self._wake.set()
        return Accepted.HELD

    # -- the work ------------------------------------------------------------------------
    def run(self, item: InboxItem) -> bool:
        """Do an item's work and mark it done; on failure, schedule a retry or give up.
        An item with an earlier one about its subject still pending is put back instead."""
        route = self._routes[item.event_type]
        if self._after_earlier(item):
            return False
        self._local.finished = None
        try:
            route.work(item)
        except Exception as error:
            if self._local.finished == item.id and self._is_done(item):
                # Recorded and marked done together; only a step after that failed.
                logger.warning("event %s recorded; a later step failed: %s", item.event_id, error)
                return True
            self._failed(item, route, error)
            return False
        if self._local.finished == item.id:
            return True  # the work's own transaction marked it done
        try:
            with self._engine.begin() as connection:
                finish(connection, item.id, self._clock())
        except Exception as error:
            # The work is recorded; the item stays held and is worked again once the hold
            # runs out, which the work's own dedupe makes a no-op.
            logger.warning("event %s done but not marked done: %s", item.event_id, describe(error))
        return True

    def finish_in(self, session: Session, item: InboxItem) -> None:
        """Mark `item` done in the caller's transaction, the one that records its work:
        both commit or neither, and `run` is spared a transaction (and, on SQLite, a disk
        sync) of its own for the finish."""
        if item.id is None:
            return
        finish(session.connection(), item.id, self._clock())
        self._local.finished = item.id

    def _is_done(self, item: InboxItem) -> bool:
        try:
            with self._reader.begin() as connection:
                return status_of(connection, item.team_id, item.event_id) == DONE
        except Exception as error:
            logger.warning("event %s: could not read its state: %s", item.event_id, error)
            return False

    def _after_earlier(self, item: InboxItem) -> bool:
        """Put `item` back for a moment if an earlier event about its subject is pending."""
        if item.subject is None or item.id is None:
            return False
        try:
            # After the ack, not before it: most items have nothing before them. A read
            # that takes no write lock, so it never queues behind SQLite's writers; the
            # rare put-back is a write of its own (the check needs no atomicity: at
            # worst the item waits a moment longer than it had to).
            with self._reader.begin() as connection:
                if not earlier_pending(connection, item):
                    return False
            with self._engine.begin() as connection:
                wait_for_earlier(connection, item.id, self._clock() + WAIT_FOR_EARLIER)
        except Exception as error:
            if not is_database_fault(error):
                raise
            return True  # the hold runs out and it is tried again
        logger.info("%s %s waits for an earlier event about it", item.event_type, item.event_id)
        self._wake.set()
        return True

    def _failed(self, item: InboxItem, route: Route, error: Exception) -> None:
        now = self._clock()
        transient = is_transient(error)
        if (transient and now - item.received_at < self._settings.give_up_after) or (
            not transient and item.attempts < PERMANENT_ATTEMPTS
        ):
            pause = min(self._settings.retry_seconds * 2 ** (item.attempts - 1), MAX_PAUSE_SECONDS)
            if transient:
                logger.warning(
                    "%s %s failed (attempt %d): %s; trying again in %.0f s",
                    item.event_type,
                    item.event_id,
                    item.attempts,
                    describe(error),
                    pause,
                )
            else:
                logger.error(
                    "%s %s failed (attempt %d); trying again in %.0f s",
                    item.event_type,
                    item.event_id,
                    item.attempts,
                    pause,
                    exc_info=error,
                )
            self._write(postpone, item, now + timedelta(seconds=pause), describe(error))
            self._wake.set()
            return
        logger.error(
            "gave up on %s %s after %d attempts: %s",
            item.event_type,
            item.event_id,
            item.attempts,
            describe(error),
            exc_info=None if transient else error,
        )
        self._write(give_up, item, now, describe(error))
        if route.gave_up is not None:
            try:
                route.gave_up(item, describe(error))
            except Exception:
                logger.exception("could not tell anyone that %s was given up", item.event_id)

    def _write(self, change: Callable[..., None], item: InboxItem, *args: object) -> None:
        try:
            with self._sessions.begin() as session:
                change(session, item.id, *args)
        except Exception as error:
            # The database is down too: the item's hold runs out and it is retried then.
            logger.warning(
                "event %s: could not record the failure: %s", item.event_id, describe(error)
            )

    # -- the retrier -------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="inbox-retrier", daemon=True)
        self._thread.start()

    def stop(self, flush_seconds: float = 20.0) -> None:
        """Stop retrying; store what memory holds (trying for a while), hand back the rest."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        deadline = time.monotonic() + flush_seconds
        while self.held_in_memory and time.monotonic() < deadline:
            if not self.store_held():
                time.sleep(0.5)
        if self.held_in_memory:
            logger.error(
                "stopping with %d acked events the database never took: %s",
                self.held_in_memory,
                ", ".join(i.event_id for i in list(self._unsaved)[:50]),
            )
        try:
            with self._sessions.begin() as session:
                release_held(session, self._worker, self._clock())
        except Exception as error:
            logger.warning("could not hand back held events: %s", describe(error))

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.store_held()
                while (room := self._room_now()) and not self._stopping.is_set():
                    if self.retry_due(limit=room) < room:
                        break  # nothing more is due
                self._prune_now_and_then()
            except Exception as error:
                logger.warning("inbox retrier: %s", describe(error))
            self._wake.wait(self._settings.poll_seconds)
            self._wake.clear()

    def _room_now(self) -> int:
        """How many items to take now: a batch, or what the pool has room for (waiting a
        poll interval for some)."""
        if self._room is None:
            return BATCH
        return min(BATCH, self._room(self._settings.poll_seconds))

    def store_held(self) -> bool:
        """Store what was held in memory while the database was down; False if it still is."""
        while True:
            with self._lock:
                if not self._unsaved:
                    return True
                item = self._unsaved[0]
            try:
                with self._sessions.begin() as session:
                    # Due at once: the retrier works it next.
                    accept(session, item, held_by="", hold=timedelta(0))
            except Exception as error:
                if not is_database_fault(error):
                    raise
                return False
            with self._lock:
                self._unsaved.popleft()
            logger.info("event %s stored after the database came back", item.event_id)

    def retry_due(self, limit: int = BATCH) -> int:
        """Work up to `limit` due items; how many were taken."""
        with self._sessions.begin() as session:
            items = take_due(
                session,
                self._clock(),
                held_by=self._worker,
                hold=self._settings.hold,
                limit=limit,
            )
        for item in items:
            if self._stopping.is_set():
                break  # what was taken and not handed on is due again once its hold ends
            if self._run_later is None:
                self.run(item)
            else:
                self._run_later(partial(self._run_quietly, item))
        return len(items)

    def _run_quietly(self, item: InboxItem) -> None:
        try:
            self.run(item)
        except Exception:
            logger.exception("inbox item %s failed outside its own handling", item.event_id)

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < 3600:
            return
        self._pruned_at = time.monotonic()
        with self._sessions.begin() as session:
            pruned = prune(session, self._clock() - PRUNE_AFTER)
        if pruned:
            logger.info("inbox: forgot %d finished events older than a week", pruned)

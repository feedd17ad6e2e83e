"""Who people are and which conversations are private, asked of Slack and remembered."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.people import PersonInfo, as_info, people_by_id, save_person

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

PRIVATE_PREFIXES = ("D", "G")
# Permalinks remembered per process: a message's link never changes, and the people
# reacting to one popular message should not cost one chat.getPermalink each.
PERMALINKS_KEPT = 10_000
# A public channel can be made private: ask again after this long (conversations.info
# allows 50+ calls a minute, and one per channel per ten minutes is far below that).
PRIVACY_TTL = timedelta(minutes=10)
# People remembered per process, on top of the `people` table: a reaction needs its giver
# and author, and asking the database for both on every event was a third of its cost.
PEOPLE_KEPT = 20_000
PEOPLE_MEMORY_SECONDS = 300.0


def person_from_user(user: dict) -> PersonInfo:
    """Turn a `users.info` / `users.lookupByEmail` user object into a PersonInfo."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    return PersonInfo(
        user_id=user["id"],
        name=name,
        email=profile.get("email"),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        is_deleted=bool(user.get("deleted")),
    )


class Memory(Generic[K, V]):
    """What a process remembers: at most `size` entries, the least recently used forgotten
    first, and (with `max_age`) none older than that many seconds. Thread-safe."""

    def __init__(
        self, size: int, max_age: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size, self._max_age, self._clock = size, max_age, clock
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._max_age is not None and self._clock() - entry[1] > self._max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = (value, self._clock())
            self._entries.move_to_end(key)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


class Directory:
    """Looks people up in Slack, keeping what it learns in the `people` table for `ttl`."""

    def __init__(self, sessions: sessionmaker[Session], ttl: timedelta = timedelta(hours=6)):
        self._sessions = sessions
        self._ttl = ttl
        # Channel privacy, with when Slack said so: a public channel can be made private.
        self._private: dict[str, tuple[bool, datetime]] = {}
        self._permalinks: Memory[tuple[str, str], str] = Memory(PERMALINKS_KEPT)
        self._asking: dict[tuple[str, str], Future[str | None]] = {}
        self._asking_lock = threading.Lock()
        # (team, user) -> what the table or Slack said
        self._known: Memory[tuple[str, str], PersonInfo] = Memory(
            PEOPLE_KEPT, max_age=PEOPLE_MEMORY_SECONDS
        )

    def people(
        self, client: WebClient, team_id: str, user_ids: Iterable[str]
    ) -> dict[str, PersonInfo | None]:
        """PersonInfo for each id; None for ids Slack does not know."""
        wanted = list(dict.fromkeys(user_ids))
        found: dict[str, PersonInfo | None] = self._recalled(team_id, wanted)
        missing = [uid for uid in wanted if uid not in found]
        if missing:
            fresh_after = utcnow() - self._ttl
            with self._sessions() as session:
                known = people_by_id(session, team_id, missing)
                for uid, p in known.items():
                    if p.refreshed_at is not None and p.refreshed_at >= fresh_after:
                        found[uid] = self._keep(team_id, as_info(p))
        for user_id in wanted:
            if user_id not in found:
                found[user_id] = self._fetch(client, team_id, user_id)
        return {uid: found[uid] for uid in wanted}

    def _recalled(self, team_id: str, user_ids: list[str]) -> dict[str, PersonInfo | None]:
        recalled: dict[str, PersonInfo | None] = {}
        for user_id in user_ids:
            if (kept := self._known.get((team_id, user_id))) is not None:
                recalled[user_id] = kept
        return recalled

    def _keep(self, team_id: str, info: PersonInfo) -> PersonInfo:
        return self._known.put((team_id, info.user_id), info)

    def person(self, client: WebClient, team_id: str, user_id: str) -> PersonInfo | None:
        return self.people(client, team_id, [user_id])[user_id]

    def lookup_email(self, client: WebClient, team_id: str, email: str) -> PersonInfo | None:
        try:
            user = client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        info = person_from_user(user)
        self._remember(team_id, info)
        return info

    def permalink(self, client: WebClient, channel_id: str, ts: str) -> str | None:
        """A link to a message, or None when Slack gives none (deleted, no access)."""
        key = (channel_id, ts)
        if (known := self._permalinks.get(key)) is not None:
            return known
        with self._asking_lock:
            # A burst of reactions to one message arrives at once: one asks, the rest wait.
            asked = self._asking.get(key)
            asking = self._asking[key] = asked or Future()
        if asked is not None:
            return asked.result()
        link = None
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
        except SlackApiError as error:
            logger.info("no permalink for %s/%s: %s", channel_id, ts, error.response.get("error"))
        finally:
            if link:
                self._permalinks.put(key, link)
            with self._asking_lock:
                del self._asking[key]
            asking.set_result(link)  # also after an unexpected error: nobody waits forever
        return link

    def is_private(self, client: WebClient, channel_id: str | None) -> bool:
        """True for DMs, group DMs and private channels; unknown conversations count as private."""
        if not channel_id or channel_id.startswith(PRIVATE_PREFIXES):
            return True
        known = self._private.get(channel_id)
        if known is None or known[1] < utcnow() - PRIVACY_TTL:
            try:
                channel = client.conversations_info(channel=channel_id)["channel"]
            except SlackApiError as error:
                logger.warning(
                    "conversations.info %s failed (%s); treating it as private",
                    channel_id,
                    error.response.get("error"),
                )
                return True
            private = bool(
                channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim")
            )
            known = self._private[channel_id] = (private, utcnow())
        return known[0]

    def _fetch(self, client: WebClient, team_id: str, user_id: str) -> PersonInfo | None:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in {"user_not_found", "users_not_found"}:
                return None
            raise
        info = person_from_user(user)
        self._remember(team_id, info)
        return info

    def _remember(self, team_id: str, info: PersonInfo) -> None:
        self._keep(team_id, info)
        # Two threads may learn of the same new person at once; the loser updates instead.
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    save_person(session, team_id, info)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

"""A Slack Web API stand-in served on localhost, in the spirit of bolt-python's mock server.

slack_sdk talks to it over real HTTP (its `base_url` points here), so tests see exactly
what our code sent to Slack. It also serves `response_url`s, and can answer 429.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

TEAM_ID = "T0TEST"
BOT_USER_ID = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    ok: bool = True


@dataclass
class StandInState:
    users: dict[str, dict] = field(default_factory=dict)
    channels: dict[str, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # method -> how many of its next calls answer 429, and with which Retry-After
    throttle: dict[str, list[int]] = field(default_factory=dict)
    # method -> Slack error to answer with (e.g. "not_in_channel")
    errors: dict[str, str] = field(default_factory=dict)
    # every Nth call answers 429 with this Retry-After (seconds)
    rate_limit_every: int = 0
    rate_limit_retry_after: int = 1
    served: int = 0
    rate_limited: int = 0
    # channel -> errors its next chat.postMessage calls answer with, one per call
    channel_errors: dict[str, list[str]] = field(default_factory=dict)
    # method -> event that must be set before the stand-in answers (a "slow" Slack)
    holds: dict[str, threading.Event] = field(default_factory=dict)
    # method -> calls waiting on its hold right now
    held: dict[str, int] = field(default_factory=dict)
    # method -> seconds each of its calls takes before it is answered (and recorded)
    delays: dict[str, float] = field(default_factory=dict)
    # method -> how many of its next calls get the connection closed without an answer
    drops: dict[str, int] = field(default_factory=dict)
    # method -> HTTP statuses its next calls answer with (a Slack outage: 500, 503...)
    http_errors: dict[str, list[int]] = field(default_factory=dict)
    # payloads refused as Slack would (`invalid_blocks`): (method, why), in order
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    # conversation id -> the messages posted in it, oldest first (a DM is D + the user's id)
    history: dict[str, list[dict]] = field(default_factory=dict)
    # file id -> the bytes POSTed to its upload URL (files_upload_v2's second step)
    uploads: dict[str, bytes] = field(default_factory=dict)
    # (channel, ts, emoji) of every reaction the app added (reactions.add)
    reactions: set[tuple[str, str, str]] = field(default_factory=set)


class SlackStandIn:
    """Start with `start()`; point `WebClient(base_url=standin.api_url)` at it."""

    def __init__(self) -> None:
        self.state = StandInState()
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll: `stop()` waits for the serving loop to notice, once per poll (the
        # default 0.5 s made teardown half of the suite's time).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "hook") -> str:
        return f"{self.base_url}/respond/{name}"

    # -- the workspace ---------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        email: str | None = None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        self.state.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower(),
            "real_name": name,
            "deleted": deleted,
            "is_bot": is_bot,
            "profile": {"real_name": name, "display_name": name, "email": email},
        }

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, member: bool = True
    ) -> None:
        self.state.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_private": private,
            "is_im": False,
            "is_mpim": False,
            "is_member": member,
        }

    def fail(self, method: str, error: str) -> None:
        self.state.errors[method] = error

    def fail_posts_to(self, channel: str, error: str = "fatal_error", times: int = 1) -> None:
        """The next `times` chat.postMessage calls to `channel` fail with `error`."""
        self.state.channel_errors[channel] = [error] * times

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait until the returned event is set, like a very slow Slack."""
        gate = threading.Event()
        self.state.holds[method] = gate
        return gate

    def delay(self, method: str, seconds: float) -> None:
        """Each call of `method` arriving from now on takes `seconds` (0: no delay), like a
        Slack that is slow but keeps up; the call counts as received once it is answered."""
        self.state.delays[method] = seconds

    def drop(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` get their connection closed unanswered, as a
        proxy or a network failure would; the client sees the connection reset."""
        self.state.drops[method] = times

    def _dropped(self, method: str) -> bool:
        with self._lock:
            if self.state.drops.get(method, 0) > 0:
                self.state.drops[method] -= 1
                return True
        return False

    def fail_http(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next `times` calls of `method` answer with HTTP `status`, as Slack does
        during an outage; they are not recorded as received."""
        self.state.http_errors[method] = [status] * times

    def throttle(self, method: str, times: int, retry_after: int = 1) -> None:
        """The next `times` calls of `method` answer 429 with Retry-After."""
        self.state.throttle[method] = [retry_after] * times

    # -- what was received -----------------------------------------------------------
    def calls(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.state.calls if c.method == method]

    def count(self, method: str) -> int:
        return len(self.calls(method))

    def delivered(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls Slack accepted, optionally to one channel."""
        return [
            c
            for c in self.calls("chat.postMessage")
            if c.ok and (channel is None or c.args.get("channel") == channel)
        ]

    def wait_for_held(self, method: str, count: int, timeout: float = 5.0) -> int:
        """Wait until `count` calls of a held `method` are waiting; how many are (a burst
        can only reach the stand-in as fast as the app's threads let it)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.state.held.get(method, 0) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} held call(s) of {method}, "
                        f"got {self.state.held.get(method, 0)}"
                    )
                self._lock.wait(remaining)
            return self.state.held[method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least `count` calls of `method` arrived; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.state.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({c.method for c in self.state.calls})
                    raise AssertionError(
                        f"expected {count} call(s) of {method}, got {len(found)}; saw {seen}"
                    )
                self._lock.wait(remaining)

    def uploaded(self, file_id: str) -> bytes | None:
        """The bytes received at `file_id`'s upload URL, if any."""
        with self._lock:
            return self.state.uploads.get(file_id)

    def quiet(self, seconds: float = 0.3) -> None:
        """Wait until nothing has arrived for `seconds`: background work has settled."""
        last = -1
        while True:
            with self._lock:
                now = len(self.state.calls)
            if now == last:
                return
            last = now
            time.sleep(seconds)

    # -- answering -------------------------------------------------------------------
    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict, dict[str, str]]:
        gate = self.state.holds.get(method)
        if gate is not None:
            with self._lock:
                self.state.held[method] = self.state.held.get(method, 0) + 1
                self._lock.notify_all()
            gate.wait(timeout=10)
            with self._lock:
                self.state.held[method] -= 1
        pause = self.state.delays.get(method)
        if pause:
            time.sleep(pause)
        with self._lock:
            outage = self.state.http_errors.get(method)
            if outage:
                return outage.pop(0), {"ok": False, "error": "internal_error"}, {}
            pending = self.state.throttle.get(method)
            if pending:
                retry_after = pending.pop(0)
                self.state.rate_limited += 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            self.state.served += 1
            every = self.state.rate_limit_every
            if every and self.state.served % every == 0 and not method.startswith("respond"):
                self.state.rate_limited += 1
                retry = str(self.state.rate_limit_retry_after)
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry}
        if method in self.state.errors:
            return 200, {"ok": False, "error": self.state.errors[method]}, {}
        problems = payload_problems(method, args)
        if problems:
            with self._lock:
                self.state.invalid.append((method, problems))
            return 200, {"ok": False, "error": "invalid_blocks", "errors": problems}, {}
        handler = ANSWERS.get(method)
        body = handler(self, args) if handler else {"ok": True}
        return 200, body, {}

    def _receive_upload(self, path: str, data: bytes) -> bytes:
        """files_upload_v2 POSTs the raw bytes to the URL files.getUploadURLExternal gave."""
        file_id = path.removeprefix("/upload/")
        with self._lock:
            self.state.uploads[file_id] = data
        self._record(Call("upload", {"file_id": file_id, "length": len(data)}, None))
        return f"OK - {len(data)}".encode()

    def _record(self, call: Call) -> None:
        with self._lock:
            self.state.calls.append(call)
            self._lock.notify_all()

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                url = urlparse(self.path)
                args: dict[str, Any] = dict(parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if url.path.startswith("/upload/"):
                    self._reply(200, standin._receive_upload(url.path, data), "text/plain", {})
                    return
                raw = data.decode()
                if raw:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        args.update(json.loads(raw))
                    else:
                        args.update(dict(parse_qsl(raw)))
                for key in ("blocks", "view", "attachments", "files"):
                    if isinstance(args.get(key), str):
                        args[key] = json.loads(args[key])
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") or args.get("token")
                if url.path.startswith("/respond/"):
                    method = "respond"
                else:
                    method = url.path.removeprefix("/api/")
                if standin._dropped(method):
                    self.close_connection = True
                    return
                status, body, headers = standin._answer(method, args)
                if status == 200:
                    standin._record(Call(method, args, token, ok=bool(body.get("ok", True))))
                payload = json.dumps(body).encode()
                self._reply(status, payload, "application/json; charset=utf-8", headers)

            def _reply(
                self, status: int, payload: bytes, content_type: str, headers: dict[str, str]
            ) -> None:
                # A caller that hung up (a killed instance) had its call received all the same.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

        return Handler


MESSAGES = {"chat.postMessage", "chat.update", "chat.postEphemeral", "respond"}
VIEWS = {"views.open", "views.update", "views.publish", "views.push"}


def payload_problems(method: str, args: dict) -> list[str]:
    """What Slack would refuse in a message or a view: its block models and its limits."""
    from tests.slack_limits import problems_in_message, problems_in_view

    if method in MESSAGES and (args.get("text") or args.get("blocks")):
        if method == "respond" and args.get("delete_original"):
            return []
        return problems_in_message(args.get("text") or "", args.get("blocks"))
    if method in VIEWS and isinstance(args.get("view"), dict):
        return problems_in_view(args["view"])
    return []


def _auth_test(standin: SlackStandIn, args: dict) -> dict:
    return {
        "ok": True,
        "url": "https://test.slack.com/",
        "team": "Test Co",
        "team_id": TEAM_ID,
        "user": "everybody-sells",
        "user_id": BOT_USER_ID,
        "bot_id": "BBOT",
    }


def _users_info(standin: SlackStandIn, args: dict) -> dict:
    user = standin.state.users.get(args.get("user", ""))
    return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}


def _lookup_by_email(standin: SlackStandIn, args: dict) -> dict:
    email = (args.get("email") or "").lower()
    for user in standin.state.users.values():
        if (user["profile"].get("email") or "").lower() == email and not user["deleted"]:
            return {"ok": True, "user": user}
    return {"ok": False, "error": "users_not_found"}


def _conversations_info(standin: SlackStandIn, args: dict) -> dict:
    channel = standin.state.channels.get(args.get("channel", ""))
    return (
        {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}
    )


def _post_message(standin: SlackStandIn, args: dict) -> dict:
    channel = args.get("channel", "")
    with standin._lock:
        pending = standin.state.channel_errors.get(channel)
        if pending:
            return {"ok": False, "error": pending.pop(0)}
    known = standin.state.channels.get(channel)
    if known is not None and not known["is_member"]:
        return {"ok": False, "error": "not_in_channel"}
    message = {"type": "message", "ts": standin.next_ts(), "text": args.get("text")}
    message.update(user=BOT_USER_ID, bot_id="BBOT")
    if args.get("metadata"):
        metadata = args["metadata"]
        message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
    with standin._lock:
        standin.state.history.setdefault(conversation_of(channel), []).append(message)
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}


def conversation_of(channel: str) -> str:
    """Posting to a user's ID posts in their DM with the bot."""
    return f"D{channel}" if channel.startswith(("U", "W")) else channel


def _history(standin: SlackStandIn, args: dict) -> dict:
    oldest = float(args.get("oldest") or 0)
    with standin._lock:
        found = [
            dict(m)
            for m in standin.state.history.get(args.get("channel", ""), [])
            if float(m["ts"]) >= oldest
        ]
    if str(args.get("include_all_metadata")).lower() not in {"1", "true"}:
        for message in found:
            message.pop("metadata", None)
    return {"ok": True, "messages": found[::-1], "has_more": False}


def _post_ephemeral(standin: SlackStandIn, args: dict) -> dict:
    known = standin.state.channels.get(args.get("channel", ""))
    if known is None or not known["is_member"]:
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "message_ts": standin.next_ts()}


def _permalink(standin: SlackStandIn, args: dict) -> dict:
    ts = (args.get("message_ts") or "").replace(".", "")
    return {"ok": True, "permalink": f"https://test.slack.com/archives/{args.get('channel')}/p{ts}"}


def _add_reaction(standin: SlackStandIn, args: dict) -> dict:
    """reactions.add: once per message and emoji, as Slack answers a second one."""
    channel, ts, name = args.get("channel", ""), args.get("timestamp", ""), args.get("name", "")
    if not (channel and ts and name):
        return {"ok": False, "error": "invalid_arguments"}
    known = standin.state.channels.get(channel)
    if known is not None and not known["is_member"]:
        return {"ok": False, "error": "not_in_channel"}
    with standin._lock:
        if (channel, ts, name) in standin.state.reactions:
            return {"ok": False, "error": "already_reacted"}
        standin.state.reactions.add((channel, ts, name))
    return {"ok": True}


def _view(standin: SlackStandIn, args: dict) -> dict:
    return {"ok": True, "view": {"id": f"V{next(standin._ts):08d}", **(args.get("view") or {})}}


def _upload_url(standin: SlackStandIn, args: dict) -> dict:
    file_id = f"F{next(standin._ts):09d}"
    return {"ok": True, "file_id": file_id, "upload_url": f"{standin.base_url}/upload/{file_id}"}


def _complete_upload(standin: SlackStandIn, args: dict) -> dict:
    known = standin.state.channels.get(args.get("channel_id", ""))
    if known is not None and not known["is_member"]:
        return {"ok": False, "error": "not_in_channel"}
    files = [
        {"id": f["id"], "title": f.get("title"), "size": len(standin.uploaded(f["id"]) or b"")}
        for f in args.get("files") or []
    ]
    return {"ok": True, "files": files}


def _open_conversation(standin: SlackStandIn, args: dict) -> dict:
    return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}


def _connections_open(standin: SlackStandIn, args: dict) -> dict:
    if not standin.socket_url:
        return {"ok": False, "error": "not_allowed_token_type"}
    return {"ok": True, "url": standin.socket_url}


ANSWERS: dict[str, Callable[[SlackStandIn, dict], dict]] = {
    "apps.connections.open": _connections_open,
    "auth.test": _auth_test,
    "users.info": _users_info,
    "users.lookupByEmail": _lookup_by_email,
    "conversations.info": _conversations_info,
    "conversations.open": _open_conversation,
    "conversations.history": _history,
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.getPermalink": _permalink,
    "chat.update": lambda s, a: {"ok": True, "channel": a.get("channel"), "ts": a.get("ts")},
    "reactions.add": _add_reaction,
    "views.open": _view,
    "views.update": _view,
    "views.publish": _view,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}


if __name__ == "__main__":
    # Manual trials: `python -m tests.slack_standin` serves a small workspace until Ctrl-C.
    standin = SlackStandIn().start()
    from tests.workspace import populate

    populate(standin)
    print(f"Slack stand-in on {standin.api_url} (SLACK_API_URL); response URLs under /respond/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()

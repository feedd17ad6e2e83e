"""Acknowledgement under load: `everybody-sells run` (HTTP mode) against a bare Bolt app.

    python -m benchmarks.ack_load                       # 50 clients, 20 s per app, SQLite
    python -m benchmarks.ack_load --clients 5 50 --duration 30
    python -m benchmarks.ack_load --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Starts the Slack stand-in in this process, seeds a small company (people in the org
chart, a few weeks of credits) into a fresh database (a SQLite file in a temp dir, or a
new PostgreSQL schema that is dropped afterwards), and starts two servers as
subprocesses: `everybody-sells run` and `benchmarks.bare_app` (the same waitress and
Bolt WSGI adapter, the same thread counts, listeners that only ack). Then it drives each
in turn with the same closed-loop load from a separate client process: C clients, each
on one persistent HTTP/1.1 connection, sending correctly signed slash commands
(`/assist @someone text`, `/sells stats`), block_actions clicks (the "open the form"
button, a referral move on a referral that does not exist), reaction_added events
(handshake, a unique event_id and message each) and reaction_removed events (taking off
every fourth reaction the client saw acked).

Latency is the time to the HTTP answer, i.e. the ack Slack waits up to 3 s for; the
listeners' work goes on afterwards on Bolt's listener pool, against the stand-in, and
"drain s" is how long it went on after the load stopped, and "work/s" the requests
(warm-up included) per second from the first request to the end of the drain: the rate
at which the work keeps up, whatever the acks do. The client, the stand-in and
both servers share this machine: the CPU columns show who was busy (100% = one core;
"machine" is every CPU's busy time from /proc/stat: ours, the kernel's loopback networking,
PostgreSQL, and anything else running).

After the load, it waits until the bot's durable inbox is empty and audits the database:
every acked reaction credited exactly once (none if it was taken off again), every acked
/assist recorded exactly once, how many were answered "queued" or "swamped".

Prints one table per run and whether the targets of issues 7 and 18 are met: p99 under
300 ms at 50 clients and at least half the bare app's throughput (a 10 s burst); every
ack within 3 s, no non-2xx, nothing lost or doubled (60 s sustained); peak RSS of `run`
under 250 MB.
Exits 1 only when something could not be run (a server did not start, the client died).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy import Connection as DbConnection
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.assists import OPEN_ASSIST_MODAL_ACTION
from bot.blocks.referrals import MOVE_ACTION
from bot.commands.sample_company import build_sample_company
from bot.settings import normalise_database_url
from models.database import make_engine, make_session_factory, upgrade
from models.people import Person
from tests.slack_requests import signed_headers
from tests.slack_standin import TEAM_ID, SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "ack-load-signing-secret"
BOT_TOKEN = "xoxb-ack-load"
GENERAL = "CGENERAL01"
RECOGNITION = "CRECOG0001"
START_TIMEOUT = 90.0
ACK_LIMIT = 3.0
TARGET_P99_MS = 300.0
TARGET_RATIO = 0.5
TARGET_RSS_MB = 250.0
MISSING_REFERRAL = 999_999
ASSIST_NUMBER = re.compile(r"for Acme, #(\d+)$")

# Request kinds and their share of the load, in requests per 20.
MIX: dict[str, int] = {
    "/assist": 5,
    "/sells stats": 3,
    "open form": 2,
    "referral move": 2,
    "reaction": 7,
    "unreact": 1,  # reaction_removed: one of the reactions this client sent and saw acked
}


# -- the load: requests, built and signed in the client process ------------------------


@dataclass(frozen=True)
class LoadPlan:
    """What one client process sends, and when it stops."""

    port: int
    clients: int
    users: tuple[str, ...]
    response_url: str
    warmup: float = 2.0
    duration: float | None = 20.0
    requests: int | None = None
    warmup_requests: int = 0
    timeout: float = 10.0
    seed: int = 1
    offset: int = 0  # numbers requests apart across client processes


def mix_sequence(seed: int) -> list[str]:
    """MIX as a fixed, shuffled cycle: every run sends the same kinds in the same order."""
    kinds = [kind for kind, share in MIX.items() for _ in range(share)]
    random.Random(seed).shuffle(kinds)
    return kinds


class Payloads:
    """Bodies as Slack sends them (the shapes of tests/slack_requests.py), numbered by n."""

    def __init__(self, plan: LoadPlan) -> None:
        self.users = plan.users
        self.response_url = plan.response_url
        self.rng = random.Random(plan.seed + plan.offset)
        self.cycle = mix_sequence(plan.seed)
        self.run_id = uuid.uuid4().hex[:6].upper()
        self.reactions: dict[int, tuple[str, str, str]] = {}  # sent, not yet acked
        self.removals: dict[int, tuple[str, str, str]] = {}
        self.removals_acked: list[tuple[str, str, str]] = []

        # Reactions acked so far (giver, author, message ts), for `unreact` to take off.
        self.acked_reactions: list[tuple[str, str, str]] = []
        self.removable = 0

    def acked(self, kind: str, n: int) -> None:
        """Request n was answered 2xx: a reaction may now be taken off."""
        if kind == "reaction":
            self.acked_reactions.append(self.reactions.pop(n))
        elif kind == "unreact":
            self.removals_acked.append(self.removals.pop(n))

    def two_people(self) -> tuple[str, str]:
        giver, other = self.rng.sample(self.users, 2)
        return giver, other

    def build(self, n: int) -> tuple[str, bytes, str]:
        """(kind, body, content type) of request number n."""
        kind = self.cycle[n % len(self.cycle)]
        giver, other = self.two_people()
        if kind == "/assist":
            body = self.command("/assist", f"<@{other}> tuned the demo for Acme, #{n}", giver)
        elif kind == "/sells stats":
            body = self.command("/sells", "stats", giver)
        elif kind == "open form":
            body = self.block_action(OPEN_ASSIST_MODAL_ACTION, "", giver)
        elif kind == "referral move":
            value = f"{MISSING_REFERRAL}:contacted"
            body = self.block_action(f"{MOVE_ACTION}_contacted", value, giver)
        elif kind == "unreact" and self.removable < len(self.acked_reactions):
            # Every fourth acked reaction is taken off again, oldest first.
            taken = self.acked_reactions[self.removable]
            self.removable += 4
            self.removals[n] = taken
            return kind, self.reaction(n, *taken, added=False), "application/json"
        else:
            kind, ts = "reaction", f"{int(time.time())}.{n:06d}"
            self.reactions[n] = (giver, other, ts)
            return kind, self.reaction(n, giver, other, ts), "application/json"
        return kind, body, "application/x-www-form-urlencoded"

    def command(self, command: str, text: str, user: str) -> bytes:
        return urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "team_domain": "test",
                "channel_id": GENERAL,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0TEST",
                "response_url": f"{self.response_url}/{command.strip('/')}",
                "trigger_id": f"trigger.{uuid.uuid4().hex}",
            }
        ).encode()

    def block_action(self, action_id: str, value: str, user: str) -> bytes:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "api_app_id": "A0TEST",
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": GENERAL},
            "trigger_id": f"trigger.{uuid.uuid4().hex}",
            "response_url": f"{self.response_url}/action",
            "container": {"type": "message", "is_ephemeral": True},
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "b", "value": value}
            ],
        }
        return urlencode({"payload": json.dumps(payload)}).encode()

    def reaction(self, n: int, user: str, author: str, ts: str, *, added: bool = True) -> bytes:
        now = time.time()
        event = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": "handshake",
            "item_user": author,
            # A message of its own per reaction, so each one is a new credit.
            "item": {"type": "message", "channel": GENERAL, "ts": ts},
            "event_ts": f"{now:.6f}",
        }
        return json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "api_app_id": "A0TEST",
                "type": "event_callback",
                "event_id": f"Ev{self.run_id}{n:09d}",
                "event_time": int(now),
                "event": event,
            }
        ).encode()


def http_request(port: int, body: bytes, content_type: str) -> bytes:
    headers = signed_headers(SIGNING_SECRET, body.decode())
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {headers['x-slack-request-timestamp']}\r\n"
        f"X-Slack-Signature: {headers['x-slack-signature']}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep the connection) of one HTTP/1.1 response; its body is read and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


# One finished request: kind, started (s, client clock), latency (s), HTTP status (0: failed).
Sample = tuple[str, float, float, int]


async def drive(plan: LoadPlan, conn: Connection) -> dict:
    """Run the plan's clients until it is done; report the measured samples and our CPU."""
    payloads = Payloads(plan)
    numbers = itertools.count(plan.offset)
    began = time.perf_counter()
    warm_end = began + plan.warmup
    end = warm_end + (plan.duration or 0.0)
    first_measured = plan.offset + plan.warmup_requests
    last = first_measured + (plan.requests or 0)
    samples: list[Sample] = []
    assists_acked: list[int] = []
    state = {"warm": 0, "measuring_at": None, "cpu": None}

    def start_measuring() -> None:
        if state["measuring_at"] is None:
            state["measuring_at"] = time.perf_counter()
            state["cpu"] = sum(os.times()[:2])
            conn.send(("measuring", time.time()))

    async def client() -> None:
        reader = writer = None
        while True:
            n = next(numbers)
            now = time.perf_counter()
            if plan.requests is not None:
                if n >= last:
                    break
                measured = n >= first_measured
            else:
                if now >= end:
                    break
                measured = now >= warm_end
            if measured:
                start_measuring()
            kind, body, content_type = payloads.build(n)
            request = http_request(plan.port, body, content_type)
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", plan.port)
                writer.write(request)
                status, keep = await asyncio.wait_for(read_response(reader), plan.timeout)
            except (OSError, asyncio.IncompleteReadError, ValueError):  # TimeoutError is an OSError
                status, keep = 0, False
            elapsed = time.perf_counter() - started
            if 200 <= status < 300:
                payloads.acked(kind, n)
                if kind == "/assist":
                    assists_acked.append(n)
            elif kind in ("reaction", "unreact"):
                (payloads.reactions if kind == "reaction" else payloads.removals).pop(n, None)
            if measured:
                samples.append((kind, started, elapsed, status))
            else:
                state["warm"] += 1
            if not keep and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client() for _ in range(plan.clients)))
    start_measuring()  # in case the plan had no measured requests
    finished = time.perf_counter()
    return {
        "samples": [(k, s - state["measuring_at"], e, st) for k, s, e, st in samples],
        "seconds": finished - state["measuring_at"],
        "warmup_requests": state["warm"],
        "warmup_seconds": state["measuring_at"] - began,
        "cpu_seconds": sum(os.times()[:2]) - state["cpu"],
        "reactions_acked": payloads.acked_reactions,
        "removals_acked": payloads.removals_acked,
        "assists_acked": assists_acked,
    }


def client_process(plan: LoadPlan, conn: Connection) -> None:
    """The entry point of a client process: wait for the go, drive, send the results."""
    conn.recv()
    try:
        conn.send(("done", asyncio.run(drive(plan, conn))))
    except Exception as error:  # the orchestrator reports it and exits 1
        conn.send(("failed", repr(error)))
    finally:
        conn.close()


# -- the servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setting_names() -> set[str]:
    """Every setting .env.example documents: none of them leaks in from our environment."""
    example = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))


def server_environment(**settings: str) -> dict[str, str]:
    drop = setting_names()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in drop and not name.lower().endswith("_proxy")
    }
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


def run_command() -> list[str]:
    """The installed console script next to this Python, else the same entry point via -m."""
    script = Path(sys.executable).parent / "everybody-sells"
    if script.exists():
        return [str(script), "run"]
    found = shutil.which("everybody-sells")
    return [found, "run"] if found else [sys.executable, "-m", "bot.cli", "run"]


class ServerFailed(RuntimeError):
    """A server did not start or died under load."""


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self, tail: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Server:
    """Start a server on a free port and wait until /healthz answers."""
    port = free_port()
    log = workdir / f"{name.replace(' ', '-')}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env={**env, "PORT": str(port)},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline and server.alive():
        try:
            with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise ServerFailed(
        f"{name} did not answer /healthz within {START_TIMEOUT:.0f}s "
        f"(exit code {process.returncode}); its output:\n{server.output()}"
    )


def proc_status_kb(pid: int, field_name: str) -> int:
    """A `VmRSS`/`VmHWM`-style field of /proc/<pid>/status, in kB (0 when gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a `run` with WORKER_PROCESSES > 1 is a supervisor + workers)."""
    tree, index = [pid], 0
    while index < len(tree):
        try:
            children = Path(f"/proc/{tree[index]}/task/{tree[index]}/children").read_text()
        except OSError:
            children = ""
        tree.extend(int(child) for child in children.split())
        index += 1
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants, from /proc/<pid>/stat."""
    total = 0.0
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def memory_kb(pid: int) -> int:
    """Memory of a process tree: VmRSS for one process, the sum of Pss for several.

    Workers forked from one supervisor share the pages it had; summing their RSS would
    count those pages once per worker, Pss splits them among the sharers.
    """
    tree = process_tree(pid)
    if len(tree) == 1:
        return proc_status_kb(pid, "VmRSS")
    total = 0
    for member in tree:
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent busy since boot, from /proc/stat (0 where there is none)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0.0
    ticks = [int(value) for value in first[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples a process tree's memory while the load runs; VmHWM gives the lifetime peak too."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every = pid, every
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, memory_kb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, memory_kb(self.pid))


# -- one measured run ----------------------------------------------------------------------


@dataclass
class Audit:
    """What the bot recorded of the acked work, once it had all drained."""

    reactions: int  # acked reaction_added, each on a message of its own
    removed: int  # of those, taken off again (acked reaction_removed)
    lost: int  # acked, not taken off, and not credited
    doubled: int  # credited more than once
    not_removed: int  # taken off in Slack, still credited
    assists: int  # acked inline /assist
    assists_lost: int
    assists_doubled: int
    queued: int  # /assist answered "busy, queued" and recorded later
    busy: int  # answers "swamped, try again in a minute"
    pending: int  # inbox items still pending when the audit gave up waiting
    drain_seconds: float  # from the end of the load until the inbox was empty

    @property
    def clean(self) -> bool:
        return not (
            self.lost
            or self.doubled
            or self.not_removed
            or self.assists_lost
            or self.assists_doubled
            or self.pending
        )


@dataclass
class Result:
    app: str
    clients: int
    samples: list[Sample]
    seconds: float
    peak_rss_mb: float
    lifetime_peak_mb: float
    server_cpu: float
    client_cpu: float
    standin_cpu: float
    machine_cpu: float
    drain_seconds: float
    slack_calls: int
    work_rate: float  # requests done per second from the first request to the end of the drain
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    reactions_acked: list[tuple[str, str, str]] = field(default_factory=list)
    removals_acked: list[tuple[str, str, str]] = field(default_factory=list)
    assists_acked: list[int] = field(default_factory=list)
    calls_from: int = 0  # the stand-in's calls before this run
    audit: Audit | None = None

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not 200 <= s[3] < 300)

    @property
    def late(self) -> int:
        return sum(1 for s in self.samples if s[2] > ACK_LIMIT)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency_ms(self, q: float, kind: str | None = None) -> float:
        values = sorted(s[2] for s in self.samples if kind is None or s[0] == kind)
        return percentile(values, q) * 1000


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


def split_plans(plan: LoadPlan, processes: int) -> list[LoadPlan]:
    """The clients and requests of one plan shared out among `processes` client processes."""
    plans = []
    for i in range(processes):
        share = plan.clients // processes + (1 if i < plan.clients % processes else 0)

        def part(total: int | None, i: int = i) -> int | None:
            if total is None:
                return None
            return total // processes + (1 if i < total % processes else 0)

        plans.append(
            LoadPlan(
                **{
                    **plan.__dict__,
                    "clients": share,
                    "requests": part(plan.requests),
                    "warmup_requests": part(plan.warmup_requests) or 0,
                    "offset": plan.offset + i * 100_000_000,
                }
            )
        )
    return [p for p in plans if p.clients]


def wait_until_quiet(standin: SlackStandIn, since: float, quiet: float, limit: float) -> float:
    """Seconds from `since` to the stand-in's last call, once nothing came for `quiet` s."""
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() - since < limit:
        count = len(standin.state.calls)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            break
        time.sleep(0.05)
    return max(0.0, last_change - since)


def measure(
    server: Server, standin: SlackStandIn, plan: LoadPlan, processes: int, drain_limit: float
) -> Result:
    """Drive one server with the plan; what the clients saw, plus RSS, CPU and the drain."""
    context = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for part in split_plans(plan, processes):
        ours, theirs = context.Pipe()
        worker = context.Process(target=client_process, args=(part, theirs), daemon=True)
        worker.start()
        pipes.append(ours)
        workers.append(worker)
    calls_before = len(standin.state.calls)
    results: list[dict] = []
    with RssSampler(server.process.pid) as rss:
        for pipe in pipes:
            pipe.send("go")
        server_cpu = standin_cpu = machine = 0.0
        measuring = 0
        for pipe in pipes:
            while True:
                if not pipe.poll(1.0):
                    if not server.alive():
                        raise ServerFailed(f"{server.name} died under load:\n{server.output()}")
                    continue
                kind, value = pipe.recv()
                if kind == "measuring":
                    measuring += 1
                    if measuring == 1:
                        server_cpu = cpu_seconds(server.process.pid)
                        standin_cpu = sum(os.times()[:2])
                        machine = machine_busy_seconds()
                elif kind == "done":
                    results.append(value)
                    break
                else:
                    raise ServerFailed(f"the load client failed: {value}")
        server_cpu = cpu_seconds(server.process.pid) - server_cpu
        standin_cpu = sum(os.times()[:2]) - standin_cpu
        machine = machine_busy_seconds() - machine
        load_ended = time.monotonic()
        drain = wait_until_quiet(standin, load_ended, quiet=1.0, limit=drain_limit)
    for worker in workers:
        worker.join(timeout=10)
    if not server.alive():
        raise ServerFailed(f"{server.name} exited during the run:\n{server.output()}")
    seconds = max(r["seconds"] for r in results)
    client_cpu = sum(r["cpu_seconds"] for r in results)
    extra = {
        name: [tuple(x) if isinstance(x, list) else x for r in results for x in r[name]]
        for name in ("reactions_acked", "removals_acked", "assists_acked")
    }
    samples = [s for r in results for s in r["samples"]]
    return Result(
        app=server.name,
        clients=plan.clients,
        samples=samples,
        seconds=seconds,
        peak_rss_mb=rss.peak_kb / 1024,
        lifetime_peak_mb=max(
            proc_status_kb(pid, "VmHWM") for pid in process_tree(server.process.pid)
        )
        / 1024,
        server_cpu=100 * server_cpu / seconds,
        client_cpu=100 * client_cpu / seconds,
        standin_cpu=100 * standin_cpu / seconds,
        machine_cpu=100 * machine / seconds,
        drain_seconds=drain,
        slack_calls=len(standin.state.calls) - calls_before,
        work_rate=(len(samples) + sum(r["warmup_requests"] for r in results))
        / (max(r["warmup_seconds"] for r in results) + seconds + drain),
        calls_from=calls_before,
        **extra,
    )


def audit(url: str, standin: SlackStandIn, result: Result, since: float, limit: float) -> Audit:
    """Wait until the bot's inbox is empty, then count what it recorded of the acked work:
    every reaction credited once (none if taken off again), every /assist once."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            pending = pending_events(connection)
            while pending and time.monotonic() - since < limit:
                time.sleep(0.25)
                pending = pending_events(connection)
            drained = time.monotonic() - since
            wait_until_quiet(standin, time.monotonic(), quiet=1.0, limit=30)
            credited = dict(
                connection.execute(
                    text(
                        "SELECT a.message_ts, count(c.id) FROM assists a JOIN credits c "
                        "ON c.assist_id = a.id WHERE a.source = 'reaction' "
                        "AND a.revoked_at IS NULL AND c.revoked_at IS NULL GROUP BY a.message_ts"
                    )
                ).all()
            )
            stories = (
                connection.execute(text("SELECT description FROM assists WHERE source = 'command'"))
                .scalars()
                .all()
            )
            queued = connection.scalar(
                text("SELECT count(*) FROM inbox_events WHERE event_type = 'assist_command'")
            )
    finally:
        engine.dispose()
    numbers = Counter(
        int(match.group(1)) for story in stories if (match := ASSIST_NUMBER.search(story))
    )
    removed = {ts for _, _, ts in result.removals_acked}
    kept = [ts for _, _, ts in result.reactions_acked if ts not in removed]
    busy = sum(
        1
        for call in standin.state.calls[result.calls_from :]
        if call.method == "respond" and "swamped" in str(call.args.get("text"))
    )
    return Audit(
        reactions=len(result.reactions_acked),
        removed=len(removed),
        lost=sum(1 for ts in kept if not credited.get(ts)),
        doubled=sum(1 for count in credited.values() if count > 1),
        not_removed=sum(1 for ts in removed if credited.get(ts)),
        assists=len(result.assists_acked),
        assists_lost=sum(1 for n in result.assists_acked if not numbers.get(n)),
        assists_doubled=sum(1 for count in numbers.values() if count > 1),
        queued=queued or 0,
        busy=busy,
        pending=pending,
        drain_seconds=drained,
    )


def pending_events(connection: DbConnection) -> int:
    return connection.scalar(text("SELECT count(*) FROM inbox_events WHERE status = 'pending'"))


# -- the database and the company ----------------------------------------------------------


@contextmanager
def fresh_database(url: str | None, workdir: Path) -> Iterator[str]:
    """A SQLite file in `workdir`, or a new schema in the given PostgreSQL database."""
    if url is None:
        yield f"sqlite:///{workdir / 'ack_load.db'}"
        return
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        yield url  # used as it is: the company is added to what it holds
        return
    schema = f"ack_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if make_url(url).query else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str, standin: SlackStandIn, people: int, weeks: int) -> list[str]:
    """The sample company in the database and in the stand-in's workspace; its user ids."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            build_sample_company(session, TEAM_ID, people=people, weeks=weeks, seed=7)
        with sessions() as session:
            rows = session.execute(
                select(Person.user_id, Person.name, Person.email).where(Person.team_id == TEAM_ID)
            ).all()
    finally:
        engine.dispose()
    for user_id, name, email in rows:
        standin.add_user(user_id, name, email)
    standin.add_channel(GENERAL, "general")
    standin.add_channel(RECOGNITION, "everybody-sells")
    return [row.user_id for row in rows]


# -- the report ---------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def print_tables(pairs: list[tuple[Result, Result]]) -> None:
    """The headline table, where the time went, and latency by kind of request."""
    print(
        f"{'app':<15} {'clients':>7} {'requests':>8} {'errors':>6} {'>3 s':>5} {'req/s':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'req/s vs bare':>13} {'p99 vs bare':>11} "
        f"{'peak RSS MB':>11}"
    )
    for bare, run in pairs:
        for r in (bare, run):
            print(
                f"{r.app:<15} {r.clients:>7} {r.requests:>8} {r.errors:>6} {r.late:>5} "
                f"{r.rate:>6.0f} {r.latency_ms(0.5):>7.1f} {r.latency_ms(0.99):>7.1f} "
                f"{r.latency_ms(1.0):>7.0f} {ratio(r.rate, bare.rate):>12.2f}x "
                f"{ratio(r.latency_ms(0.99), bare.latency_ms(0.99)):>10.1f}x "
                f"{r.peak_rss_mb:>11.0f}"
            )
    print()
    print(
        f"{'app':<15} {'clients':>7} {'server CPU %':>12} {'client CPU %':>12} "
        f"{'stand-in CPU %':>14} {'machine CPU %':>13} {'Slack calls':>11} {'drain s':>7} "
        f"{'work/s':>6}"
    )
    for bare, run in pairs:
        for r in (bare, run):
            print(
                f"{r.app:<15} {r.clients:>7} {r.server_cpu:>12.0f} {r.client_cpu:>12.0f} "
                f"{r.standin_cpu:>14.0f} {r.machine_cpu:>13.0f} {r.slack_calls:>11} "
                f"{r.drain_seconds:>7.1f} {r.work_rate:>6.0f}"
            )
    print()
    print(f"{'p50 / p99 ms':<15} {'clients':>7} " + " ".join(f"{kind:>15}" for kind in MIX))
    for bare, run in pairs:
        for r in (bare, run):
            cells = [
                f"{r.latency_ms(0.5, kind):.0f} / {r.latency_ms(0.99, kind):.0f}" for kind in MIX
            ]
            print(f"{r.app:<15} {r.clients:>7} " + " ".join(f"{c:>15}" for c in cells))


def print_audit(pairs: list[tuple[Result, Result]]) -> None:
    print(
        f"{'app':<15} {'clients':>7} {'reactions':>9} {'removed':>7} {'lost':>4} "
        f"{'doubled':>7} {'not removed':>11} {'/assist':>7} {'lost':>4} {'doubled':>7} "
        f"{'queued':>6} {'busy':>4} {'inbox empty after s':>19}"
    )
    for _, run in pairs:
        if (a := run.audit) is not None:
            print(
                f"{run.app:<15} {run.clients:>7} {a.reactions:>9} {a.removed:>7} {a.lost:>4} "
                f"{a.doubled:>7} {a.not_removed:>11} {a.assists:>7} {a.assists_lost:>4} "
                f"{a.assists_doubled:>7} {a.queued:>6} {a.busy:>4} "
                f"{a.drain_seconds if not a.pending else float('nan'):>19.1f}"
            )


def print_targets(bare: Result, run: Result) -> None:
    p99 = run.latency_ms(0.99)
    throughput = ratio(run.rate, bare.rate)
    at = f"at {run.clients} clients" + ("" if run.clients == 50 else " (stated for 50)")
    checks = [
        (f"p99 ack latency < {TARGET_P99_MS:.0f} ms {at}", p99 < TARGET_P99_MS, f"{p99:.0f} ms"),
        (
            f"throughput >= {TARGET_RATIO}x the bare app's {at}",
            throughput >= TARGET_RATIO,
            f"{throughput:.2f}x",
        ),
        (
            f"peak RSS of run < {TARGET_RSS_MB:.0f} MB",
            run.peak_rss_mb < TARGET_RSS_MB,
            f"{run.peak_rss_mb:.0f} MB during the load, {run.lifetime_peak_mb:.0f} MB VmHWM",
        ),
        ("no errors (non-2xx or no answer)", run.errors == 0, f"{run.errors} of {run.requests}"),
        (
            f"every ack within {ACK_LIMIT:g} s (max, not p99)",
            run.late == 0 and run.errors == 0,
            f"max {run.latency_ms(1.0):.0f} ms, {run.late} later than {ACK_LIMIT:g} s",
        ),
    ]
    if run.audit is not None:
        a = run.audit
        checks.append(
            (
                "all acked work recorded once after the drain",
                a.clean,
                f"{a.lost + a.assists_lost} lost, {a.doubled + a.assists_doubled} doubled, "
                f"{a.not_removed} not taken off, {a.pending} still pending",
            )
        )
    print("targets (issues 7 and 18):")
    for label, met, value in checks:
        print(f"  [{'met' if met else 'MISSED':>6}] {label}: {value}")


def describe(args: argparse.Namespace, url: str) -> str:
    load = f"{args.requests} requests" if args.requests else f"{args.duration:g} s"
    warm = f"{args.warmup_requests} requests" if args.requests else f"{args.warmup:g} s"
    database = make_url(url).get_backend_name()
    mix = ", ".join(f"{kind} {share * 100 // sum(MIX.values())}%" for kind, share in MIX.items())
    return (
        f"{load} per app after {warm} of warm-up, client processes: {args.client_processes}; "
        f"HTTP_THREADS={args.http_threads}, WORKER_PROCESSES={args.processes}; {database}, {args.people} people, {args.weeks} "
        f"weeks of credits; mix: {mix}; {os.cpu_count()} CPUs shared by the client, the "
        f"stand-in, the servers{' and PostgreSQL' if database == 'postgresql' else ''}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[50], help="concurrent connections (one run each)"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per app")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per app")
    parser.add_argument(
        "--requests", type=int, help="measure this many requests per app instead of --duration"
    )
    parser.add_argument("--warmup-requests", type=int, default=500, help="with --requests")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL to run against, in a fresh schema dropped afterwards "
        "(default: a SQLite file in a temporary directory)",
    )
    parser.add_argument("--http-threads", type=int, default=8, help="HTTP_THREADS of both servers")
    parser.add_argument("--processes", type=int, default=1, help="WORKER_PROCESSES of both servers")
    parser.add_argument("--people", type=int, default=200, help="people in the seeded org chart")
    parser.add_argument("--weeks", type=int, default=4, help="weeks of seeded credits")
    parser.add_argument("--client-processes", type=int, default=1, help="share clients among N")
    parser.add_argument(
        "--drain-limit", type=float, default=120.0, help="wait at most this long for listeners"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with server logs")
    parser.add_argument(
        "--run-command",
        help="how to start the bot, split on spaces (default: everybody-sells run), "
        "e.g. to try a variant of it",
    )
    return parser.parse_args(argv)


def start_servers(
    args: argparse.Namespace, url: str, standin: SlackStandIn, workdir: Path, stack: ExitStack
) -> list[Server]:
    """The bare app and the bot, each stopped when `stack` closes."""
    env = server_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=url,
        RECOGNITION_CHANNEL=RECOGNITION,
        HTTP_THREADS=str(args.http_threads),
        WORKER_PROCESSES=str(args.processes),
        # Every assist in the load is recorded, not refused by the daily giving limit.
        DAILY_CREDIT_LIMIT="1000",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    bot = args.run_command.split() if args.run_command else run_command()
    servers = []
    for name, command in (
        ("bare bolt", [sys.executable, "-m", "benchmarks.bare_app"]),
        ("everybody-sells", bot),
    ):
        servers.append(start_server(name, command, env, workdir))
        stack.callback(servers[-1].stop)
    return servers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    standin = SlackStandIn().start()
    pairs: list[tuple[Result, Result]] = []
    with ExitStack() as stack:
        stack.callback(standin.stop)
        workdir = Path(tempfile.mkdtemp(prefix="ack_load_"))
        if args.keep:
            print(f"server logs in {workdir}")
        else:
            stack.callback(shutil.rmtree, workdir, True)
        try:
            url = stack.enter_context(fresh_database(args.database_url, workdir))
            users = seed(url, standin, args.people, args.weeks)
            servers = start_servers(args, url, standin, workdir, stack)
            standin.quiet(0.5)  # the start-up sweep of `run` has settled
            print(describe(args, url))
            for clients in args.clients:
                plan = LoadPlan(
                    port=0,
                    clients=clients,
                    users=tuple(users),
                    response_url=standin.base_url + "/respond",
                    warmup=args.warmup,
                    duration=None if args.requests else args.duration,
                    requests=args.requests,
                    warmup_requests=args.warmup_requests if args.requests else 0,
                )
                measured = []
                # The bare app first: the bot's listeners go on working after its load.
                for server in servers:
                    print(
                        f"driving {server.name} (pid {server.process.pid}) with {clients} clients",
                        file=sys.stderr,
                    )
                    plan = LoadPlan(**{**plan.__dict__, "port": server.port})
                    result = measure(server, standin, plan, args.client_processes, args.drain_limit)
                    if server is servers[-1]:  # the bot: was all of its acked work done?
                        result.audit = audit(
                            url, standin, result, time.monotonic(), args.drain_limit
                        )
                    measured.append(result)
                pairs.append((measured[0], measured[1]))
            for server in servers:
                if "Traceback" in server.log.read_text(errors="replace"):
                    print(f"note: {server.name} logged a traceback (see its log with --keep)")
        except (ServerFailed, SQLAlchemyError) as failure:
            print(f"ack_load: {failure}", file=sys.stderr)
            return 1
    print()
    print_tables(pairs)
    print()
    print_audit(pairs)
    print()
    target = next((pair for pair in pairs if pair[1].clients == 50), pairs[-1])
    print_targets(*target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Several `everybody-sells run` instances on one database, behind a round-robin proxy.

Two real processes in HTTP mode, each with its own scheduler, start on a database where a
digest period was missed and many managers are due a nudge. Their start-up sweeps race:
one posts the digest, one claims the nudge run and fans out, slowly, against a slow Slack.
Slack requests reach both through the proxy, and a retried event that lands on the other
instance counts once. Then the instance fanning out is killed (SIGKILL) mid-fan-out, and the
other one takes over the run when its lease runs out: every manager gets their nudge, and
the digest was posted once. Leases and the sweep interval are shortened through settings
(RUN_LEASE_SECONDS, CLAIM_LEASE_SECONDS, SWEEP_SECONDS) so this takes seconds, not 30 minutes.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.slack.client import build_client
from jobs.recognition import Recognition, run_nudges
from models.assists import AssistDraft, Credit, Kind, Stage, record_assist
from models.deliveries import Delivery, claim
from models.org_chart import import_org_chart, parse_org_chart
from models.people import PersonInfo
from models.periods import iso_week
from tests.conftest import SIGNING_SECRET
from tests.slack_standin import TEAM_ID, Call, SlackStandIn
from tests.test_run_http import HttpSlackRequests, bot_environment, free_port, http
from tests.workspace import ANA, GINA, RECOGNITION

ROOT = Path(__file__).resolve().parent.parent
MANAGERS = 160  # each with one report: 160 nudges
SENDER_THREADS = 4  # run_nudges' default: at most this many DMs in flight per run
SLOW_SLACK = 0.5  # seconds per chat.postMessage until the kill: ~8 DMs a second
KILL_AFTER = 20  # nudges A has sent when it is killed (at least)
RUN_LEASE_SECONDS = 12  # 30 minutes in production
CLAIM_LEASE_SECONDS = 3  # 10 minutes in production
SWEEP_SECONDS = 1  # 5 minutes in production
START_TIMEOUT = 60.0  # imports and migrations, on a slow CI machine
FINISH_TIMEOUT = RUN_LEASE_SECONDS + CLAIM_LEASE_SECONDS + 30.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Instance:
    name: str
    token: str  # each instance its own bot token, so the stand-in tells who sent what
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """The finalizer: SIGKILL if still running; its log shows when the test failed."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        print(f"--- instance {self.name} (pid {self.process.pid}) ---\n{self.output()[-5000:]}")


def launch(
    name: str, env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Instance:
    """`python -m bot.cli run` on a free port; killed when the test ends, whatever happens."""
    port = free_port()
    log = tmp_path / f"{name}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env={**env, "PORT": str(port)},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    instance = Instance(name, env["SLACK_BOT_TOKEN"], process, port, log)
    request.addfinalizer(instance.kill)
    return instance


def healthy(instance: Instance) -> bool:
    try:
        return http("GET", f"{instance.base_url}/healthz").status == 200
    except OSError:
        return False  # not listening yet


def start_all(
    names: list[str],
    environment: Callable[[str], dict[str, str]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> list[Instance]:
    """Start every instance at once and wait until each answers /healthz; an instance whose
    free port was taken meanwhile is started again on another one."""
    instances = [launch(name, environment(name), tmp_path, request) for name in names]
    deadline = time.monotonic() + START_TIMEOUT
    waiting = set(range(len(instances)))
    while waiting:
        for index in sorted(waiting):
            instance = instances[index]
            if healthy(instance):
                waiting.discard(index)
            elif instance.process.poll() is not None:
                if "address already in use" not in instance.output().lower():
                    pytest.fail(f"instance {instance.name} exited:\n{instance.output()}")
                instances[index] = launch(
                    instance.name, environment(instance.name), tmp_path, request
                )
        if time.monotonic() > deadline:
            pytest.fail(f"not answering /healthz after {START_TIMEOUT:.0f}s: {sorted(waiting)}")
        time.sleep(0.1)
    return instances


class RoundRobinProxy:
    """A tiny load balancer: each POST goes to the next instance in turn, and to the one
    after it if that one does not answer (as nginx's `proxy_next_upstream error` does)."""

    def __init__(self, instances: list[Instance]) -> None:
        self.instances = instances
        self.served: list[tuple[str, int]] = []  # (instance name, HTTP status), in order
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def forward(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        with self._lock:
            first = next(self._turn)
        for step in range(len(self.instances)):
            instance = self.instances[(first + step) % len(self.instances)]
            connection = HTTPConnection("127.0.0.1", instance.port, timeout=10)
            try:
                connection.request("POST", path, body, headers)
                answer = connection.getresponse()
                data = answer.read()
            except ConnectionRefusedError:
                continue  # that instance is gone: the next one takes the request
            finally:
                connection.close()
            with self._lock:
                self.served.append((instance.name, answer.status))
            return answer.status, data, answer.getheader("Content-Type") or "text/plain"
        return 502, b"no instance answered", "text/plain"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() == "content-type" or name.lower().startswith("x-slack-")
                }
                status, data, content_type = proxy.forward(self.path, body, headers)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def proxy_for() -> Iterator[Callable[[list[Instance]], RoundRobinProxy]]:
    proxies: list[RoundRobinProxy] = []

    def start(instances: list[Instance]) -> RoundRobinProxy:
        proxies.append(RoundRobinProxy(instances))
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.stop()


def missed_tick(now: datetime) -> datetime:
    """A weekly tick that fired a day ago: its period is due now, the next one is 6 days off."""
    return (now - timedelta(days=1)).replace(second=0, microsecond=0)


def seed_company(
    sessions: sessionmaker[Session], managers: int, credited_at: datetime
) -> list[str]:
    """An org chart of `managers` managers with one report each, imported as a CSV file would
    be, and a dozen credits to reports at `credited_at`; the managers' user IDs."""
    departments = ("Sales", "Support", "Engineering", "Finance")
    people: dict[str, PersonInfo] = {}
    lines = ["email,department,manager_email"]
    for i in range(managers):
        boss, report = (PersonInfo(f"U{role}{i:06d}", f"{role} {i}") for role in ("MGR", "REP"))
        for person in (boss, report):
            people[f"{person.user_id.lower()}@example.com"] = person
        department = departments[i % len(departments)]
        lines.append(f"{boss.user_id.lower()}@example.com,{department},")
        lines.append(
            f"{report.user_id.lower()}@example.com,{department},{boss.user_id.lower()}@example.com"
        )
    with sessions.begin() as session:
        imported = import_org_chart(session, TEAM_ID, parse_org_chart(lines), people.get)
        assert imported.created == 2 * managers, imported
        for i in range(min(managers, 12)):
            report = f"UREP{i:06d}"
            record_assist(
                session,
                AssistDraft(
                    TEAM_ID,
                    GINA,
                    [report],
                    kind=Kind.SERVICE,
                    stage=Stage.POST_SALE,
                    customer=f"Customer {i}",
                    description=f"unblocked customer {i}",
                ),
                {report: people[f"{report.lower()}@example.com"]},
                limit=None,
                now=credited_at,
            )
    return [f"UMGR{i:06d}" for i in range(managers)]


def nudges(standin: SlackStandIn) -> list[Call]:
    """The weekly nudge DMs Slack accepted, in the order it accepted them."""
    return [c for c in standin.delivered() if str(c.args.get("text", "")).startswith("Your team, ")]


def run_row(sessions: sessionmaker[Session], key: str) -> Delivery | None:
    with sessions() as session:
        return session.scalar(select(Delivery).where(Delivery.key == key))


def wait_until(check: Callable[[], Any], timeout: float, what: str, poll: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting until {what}")
        time.sleep(poll)


def test_two_instances_post_each_digest_and_nudge_once_and_survive_a_kill(
    standin: SlackStandIn,
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    proxy_for: Callable[[list[Instance]], RoundRobinProxy],
) -> None:
    now = datetime.now(UTC)
    tick = missed_tick(now)
    schedule = f"{tick.minute} {tick.hour} * * {WEEKDAYS[tick.weekday()]}"
    period = iso_week(tick, UTC)
    managers = seed_company(sessions, MANAGERS, credited_at=tick)
    with sessions.begin() as session:  # installed just before the missed period
        claim(session, TEAM_ID, "installed", tick - timedelta(minutes=1))

    def environment(name: str) -> dict[str, str]:
        return bot_environment(
            SLACK_BOT_TOKEN=f"xoxb-instance-{name.lower()}",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            DATABASE_URL=database_url,
            RECOGNITION_CHANNEL=RECOGNITION,
            DIGEST_SCHEDULE=schedule,
            NUDGE_SCHEDULE=schedule,
            RUN_LEASE_SECONDS=str(RUN_LEASE_SECONDS),
            CLAIM_LEASE_SECONDS=str(CLAIM_LEASE_SECONDS),
            SWEEP_SECONDS=str(SWEEP_SECONDS),
            PYTHONPATH=str(ROOT),
        )

    # A slow Slack, so that the fan-out is still going when the instance doing it is killed.
    standin.delay("chat.postMessage", SLOW_SLACK)
    instances = start_all(["1", "2"], environment, tmp_path, request)
    by_pid = {i.process.pid: i for i in instances}

    # Both start-up sweeps raced for the nudge run; the winner fans out. It is "A" from here on.
    run_key = f"nudge-run:{period}"
    claimed = wait_until(lambda: run_row(sessions, run_key), 30, f"{run_key} is claimed")
    a = by_pid[int(claimed.claimed_by.rsplit(":", 1)[1])]
    b = next(i for i in instances if i is not a)
    a.name, b.name = "A", "B"

    # Slack requests through the proxy reach both instances, alternately. A reaction event
    # and Slack's retry of it (landing on the other instance) credit the author once.
    proxy = proxy_for(instances)
    slack = HttpSlackRequests(f"{proxy.url}/slack/events", standin, SIGNING_SECRET)
    assert slack.reaction(True, user=GINA, author=ANA, event_id="EvSAMEONE").status == 200
    retry = slack.reaction(True, user=GINA, author=ANA, event_id="EvSAMEONE", retry_num=1)
    assert retry.status == 200
    for _ in range(2):
        assert slack.command("/sells", "stats", user=GINA).status == 200
    assert [status for _, status in proxy.served] == [200] * 4
    first, second = proxy.served[0][0], proxy.served[1][0]
    assert first != second, proxy.served  # the event and its retry went to different instances
    assert {name for name, _ in proxy.served} == {"A", "B"}
    standin.wait_for("respond", 2, timeout=10)

    # Kill A once some, but not all, managers have their nudge.
    wait_until(
        lambda: sum(c.token == a.token for c in nudges(standin)) >= KILL_AFTER,
        30,
        f"A has sent {KILL_AFTER} nudges",
    )
    run = run_row(sessions, run_key)
    assert run is not None
    # Normally 1. Each takeover while A lives (its lease ran out on a slow machine) adds one,
    # and may be A's own next sweep, running a second fan-out beside the first.
    a_runs = run.attempts
    a.process.send_signal(signal.SIGKILL)
    a.process.wait(timeout=10)
    killed_at = time.monotonic()
    sent_before_kill = Counter(c.token for c in nudges(standin))
    assert sum(sent_before_kill.values()) < MANAGERS, "the fan-out ended before the kill"
    standin.delay("chat.postMessage", 0)  # Slack is quick again; B has the rest to send

    # Requests still get answered: the proxy passes A's turn on to B.
    assert slack.command("/sells", "stats", user=GINA).status == 200
    assert proxy.served[-1] == ("B", 200)

    # B takes the run over once its lease has run out, and finishes it.
    wait_until(
        lambda: {c.args["channel"] for c in nudges(standin)} >= set(managers),
        FINISH_TIMEOUT,
        "every manager has their nudge",
    )
    finished = wait_until(
        lambda: (row := run_row(sessions, run_key)) and row.done_at is not None and row,
        FINISH_TIMEOUT,
        f"{run_key} is done",
    )
    took_over = time.monotonic() - killed_at
    standin.quiet(0.5)

    sent = nudges(standin)
    per_manager = Counter(c.args["channel"] for c in sent)
    doubled = sorted(m for m, count in per_manager.items() if count > 1)
    by_token = Counter(c.token for c in sent)
    a_after_kill = by_token[a.token] - sent_before_kill[a.token]
    names = {a.token: "A", b.token: "B"}
    print(
        f"\nnudges: {MANAGERS} managers; A sent {sent_before_kill[a.token]} before the kill "
        f"and {a_after_kill} in flight then; B sent {by_token[b.token]} "
        f"({sent_before_kill[b.token]} before the kill); doubled {len(doubled)}; "
        f"B finished {took_over:.1f}s after the kill; A's runs {a_runs}; "
        f"digest posted by {[names[c.token] for c in standin.delivered(RECOGNITION)]}"
    )

    # None lost: every manager got their nudge, and nobody else got one.
    assert set(per_manager) == set(managers)
    assert set(by_token) <= {a.token, b.token}
    assert finished.claimed_by.endswith(f":{b.process.pid}")
    # Nobody doubled: a DM that Slack accepted just before (or, in flight, just after) the
    # kill, but that A never marked done, is found in the DM by B before it resends.
    assert doubled == [], doubled
    assert a_after_kill <= SENDER_THREADS * a_runs  # only what was in flight at the kill

    # The digest was posted once, by whichever instance claimed it first.
    [digest] = standin.delivered(RECOGNITION)
    assert digest.args["text"].startswith("Everybody sells, "), digest.args["text"]
    with sessions() as session:
        keys = session.scalars(select(Delivery.key).where(Delivery.key.like("digest:%"))).all()
    assert keys == [f"digest:{period}"]

    # The reaction, delivered to both instances, is one credit and one DM to its author.
    with sessions() as session:
        reactions = session.scalars(select(Credit).where(Credit.recipient_id == ANA)).all()
    assert [(c.giver_id, c.kind) for c in reactions] == [(GINA, "assist")]
    assert len(standin.delivered(ANA)) == 1
    assert standin.count("respond") == 3  # each /sells stats answered once

    assert b.process.poll() is None, b.output()
    assert "Traceback" not in b.output(), b.output()


def test_a_run_taken_over_while_its_first_sender_lives_sends_nobody_twice(
    settings: Settings, sessions: sessionmaker[Session], standin: SlackStandIn
) -> None:
    """A fan-out that outlasts its run lease is taken over by the next sweep (another
    instance's, or its own) while it is still sending. Each recipient is claimed as of when
    it is sent, not when the run started, so neither sender sends what the other holds."""
    managers = seed_company(sessions, 60, credited_at=datetime.now(UTC) - timedelta(days=1))
    short = replace(settings, run_lease_seconds=1, claim_lease_seconds=1)
    first, second = (
        Recognition(short, sessions, build_client(short), TEAM_ID, worker=name)
        for name in ("first", "second")
    )
    standin.delay("chat.postMessage", 0.2)  # 60 nudges, 4 at a time: 3 s
    began = time.monotonic()
    runner = threading.Thread(target=run_nudges, args=(first,), daemon=True)
    runner.start()
    wait_until(lambda: time.monotonic() - began > 1.2, 5, "the first run's lease ran out")
    assert runner.is_alive() and len(nudges(standin)) < len(managers)

    taken_over = run_nudges(second)  # the real clock, as in the scheduler
    runner.join(timeout=30)

    assert not taken_over.reason  # it took the run over instead of skipping it
    per_manager = Counter(c.args["channel"] for c in nudges(standin))
    assert per_manager == Counter(managers)  # every manager once: none lost, none doubled

"""`everybody-sells run` end to end: the real process in HTTP mode, signed requests over real
HTTP, the Slack stand-in for the Web API, and the database it migrated itself."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_bolt import App, BoltResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.routes import build_routes
from bot.webhooks import sign
from models.assists import Credit
from models.database import make_engine
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests, command_body, signed_headers
from tests.slack_standin import SlackStandIn
from tests.tcp_proxy import TcpProxy
from tests.test_settings import SETTING_NAMES
from tests.workspace import ANA, BEN, GINA, RECOGNITION

BOT_TOKEN = "xoxb-end-to-end"
START_TIMEOUT = 60.0  # imports and migrations, on a slow CI machine
ACK_LIMIT = 3.0  # Slack gives up on an answer after 3 seconds
SIGNATURE_WARNING = "rejected a request with an invalid or stale signature"


def run_command() -> list[str]:
    """The installed console script when there is one, else the same entry point via -m."""
    script = Path(sys.executable).parent / "everybody-sells"
    if script.exists():
        return [str(script), "run"]
    found = shutil.which("everybody-sells")
    return [found, "run"] if found else [sys.executable, "-m", "bot.cli", "run"]


def bot_environment(**settings: str) -> dict[str, str]:
    """The real environment without any bot setting or proxy, plus `settings`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTING_NAMES and not name.lower().endswith("_proxy")
    }
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class HttpAnswer:
    status: int
    body: str
    seconds: float


def http(
    method: str, url: str, body: str | None = None, headers: dict[str, str] | None = None
) -> HttpAnswer:
    """One request with urllib, never through a proxy; HTTP errors are answers too."""
    request = urllib.request.Request(
        url, data=body.encode() if body is not None else None, headers=headers or {}, method=method
    )
    started = time.monotonic()
    try:
        with DIRECT.open(request, timeout=10) as response:
            return HttpAnswer(response.status, response.read().decode(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, error.read().decode(), time.monotonic() - started)


class HttpSlackRequests(SlackRequests):
    """The payloads of the in-process tests, signed the same way, POSTed to a running bot."""

    def __init__(self, url: str, standin: SlackStandIn, secret: str) -> None:
        super().__init__(None, standin, secret)  # type: ignore[arg-type]  # no app in this process
        self.url = url
        self.answers: list[HttpAnswer] = []

    def send(
        self, body: str, content_type: str, extra: dict[str, str] | None = None
    ) -> BoltResponse:
        headers = {
            "content-type": content_type,
            **signed_headers(self.secret, body),
            **(extra or {}),
        }
        answer = http("POST", self.url, body, headers)
        self.answers.append(answer)
        return BoltResponse(status=answer.status, body=answer.body)

    @property
    def last_seconds(self) -> float:
        return self.answers[-1].seconds


@dataclass
class RunningBot:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_bot(tmp_path: Path, env: dict[str, str], request: pytest.FixtureRequest) -> RunningBot:
    """Start `everybody-sells run` and wait for /healthz; retry if the port was taken meanwhile."""
    for attempt in range(3):
        port = free_port()
        log = tmp_path / f"bot-{attempt}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                run_command(),
                cwd=tmp_path,
                env={**env, "PORT": str(port)},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        bot = RunningBot(process, f"http://127.0.0.1:{port}", log)
        request.addfinalizer(bot.stop)
        if wait_until_healthy(bot):
            return bot
        if "address already in use" not in bot.output().lower():
            break
    bot.stop()
    pytest.fail(
        f"`everybody-sells run` did not answer /healthz within {START_TIMEOUT:.0f}s "
        f"(exit code {bot.process.returncode}); its output:\n{bot.output()}"
    )


def wait_until_healthy(bot: RunningBot) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and bot.process.poll() is None:
        try:
            if http("GET", f"{bot.base_url}/healthz").status == 200:
                return True
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    return False


@pytest.fixture
def bot(
    standin: SlackStandIn, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> RunningBot:
    """The bot as a separate process, in HTTP mode, on a free port, in an empty directory."""
    return start_bot(tmp_path, http_bot_environment(standin, database_url), request)


def http_bot_environment(standin: SlackStandIn, database_url: str, **more: str) -> dict[str, str]:
    """What `run` needs in HTTP mode against the stand-in, plus `more` settings."""
    return bot_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
        RECOGNITION_CHANNEL=RECOGNITION,
        **more,
    )


def test_run_serves_commands_events_and_health_over_http(
    bot: RunningBot, standin: SlackStandIn, database_url: str
) -> None:
    slack = HttpSlackRequests(bot.events_url, standin, SIGNING_SECRET)

    # /assist with a mention, while Slack is slow to answer: acknowledged in time all the same,
    # then confirmed ephemerally, and the helper is told.
    slow_slack = standin.hold("users.info")
    try:
        response = slack.command("/assist", f"<@{ANA}|ana> tuned the demo", user=GINA)
    finally:
        slow_slack.set()
    assert response.status == 200, bot.output()
    assert slack.last_seconds < ACK_LIMIT
    standin.wait_for("users.info", timeout=10)  # the slow call was made, after the ack
    confirmation = standin.wait_for("respond", timeout=10)[0]
    assert confirmation.args["response_type"] == "ephemeral"
    assert f"You credited <@{ANA}>" in confirmation.args["text"]
    dm = standin.wait_for("chat.postMessage", timeout=10)[0]
    assert dm.args["channel"] == ANA
    assert f"<@{GINA}> credited you" in dm.args["text"]
    assert "tuned the demo" in dm.args["text"]
    assert dm.token == BOT_TOKEN

    # A reaction with the assist emoji: the message's author is credited and told.
    response = slack.reaction(True, user=BEN, author=ANA)
    assert response.status == 200, bot.output()
    assert slack.last_seconds < ACK_LIMIT
    second_dm = standin.wait_for("chat.postMessage", 2, timeout=10)[1]
    assert second_dm.args["channel"] == ANA
    assert f"<@{BEN}> reacted to" in second_dm.args["text"]

    # A request signed with another secret is refused and reaches no listener.
    forged = HttpSlackRequests(bot.events_url, standin, "not-the-signing-secret")
    assert forged.command("/assist", f"<@{BEN}> forged it", user=GINA).status == 401
    assert forged.reaction(True, user=GINA, author=BEN, ts="1700000000.000200").status == 401
    # ... and each refusal is logged once, naming the likely cause, without the body.
    assert bot.output().count(SIGNATURE_WARNING) == 2, bot.output()
    assert "forged it" not in bot.output()

    # Anything but POST /slack/events, GET /healthz and GET /readyz is not served.
    assert http("GET", f"{bot.base_url}/healthz").body == "ok\n"
    assert http("GET", f"{bot.base_url}/readyz").body == "ready\n"
    assert http("GET", f"{bot.base_url}/no/such/page").status == 404
    assert http("GET", bot.events_url).status == 405

    standin.quiet()
    assert standin.count("respond") == 1
    assert standin.count("chat.postMessage") == 2
    assert bot.process.poll() is None, bot.output()
    assert "Traceback" not in bot.output()
    # No start-up noise: Bolt's token warning, APScheduler's job-by-job INFO lines.
    assert "will be unused" not in bot.output()
    assert "INFO apscheduler" not in bot.output()

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            credits = session.scalars(select(Credit).order_by(Credit.id)).all()
            found = [(c.giver_id, c.recipient_id, c.kind, c.assist.source) for c in credits]
    finally:
        engine.dispose()
    assert found == [(GINA, ANA, "assist", "command"), (BEN, ANA, "assist", "reaction")]


def test_sigterm_finishes_the_work_of_requests_already_acked(
    bot: RunningBot, standin: SlackStandIn, database_url: str
) -> None:
    slack = HttpSlackRequests(bot.events_url, standin, SIGNING_SECRET)
    slow_slack = standin.hold("chat.getPermalink")
    authors = [ANA, BEN] * 3
    for n, author in enumerate(authors):
        response = slack.reaction(True, user=GINA, author=author, ts=f"1700000000.{n:06d}")
        assert response.status == 200, bot.output()
    standin.wait_for_held("chat.getPermalink", count=1, timeout=10)

    # A deploy stops the bot while Slack is slow: the six reactions were acked, so Slack
    # will not send them again, and the bot must finish them before it exits.
    bot.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert bot.process.poll() is None, bot.output()
    slow_slack.set()
    assert bot.process.wait(timeout=30) == 0, bot.output()

    assert "finishing" in bot.output()
    assert standin.count("chat.postMessage") == 6
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            recipients = sorted(c.recipient_id for c in session.scalars(select(Credit)))
    finally:
        engine.dispose()
    assert recipients == sorted(authors)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, "PORT"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ],
    ids=["no-signing-secret", "bad-port", "no-bot-token"],
)
def test_run_with_a_missing_or_bad_setting_exits_2_with_one_line(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    env = bot_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'never.db'}", **settings)
    finished = subprocess.run(
        run_command(),
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2, finished.stderr
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert named in lines[0]
    assert "Traceback" not in finished.stderr
    assert finished.stdout == ""


def run_to_the_end(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        run_command(),
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_when_slack_cannot_be_reached_exits_1_with_one_line(
    tmp_path: Path, database_url: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = bot_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=closed,
        DATABASE_URL=database_url,
    )
    finished = run_to_the_end(tmp_path, env)

    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.startswith(f"everybody-sells: cannot reach Slack at {closed}: ")
    assert finished.stderr.count("\n") == 1, finished.stderr
    assert finished.stdout == ""


def test_run_with_a_token_slack_refuses_exits_1_with_one_line(
    tmp_path: Path, standin: SlackStandIn, database_url: str
) -> None:
    standin.fail("auth.test", "invalid_auth")
    env = bot_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
    )
    finished = run_to_the_end(tmp_path, env)

    assert finished.returncode == 1, finished.stderr
    assert finished.stderr == "everybody-sells: Slack refused SLACK_BOT_TOKEN: invalid_auth\n"
    assert finished.stdout == ""
    assert standin.count("auth.test") == 1


def test_a_request_with_a_bad_signature_is_logged_without_its_body(
    app: App, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    body = "command=%2Fassist&text=the+secret+body&user_id=UGINA00001"
    headers = signed_headers("not-the-signing-secret", body)
    environ = {
        "REQUEST_METHOD": "POST",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body.encode()),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    statuses: list[str] = []

    with caplog.at_level(logging.INFO):
        routes = build_routes(app, SIGNING_SECRET, engine)
        routes(environ, lambda status, headers, *rest: statuses.append(status))

    assert statuses == ["401 Unauthorized"]
    warnings = [r for r in caplog.records if r.name == "bot.routes"]
    assert [(r.levelname, r.getMessage()) for r in warnings] == [
        ("WARNING", f"{SIGNATURE_WARNING} (signature mismatch); check SLACK_SIGNING_SECRET")
    ]
    assert "the secret body" not in caplog.text


def test_a_forged_request_to_the_running_bot_causes_nothing_but_one_log_line(
    bot: RunningBot, standin: SlackStandIn
) -> None:
    outsider = SlackStandIn().start()
    try:
        body = command_body(
            "/assist", f"<@{ANA}> forged", GINA, "CGENERAL01", response_url=outsider.response_url()
        )
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": "not-a-number",
            "x-slack-signature": "v0=" + "0" * 64,
        }
        answer = http("POST", bot.events_url, body, headers)
        broken = http(
            "POST", bot.events_url, "payload=%7B", signed_headers(SIGNING_SECRET, "payload=%7B")
        )
        time.sleep(0.5)
        assert (answer.status, broken.status) == (401, 400)
        assert outsider.state.calls == []
        assert [c.method for c in standin.state.calls if c.method != "auth.test"] == []
        assert bot.output().count(SIGNATURE_WARNING) == 1
        assert "Traceback" not in bot.output() and "forged" not in bot.output()
    finally:
        outsider.stop()


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="cuts a database server's connections: runs with TEST_DATABASE_URL (PostgreSQL)",
)
def test_reactions_acked_while_postgresql_is_unreachable_are_recorded_when_it_returns(
    standin: SlackStandIn, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    proxy = TcpProxy(("127.0.0.1", 5432))
    request.addfinalizer(proxy.close)
    through_proxy = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    env = http_bot_environment(standin, through_proxy, INBOX_RETRY_SECONDS="1")
    bot = start_bot(tmp_path, env, request)
    slack = HttpSlackRequests(bot.events_url, standin, SIGNING_SECRET)

    proxy.cut()
    for n, author in enumerate((ANA, BEN, ANA)):
        response = slack.reaction(True, user=GINA, author=author, ts=f"1700000002.00000{n}")
        assert response.status == 200, bot.output()
        assert slack.last_seconds < ACK_LIMIT
    time.sleep(3)
    assert standin.delivered() == []
    proxy.restore()

    standin.wait_for("chat.postMessage", 3, timeout=30)
    standin.quiet()
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            recipients = sorted(c.recipient_id for c in session.scalars(select(Credit)))
    finally:
        engine.dispose()
    assert recipients == sorted([ANA, ANA, BEN])
    assert len(standin.delivered()) == 3
    assert "held in memory until the database answers" in bot.output()


def test_the_running_bot_takes_a_deal_won_once_and_asks_its_owner(
    standin: SlackStandIn, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    secret = "crm-secret-for-the-end-to-end-test"
    env = http_bot_environment(standin, database_url, CRM_WEBHOOK_SECRET=secret)
    bot = start_bot(tmp_path, env, request)
    url = f"{bot.base_url}/webhooks/crm/deal-won"
    body = json.dumps(
        {
            "deal_id": "HS-77",
            "deal_name": "Acme expansion",
            "customer": "Acme",
            "owner_email": "ana@example.com",
            "amount": 12000,
            "source": "hubspot",
        }
    )

    def signed(key: str = secret) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "content-type": "application/json",
            "x-everybody-sells-timestamp": stamp,
            "x-everybody-sells-signature": sign(key, stamp, body.encode()),
        }

    first, again = http("POST", url, body, signed()), http("POST", url, body, signed())
    assert (first.status, again.status) == (200, 200), bot.output()
    assert json.loads(again.body)["result"] == "duplicate"
    assert http("POST", url, body, signed("forged-key-forged-key")).status == 401
    bad = http("POST", url, body.replace("ana@example.com", "nobody"), signed())
    assert bad.status == 401  # the signature covers the body: a changed body is forged
    assert http("GET", url).status == 405
    dm = standin.wait_for("chat.postMessage", timeout=10)[0]
    assert dm.args["channel"] == ANA and "Acme expansion" in dm.args["text"]
    standin.quiet()
    assert len(standin.delivered(ANA)) == 1
    assert bot.output().count("refused a CRM webhook") == 2 and "Traceback" not in bot.output()

"""`everybody-sells run` in Socket Mode: Slack over a WebSocket (a local stand-in of
Slack's end), and the health routes on PORT all the same."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.slack_standin import TEAM_ID, SlackStandIn
from tests.socket_mode_standin import SocketModeStandIn
from tests.test_run_http import (
    BOT_TOKEN,
    bot_environment,
    free_port,
    http,
    run_command,
    start_bot,
)
from tests.workspace import ANA, GENERAL, GINA, RECOGNITION


@pytest.fixture
def socket_end(standin: SlackStandIn) -> SocketModeStandIn:
    end = SocketModeStandIn()
    standin.socket_url = end.url
    yield end
    end.stop()


def socket_environment(standin: SlackStandIn, database_url: str, **more: str) -> dict[str, str]:
    return bot_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-1-socket-mode-test",
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
        RECOGNITION_CHANNEL=RECOGNITION,
        **more,
    )


def test_socket_mode_answers_commands_and_events_and_serves_health(
    standin, socket_end, database_url, tmp_path, request
):
    bot = start_bot(tmp_path, socket_environment(standin, database_url), request)
    socket_end.wait_for_connection()
    assert http("GET", f"{bot.base_url}/readyz").body == "ready\n"
    assert http("POST", f"{bot.base_url}/slack/events", "{}").status == 404  # no Slack route

    command = {
        "team_id": TEAM_ID,
        "channel_id": GENERAL,
        "user_id": GINA,
        "command": "/assist",
        "text": f"<@{ANA}> tuned the demo",
        "response_url": standin.response_url("assist"),
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
    }
    socket_end.wait_for_ack(socket_end.send("slash_commands", command))
    confirmation = standin.wait_for("respond", timeout=10)[0].args
    assert f"You credited <@{ANA}>" in confirmation["text"]

    event = {
        "team_id": TEAM_ID,
        "type": "event_callback",
        "event_id": "EvSOCKET01",
        "event_time": int(time.time()),
        "event": {
            "type": "reaction_added",
            "user": GINA,
            "reaction": "handshake",
            "item_user": ANA,
            "item": {"type": "message", "channel": GENERAL, "ts": "1700000003.000100"},
        },
    }
    socket_end.wait_for_ack(socket_end.send("events_api", event))
    dms = standin.wait_for("chat.postMessage", 2, timeout=10)
    assert [c.args["channel"] for c in dms] == [ANA, ANA]
    assert "Traceback" not in bot.output()


def test_socket_mode_without_http_serves_nothing_on_the_port(
    standin, socket_end, database_url, tmp_path
):
    port = free_port()
    env = socket_environment(standin, database_url, SOCKET_MODE_HTTP="off", PORT=str(port))
    log = (tmp_path / "bot.log").open("wb")
    process = subprocess.Popen(
        run_command(), cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    try:
        socket_end.wait_for_connection()
        with pytest.raises(OSError):
            http("GET", f"http://127.0.0.1:{port}/healthz")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, Path(tmp_path / "bot.log").read_text()


def test_in_socket_mode_the_crm_webhook_is_served_on_the_port(
    standin, socket_end, database_url, tmp_path, request
):
    env = socket_environment(standin, database_url, CRM_WEBHOOK_TOKEN="t" * 32)
    bot = start_bot(tmp_path, env, request)
    socket_end.wait_for_connection()
    body = '{"deal_id":"7","deal_name":"Globex pilot","customer":"Globex","owner_email":"ana@example.com"}'
    headers = {"content-type": "application/json", "authorization": "Bearer " + "t" * 32}
    answer = http("POST", f"{bot.base_url}/webhooks/crm/deal-won", body, headers)
    assert answer.status == 200, bot.output()
    assert standin.wait_for("chat.postMessage", timeout=10)[0].args["channel"] == ANA

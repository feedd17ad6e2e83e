"""Requests an attacker or a broken client would send: unsigned, forged, malformed, for
another workspace, or naming an answer URL elsewhere. None may cause a write, a Slack call
or an outbound request, and none may get a 5xx or leave a traceback in the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import Engine, func, select

from bot.routes import build_routes
from bot.verification import allowed_response_url
from models.assists import Assist
from models.base import Base
from models.inbox import InboxEvent
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import call_wsgi, command_body, signed_headers
from tests.slack_standin import TEAM_ID, SlackStandIn
from tests.workspace import ANA, BEN, GENERAL, GINA

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def outsider() -> Iterator[SlackStandIn]:
    """A server that is not Slack: where a forged body would like the bot to post."""
    server = SlackStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def routes(app, engine):
    return build_routes(app, SIGNING_SECRET, engine)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def slack_calls(standin: SlackStandIn) -> list[str]:
    """What reached the stand-in, apart from auth.test when the app was built."""
    return [c.method for c in standin.state.calls if c.method != "auth.test"]


def forged_command(outsider: SlackStandIn) -> bytes:
    return command_body(
        "/assist", f"<@{ANA}> forged", GINA, GENERAL, response_url=outsider.response_url()
    ).encode()


def problems_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def signed_bytes(body: bytes) -> dict[str, str]:
    """Slack's signature headers for any bytes, UTF-8 or not."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest}"}


NOW = str(int(time.time()))
WELL_FORMED_SIGNATURE = "v0=" + "0" * 64
UNSIGNED = {
    "no headers": {},
    "empty headers": {"x-slack-request-timestamp": "", "x-slack-signature": ""},
    "a word for a timestamp": {
        "x-slack-request-timestamp": "yesterday",
        "x-slack-signature": WELL_FORMED_SIGNATURE,
    },
    "wide digits": {"x-slack-request-timestamp": "１７００", "x-slack-signature": "v0=1"},
    "exponent": {"x-slack-request-timestamp": "1e9", "x-slack-signature": WELL_FORMED_SIGNATURE},
    "negative": {"x-slack-request-timestamp": "-5", "x-slack-signature": WELL_FORMED_SIGNATURE},
    "huge": {"x-slack-request-timestamp": "9" * 30, "x-slack-signature": WELL_FORMED_SIGNATURE},
    "no signature": {"x-slack-request-timestamp": NOW},
    "malformed signature": {"x-slack-request-timestamp": NOW, "x-slack-signature": "v0=zz"},
    "other scheme": {"x-slack-request-timestamp": NOW, "x-slack-signature": "v1=" + "0" * 64},
    "wrong signature": {
        "x-slack-request-timestamp": NOW,
        "x-slack-signature": WELL_FORMED_SIGNATURE,
    },
}


@pytest.mark.parametrize("headers", UNSIGNED.values(), ids=UNSIGNED.keys())
def test_an_unverified_request_gets_401_and_causes_nothing(
    routes, engine, standin, outsider, caplog, headers
):
    before = row_counts(engine)
    with caplog.at_level(logging.INFO):
        status, body = call_wsgi(
            routes,
            "POST",
            "/slack/events",
            forged_command(outsider),
            {"content-type": FORM, **headers},
        )

    assert status == 401
    assert json.loads(body) == {"error": "invalid request"}
    time.sleep(0.2)  # anything it set off would have reached a server by now
    assert outsider.state.calls == []
    assert slack_calls(standin) == []
    assert row_counts(engine) == before
    logged = problems_logged(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert "check SLACK_SIGNING_SECRET" in logged[0].getMessage()
    assert "forged" not in caplog.text and logged[0].exc_info is None


def test_stale_and_foreign_signatures_get_401(routes, standin, outsider):
    body = forged_command(outsider)
    stale = signed_headers(SIGNING_SECRET, body.decode(), timestamp=int(time.time()) - 600)
    foreign = signed_headers("another-apps-secret", body.decode())
    for headers in (stale, foreign):
        status, _ = call_wsgi(
            routes, "POST", "/slack/events", body, {"content-type": FORM, **headers}
        )
        assert status == 401
    assert outsider.state.calls == [] and slack_calls(standin) == []


def test_the_app_itself_refuses_a_malformed_timestamp(app, standin, outsider, engine):
    """The signed-dispatch path (and anything else that calls dispatch) checks it too."""
    before = row_counts(engine)
    request = BoltRequest(
        body=forged_command(outsider).decode(),
        headers={
            "content-type": FORM,
            "x-slack-request-timestamp": "not-a-number",
            "x-slack-signature": WELL_FORMED_SIGNATURE,
        },
    )
    assert app.dispatch(request).status == 401
    time.sleep(0.2)
    assert outsider.state.calls == [] and slack_calls(standin) == []
    assert row_counts(engine) == before


MALFORMED = {
    "invalid JSON": (b'{"type": "event_callback", ', "application/json"),
    "JSON array": (b"[1, 2]", "application/json"),
    "JSON string": (b'"event_callback"', "application/json"),
    "JSON without a type": (b'{"event": {}}', "application/json"),
    "event that is a string": (b'{"type": "event_callback", "event": "x"}', "application/json"),
    "empty payload": (b"payload=", FORM),
    "broken payload": (b"payload=%7B%22type%22%3A", FORM),
    "payload that is a list": (b"payload=%5B1%5D", FORM),
    "state that is a string": (
        (
            "payload=" + quote(json.dumps({"type": "view_submission", "view": {"state": "x"}}))
        ).encode(),
        FORM,
    ),
    "invalid UTF-8": (b"command=%2Fassist&text=\xff\xfe", FORM),
    "neither form nor JSON": (b"hello world", "text/plain"),
    "a form that is nothing Slack sends": (b"a=1&b=2", FORM),
    "empty body": (b"", FORM),
}


@pytest.mark.parametrize(("body", "content_type"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_body_gets_400_and_causes_nothing(
    routes, engine, standin, caplog, body, content_type
):
    before = row_counts(engine)
    headers = {"content-type": content_type, **signed_bytes(body)}
    with caplog.at_level(logging.INFO):
        status, answer = call_wsgi(routes, "POST", "/slack/events", body, headers)

    assert status == 400, answer
    assert "error" in json.loads(answer)
    assert slack_calls(standin) == [] and row_counts(engine) == before
    assert [r.exc_info for r in problems_logged(caplog)] == [None]
    assert "Traceback" not in caplog.text


def view(callback_id: str, values: dict, metadata: str = "") -> dict:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": GINA, "team_id": TEAM_ID},
        "view": {
            "id": "VFORGED001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": {b: {"value": v} for b, v in values.items()}},
        },
    }


ASSIST = {
    "recipients": {"type": "multi_users_select", "selected_users": [ANA]},
    "description": {"type": "plain_text_input", "value": "tuned the demo"},
}
FORGED_FORMS = {
    "a select whose option is a string": view(
        "assist_modal", {**ASSIST, "kind": {"type": "static_select", "selected_option": "win"}}
    ),
    "people that are not IDs": view(
        "assist_modal",
        {**ASSIST, "recipients": {"type": "multi_users_select", "selected_users": [1]}},
    ),
    "text that is a number": view(
        "assist_modal", {**ASSIST, "description": {"type": "plain_text_input", "value": 42}}
    ),
    "a time no calendar shows": view(
        "session_modal",
        {"starts_at": {"type": "datetimepicker", "selected_date_time": 10**15}},
    ),
    "a state that is not an object": {
        **view("assist_modal", ASSIST),
        "view": {"id": "V1", "callback_id": "assist_modal", "state": []},
    },
    "a form for a record number that is a word": view(
        "referral_reason", {}, metadata='{"id": "DROP TABLE", "state": "lost"}'
    ),
}


@pytest.mark.parametrize("payload", FORGED_FORMS.values(), ids=FORGED_FORMS.keys())
def test_forged_form_values_get_400_not_500(slack, standin, sessions, caplog, payload):
    with caplog.at_level(logging.INFO):
        response = slack.send_interaction(payload)
    slack.settle()
    assert response.status == 400, response.body
    assert slack_calls(standin) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 0
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "snan", "1e9999"])
def test_deal_values_that_are_not_numbers_get_a_field_error(slack, sessions, value):
    from tests.test_win import win_values

    response = slack.view_submission("win_modal", win_values(value=value))
    assert response.status == 200
    errors = json.loads(response.body)["errors"]
    assert set(errors) == {"deal_value"}
    assert errors["deal_value"] in {
        "Enter a number, like 12000 or 12000.50",
        "That amount is too large",
    }
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 0


def test_a_session_years_ahead_is_a_field_error(slack, standin):
    starts = int(time.time()) + 60 * 60 * 24 * 365 * 60  # 2086: a picker shows it
    response = slack.view_submission(
        "session_modal",
        {
            "title": {"type": "plain_text_input", "value": "How we build the API"},
            "presenters": {"type": "multi_users_select", "selected_users": [BEN]},
            "starts_at": {"type": "datetimepicker", "selected_date_time": starts},
            "ends_at": {"type": "datetimepicker", "selected_date_time": starts + 3600},
        },
    )
    assert json.loads(response.body)["errors"] == {
        "starts_at": "Choose a time within the next year."
    }


def test_a_forged_button_value_is_refused_quietly(slack, standin, caplog):
    with caplog.at_level(logging.INFO):
        moved = slack.block_action("referral_move_won", value="abc:won")
        thanked = slack.block_action("nudge_thanks", value="1 OR 1=1")
    slack.settle()
    assert moved.status in {200, 400} and thanked.status in {200, 400}
    assert slack_calls(standin) == []
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)


def test_requests_for_another_workspace_are_ignored_and_never_stored(
    slack, standin, engine, caplog
):
    before = row_counts(engine)
    with caplog.at_level(logging.INFO):
        command = slack.command("/assist", f"<@{ANA}> from elsewhere", team_id="TOTHER01")
        event = slack.reaction(True, user=BEN, author=ANA, team_id="TOTHER01")
        button = slack.send_interaction(
            {**view("assist_modal", ASSIST), "team": {"id": "TOTHER01"}}
        )
    slack.settle()
    assert (command.status, event.status, button.status) == (200, 200, 200)
    assert slack_calls(standin) == []
    assert row_counts(engine) == before
    assert caplog.text.count("ignored a request for workspace TOTHER01") == 3


def test_answers_go_only_to_slacks_own_hosts(slack, standin, outsider, caplog):
    with caplog.at_level(logging.INFO):
        slack.command("/sells", "stats", response_url=outsider.response_url("stats"))
        slack.settle()
        standin.quiet()
    assert outsider.state.calls == []
    assert "did not answer at 127.0.0.1: not a Slack host" in caplog.text


@pytest.mark.parametrize(
    ("url", "api_url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/x", "https://slack.com/api/", True),
        ("http://hooks.slack.com/commands/T1/2/x", "https://slack.com/api/", False),
        ("https://hooks.slack.com.evil.example/x", "https://slack.com/api/", False),
        ("https://evil.example/hooks.slack.com", "https://slack.com/api/", False),
        ("https://user@evil.example/x", "https://slack.com/api/", False),
        ("https://hooks.slack-gov.com/commands/x", "https://slack-gov.com/api/", True),
        ("http://127.0.0.1:9/respond/x", "http://127.0.0.1:9/api/", True),
        ("http://127.0.0.1:8/respond/x", "http://127.0.0.1:9/api/", False),
        ("javascript:alert(1)", "https://slack.com/api/", False),
        ("", "https://slack.com/api/", False),
    ],
)
def test_which_response_urls_are_slacks(url, api_url, allowed):
    assert allowed_response_url(url, api_url) is allowed


def test_forms_and_commands_store_no_control_characters(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> fixed\x00 the\x1b[31m invoice\x7f")
    slack.settle()
    slack.view_submission(
        "assist_modal",
        {**ASSIST, "customer": {"type": "plain_text_input", "value": "Acme\x00\x08 Corp"}},
    )
    slack.settle()  # the form is saved after its ack
    with sessions() as session:
        stored = session.execute(select(Assist.description, Assist.customer).order_by(Assist.id))
        assert [tuple(row) for row in stored] == [
            ("fixed the[31m invoice", None),
            ("tuned the demo", "Acme Corp"),
        ]


def test_an_event_without_an_id_never_reaches_the_inbox(routes, engine):
    """An event without an event id can't be deduplicated: Slack always sends one."""
    body = json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event": {"type": "x"}})
    headers = {"content-type": "application/json", **signed_headers(SIGNING_SECRET, body)}
    status, _ = call_wsgi(routes, "POST", "/slack/events", body.encode(), headers)
    assert status == 400
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(InboxEvent)) == 0


def test_a_huge_body_is_refused_before_it_is_read(routes):
    big = urlencode({"payload": "x" * (5 * 1024 * 1024)}).encode()
    status, _ = call_wsgi(routes, "POST", "/slack/events", big, {"content-type": FORM})
    assert status == 413


def test_readyz_says_not_ready_while_a_migration_is_pending_and_healthz_stays_alive(app, engine):
    from alembic import command

    from models.database import alembic_config

    routes = build_routes(app, SIGNING_SECRET, engine)
    assert call_wsgi(routes, "GET", "/readyz") == (200, "ready\n")
    command.downgrade(alembic_config(engine), "-1")  # as after deploying newer code
    status, body = call_wsgi(routes, "GET", "/readyz")
    assert status == 503 and "migrations are pending" in body
    assert call_wsgi(routes, "GET", "/healthz") == (200, "ok\n")
    assert call_wsgi(routes, "POST", "/healthz")[0] == 405
    assert call_wsgi(routes, "GET", "/nothing/here")[0] == 404

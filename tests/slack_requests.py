"""Signed requests into the real Bolt app, as Slack would send them."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from tests.slack_standin import TEAM_ID, SlackStandIn
from tests.workspace import GENERAL, GINA


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature}


def command_body(command: str, text: str, user: str, channel: str, **fields: str) -> str:
    """The form Slack POSTs for a slash command."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0TEST",
            "trigger_id": f"trigger.{uuid.uuid4().hex}",
            **fields,
        }
    )


class SlackRequests:
    """Builds command, interaction and event payloads, signs them and dispatches them."""

    def __init__(
        self,
        app: App,
        standin: SlackStandIn,
        secret: str,
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self.app, self.standin, self.secret = app, standin, secret
        self.settle = settle

    def send(
        self, body: str, content_type: str, extra: dict[str, str] | None = None
    ) -> BoltResponse:
        headers = {
            "content-type": content_type,
            **signed_headers(self.secret, body),
            **(extra or {}),
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(
        self,
        command: str,
        text: str = "",
        user: str = GINA,
        channel: str = GENERAL,
        **fields: str,
    ) -> BoltResponse:
        """A slash command; `fields` override the form's fields (team_id, response_url...)."""
        body = command_body(
            command,
            text,
            user,
            channel,
            **{"response_url": self.standin.response_url(command.strip("/")), **fields},
        )
        return self.send(body, "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> BoltResponse:
        payload = {"team": {"id": TEAM_ID}, "api_app_id": "A0TEST", **payload}
        return self.send_interaction(payload)

    def send_interaction(self, payload: dict[str, Any]) -> BoltResponse:
        """An interaction payload exactly as given, signed and sent."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded")

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        user: str = GINA,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> BoltResponse:
        """`values` maps block id to the action's state, e.g. {"description": {"value": "x"}}."""
        view = {
            "id": view_id or f"V{uuid.uuid4().hex[:10].upper()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": {block: {"value": state} for block, state in values.items()}},
        }
        return self.interaction(
            {
                "type": "view_submission",
                "user": {"id": user, "team_id": TEAM_ID},
                "view": view,
                "trigger_id": "t.1",
            }
        )

    def block_action(
        self, action_id: str, value: str = "", user: str = GINA, channel: str = GENERAL
    ) -> BoltResponse:
        """A click on a button of an ephemeral message."""
        return self._action({"type": "button", "value": value}, action_id, user, channel)

    def select_action(
        self, action_id: str, value: str, user: str = GINA, channel: str = GENERAL
    ) -> BoltResponse:
        """A choice in a static_select of an ephemeral message."""
        element = {"type": "static_select", "selected_option": {"value": value}}
        return self._action(element, action_id, user, channel)

    def _action(self, element: dict, action_id: str, user: str, channel: str) -> BoltResponse:
        return self.interaction(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": TEAM_ID},
                "channel": {"id": channel},
                "trigger_id": f"trigger.{uuid.uuid4().hex}",
                "response_url": self.standin.response_url("action"),
                "container": {"type": "message", "is_ephemeral": True},
                "actions": [{**element, "action_id": action_id, "block_id": "b"}],
            }
        )

    def message_shortcut(
        self,
        text: str | None,
        author: str | None,
        user: str = GINA,
        channel: str = GENERAL,
        ts: str = "1700000000.000700",
        callback_id: str = "log_assist",
        overrides: dict[str, Any] | None = None,
    ) -> BoltResponse:
        """A message shortcut ("Log as assist") used on a message by `author` (None: a
        bot's message); `overrides` replace fields of the payload (None: leave it out)."""
        message: dict[str, Any] = {"type": "message", "ts": ts}
        if text is not None:
            message["text"] = text
        if author is not None:
            message["user"] = author
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": f"trigger.{uuid.uuid4().hex}",
            "action_ts": f"{time.time():.6f}",
            "message_ts": ts,
            "response_url": self.standin.response_url("shortcut"),
            "user": {"id": user, "name": user.lower(), "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "general"},
            "team": {"id": TEAM_ID, "domain": "test"},
            "message": message,
            "token": "legacy",
            **(overrides or {}),
        }
        return self.interaction({k: v for k, v in payload.items() if v is not None})

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str = TEAM_ID,
    ) -> BoltResponse:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": team_id,
                "api_app_id": "A0TEST",
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        extra = {}
        if retry_num is not None:
            extra = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"}
        return self.send(body, "application/json", extra)

    def reaction(
        self,
        added: bool,
        user: str,
        author: str | None,
        channel: str = GENERAL,
        ts: str = "1700000000.000100",
        emoji: str = "handshake",
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str = TEAM_ID,
    ) -> BoltResponse:
        event = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": emoji,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        if author is not None:
            event["item_user"] = author
        return self.send_event(event, event_id, retry_num, team_id)

    send_event = event


def call_wsgi(
    application: Callable[..., Any],
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """One request straight into a WSGI application, as waitress would pass it."""
    environ = {
        "REQUEST_METHOD": method,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ[f"HTTP_{name.upper().replace('-', '_')}"] = value
    statuses: list[str] = []
    chunks = application(environ, lambda status, _headers, *rest: statuses.append(status))
    return int(statuses[0].split()[0]), b"".join(chunks).decode()

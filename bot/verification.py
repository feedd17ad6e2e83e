"""Checks on a request before anything acts on it: Slack's signature, then the body's shape.

A request whose signature does not verify is refused before its body is even parsed, so
nothing in it (a `response_url`, a team, a payload) can cause a write, a Slack call or an
outbound request. A signed body that Slack could not have sent is refused with 400.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SIGNATURE_WARNING = "rejected a request with an invalid or stale signature"
MAX_SKEW_SECONDS = 300  # Slack's own rule: a request older than 5 minutes may be a replay
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class MalformedPayload(ValueError):
    """A signed request whose body or values Slack's own widgets cannot produce."""


def signature_problem(
    secret: str | None, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """Why a request's Slack signature does not verify, or None when it does.

    Stricter than slack_sdk's verifier, which raises on a timestamp that is not a number:
    every header is checked for its form before any arithmetic is done with it."""
    if not secret:
        return "no signing secret is configured"
    if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
        return "missing or malformed X-Slack-Request-Timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale X-Slack-Request-Timestamp"
    if not signature or not _SIGNATURE.fullmatch(signature):
        return "missing or malformed X-Slack-Signature"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature mismatch"
    return None


def parse_slack_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will read it; raises MalformedPayload for anything Slack never sends.

    Slack sends JSON for the Events API and a form for commands and interactions (whose
    `payload` field is JSON). The checks cover what Bolt itself reads before any listener
    runs, so no signed body can crash it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("the body is not UTF-8") from None
    if not text.strip():
        raise MalformedPayload("the body is empty")
    if (content_type or "").startswith("application/json") or text.startswith("{"):
        body = _json_object(text, "the JSON body")
        if not isinstance(body.get("type"), str):
            raise MalformedPayload("the JSON body has no type")
    else:
        try:
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            raise MalformedPayload("the body is neither JSON nor a form") from None
        if "payload" in form:
            body = _json_object(form["payload"], "the payload field")
            if not isinstance(body.get("type"), str):
                raise MalformedPayload("the payload has no type")
        elif isinstance(form.get("command"), str) or "ssl_check" in form:
            body = form
        else:
            raise MalformedPayload("the form is neither a command nor an interaction")
    check_shape(body)
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise MalformedPayload("the event has no type")
        if not isinstance(body.get("event_id"), str) or not body["event_id"]:
            raise MalformedPayload("the event has no event_id")  # nothing to dedupe on
    return body


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise MalformedPayload(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not a JSON object")
    return value


# Where Slack always sends an object (or a list of objects), Bolt reads it as one.
_OBJECTS = ("team", "user", "channel", "enterprise", "event", "view", "container", "message")


def check_shape(body: Mapping[str, Any]) -> None:
    """Raise MalformedPayload where a field has a type Slack never sends."""
    for name in _OBJECTS:
        if name in body and body[name] is not None and not isinstance(body[name], dict):
            if name in {"team", "user", "channel", "enterprise"} and isinstance(body[name], str):
                continue  # commands and some events carry plain IDs
            raise MalformedPayload(f"{name} is not an object")
    for name in ("actions", "authorizations"):
        items = body.get(name)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(i, dict) for i in items)
        ):
            raise MalformedPayload(f"{name} is not a list of objects")
    view = body.get("view")
    if isinstance(view, dict) and "state" in view:
        state = view["state"]
        values = state.get("values") if isinstance(state, dict) else None
        if not isinstance(values, dict) or not all(
            isinstance(block, dict) and all(isinstance(a, dict) for a in block.values())
            for block in values.values()
        ):
            raise MalformedPayload("view.state is not an object of blocks and actions")


def allowed_response_url(url: str | None, api_url: str) -> bool:
    """Only Slack's own hosts receive answers: hooks.slack.com over HTTPS, or the host of
    SLACK_API_URL (GovSlack, a local stand-in), so a body can't point the bot elsewhere."""
    if not url:
        return False
    try:
        target, api = urlsplit(url), urlsplit(api_url)
    except ValueError:
        return False
    if not target.hostname:
        return False
    if target.scheme == "https" and target.hostname in {
        "hooks.slack.com",
        f"hooks.{api.hostname}",
    }:
        return True
    return target.scheme == api.scheme and target.netloc == api.netloc

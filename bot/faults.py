"""Which failures pass by themselves (a Slack hiccup, a database restarting) and are worth
trying again, and how to name one in a log line or a message without a traceback."""

from __future__ import annotations

import http.client
import socket
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# Slack's own words for "not now": its documented retryable errors.
SLACK_PASSING = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
NETWORK = (URLError, TimeoutError, ConnectionError, socket.timeout, http.client.HTTPException)
DATABASE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def is_transient(error: BaseException) -> bool:
    """True for faults that clear by themselves: Slack 5xx, 429 and timeouts, a network
    error, a database that refuses or drops connections."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = str(error.response.get("error") or "")
        return (
            status >= 500 or status == 429 or code in SLACK_PASSING or code.startswith("Received")
        )
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, NETWORK + DATABASE)


def is_database_fault(error: BaseException) -> bool:
    return isinstance(error, DATABASE) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def describe(error: BaseException) -> str:
    """One short line: what failed and how, never a whole traceback."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", "?")
        return f"Slack answered {error.response.get('error') or 'an error'} (HTTP {status})"
    if is_database_fault(error):
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"the database failed: {cause[0] if cause else type(error).__name__}"[:300]
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"[:300] if first else type(error).__name__

"""One readable line for a Slack call that failed, for the command line instead of a traceback.

Shared by `everybody-sells run` (Bolt checks the token with auth.test when it builds the app),
`org import` and every other command that talks to Slack.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.error import URLError

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

# Errors that mean the token itself is wrong, revoked or belongs to a removed app.
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)

# How slack_sdk reports an answer that is not JSON (a web page, a proxy's error page).
NOT_JSON = "Received a response in a non-JSON format"


def slack_failure(
    error: BaseException,
    api_url: str,
    doing: str = "the request",
    hints: Mapping[str, str] | None = None,
) -> str | None:
    """Why Slack could not be used, in one line; None when `error` is not about Slack.

    `doing` names what was refused ("the import"); `hints` add advice per Slack error code.
    """
    if isinstance(error, BoltError) and isinstance(error.__context__, SlackApiError):
        error = error.__context__  # Bolt wraps a failed auth.test in a BoltError
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or f"HTTP {error.response.status_code}")
        if code.startswith(NOT_JSON):
            return (
                f"{api_url} did not answer like Slack's Web API"
                f" (HTTP {error.response.status_code}); check SLACK_API_URL"
            )
        if code in TOKEN_ERRORS:
            return f"Slack refused {_token_setting(error)}: {code}"
        return f"Slack refused {doing}: {code}{(hints or {}).get(code) or _needed_scope(error)}"
    if isinstance(error, URLError):
        return f"cannot reach Slack at {api_url}: {error.reason}"
    if isinstance(error, ConnectionError | TimeoutError):
        return f"cannot reach Slack at {api_url}: {error or type(error).__name__}"
    return None


def _token_setting(error: SlackApiError) -> str:
    """Socket Mode connects with the app-level token; every other call uses the bot token."""
    url = getattr(error.response, "api_url", "") or ""
    return "SLACK_APP_TOKEN" if "apps.connections." in url else "SLACK_BOT_TOKEN"


def _needed_scope(error: SlackApiError) -> str:
    needed = error.response.get("needed")
    return f" (the Slack app needs the {needed} scope; reinstall it)" if needed else ""


def slack_error(error: SlackClientError | OSError) -> str:
    """Slack's error code (`not_in_channel`), or what went wrong on the way."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return str(error)

"""The one Web API client configuration every Slack call goes through."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.settings import Settings


def build_client(settings: Settings, *, rate_limit_retries: int = 5) -> WebClient:
    """A WebClient on `SLACK_API_URL` that waits out 429s (Retry-After) and flaky connections."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ],
    )

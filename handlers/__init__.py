"""Bolt listeners: Slack payloads in, domain calls, Block Kit out. One module per feature."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse

from handlers import (
    assists,
    home,
    lessons,
    nudges,
    onboarding,
    reactions,
    referrals,
    sells,
    sessions,
    wins,
)
from handlers.services import Services, apologise

logger = logging.getLogger(__name__)


def register_all(app: App, services: Services) -> None:
    assists.register(app, services)
    wins.register(app, services)
    reactions.register(app, services)
    referrals.register(app, services)
    sells.register(app, services)
    sessions.register(app, services)
    nudges.register(app, services)
    home.register(app, services)
    lessons.register(app, services)
    onboarding.register(app, services)

    @app.error
    def on_error(error: Exception, body: dict, respond: object) -> BoltResponse | None:
        # Keep the traceback in the log; the person gets a short apology, never a 5xx.
        logger.error("listener failed for %s", _describe(body), exc_info=error)
        if callable(respond) and body.get("response_url"):
            apologise(respond)
        return None


def _describe(body: dict) -> str:
    if "command" in body:
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {body.get('event', {}).get('type')} {body.get('event_id')}"
    return f"{body.get('type')} {(body.get('view') or {}).get('callback_id') or ''}".strip()

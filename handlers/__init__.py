"""Bolt listeners: Slack payloads in, domain calls, Block Kit out. One module per feature."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, BoltResponse

from bot.blocks.kit import sorry_view
from bot.services import Services, apologise
from bot.verification import MalformedPayload
from handlers import (
    assists,
    deals,
    events,
    home,
    lessons,
    nudges,
    onboarding,
    prompts,
    referrals,
    sells,
    sessions,
    wins,
)

logger = logging.getLogger(__name__)


def register_all(app: App, services: Services) -> None:
    # Bolt tries listeners in this order, and each miss costs about 16 µs of argument
    # injection: events first, the bulk of the traffic; then the busiest commands, so that
    # `/sells` is not matched against 27 listeners before its own.
    events.register(app, services)
    assists.register(app, services)
    sells.register(app, services)
    wins.register(app, services)
    deals.register(app, services)
    referrals.register(app, services)
    sessions.register(app, services)
    nudges.register(app, services)
    home.register(app, services)
    lessons.register(app, services)
    onboarding.register(app, services)
    prompts.register(app, services)

    app.error(on_error)


def on_error(
    error: Exception, body: dict, context: BoltContext, response: BoltResponse | None
) -> BoltResponse | None:
    """A failed listener or middleware: a log line, an apology, never a 5xx.

    `response` is None once the request was acked; before that, what is returned here is
    what Slack gets."""
    if isinstance(error, MalformedPayload):
        # Slack's widgets can't produce this: a forged or broken request, not a person.
        logger.warning("refused a malformed %s: %s", _describe(body), error)
        return BoltResponse(status=400, body={"error": "malformed request"}) if response else None
    # Keep the traceback in the log; the person gets a short apology.
    logger.error("listener failed for %s", _describe(body), exc_info=error)
    if context.response_url:
        apologise(context.respond, error)
    if response is None:
        return None
    if body.get("type") == "view_submission":
        return BoltResponse(
            status=200,
            body={"response_action": "update", "view": sorry_view()},
            headers={"content-type": "application/json;charset=utf-8"},
        )
    return BoltResponse(status=200, body="")


def _describe(body: dict) -> str:
    if "command" in body:
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {body.get('event', {}).get('type')} {body.get('event_id')}"
    return f"{body.get('type')} {(body.get('view') or {}).get('callback_id') or ''}".strip()

"""Reactions: the assist emoji on someone's message credits its author; removing it revokes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.assists import refusal_lines
from handlers.home_tab import publish_homes
from handlers.notify import notify_credited
from handlers.services import Services
from models.assists import (
    AssistDraft,
    Refusal,
    Source,
    credit_reaction,
    find_by_dedupe_key,
    reaction_key,
    revoke_assist,
)
from models.events import claim_event
from models.home import home_openers

logger = logging.getLogger(__name__)


def base_emoji(name: str) -> str:
    """`handshake::skin-tone-3` counts as `handshake`."""
    return name.split("::", 1)[0]


def reaction_added(services: Services) -> Callable[..., None]:
    def handle(body: dict, event: dict, client: WebClient, context: dict) -> None:
        emoji = base_emoji(event.get("reaction", ""))
        kind = services.settings.reaction_kinds.get(emoji)
        item = event.get("item") or {}
        if kind is None or item.get("type") != "message":
            return
        team_id, event_id = context["team_id"], body.get("event_id") or ""
        giver, author = event["user"], event.get("item_user")
        channel, ts = item["channel"], item["ts"]
        if not author:
            logger.info("reaction on %s/%s has no human author; nothing to credit", channel, ts)
            return
        if author == giver:
            warn(client, channel, giver, refusal_lines([(giver, Refusal.SELF)], None))
            return
        author_info = services.directory.person(client, team_id, author)
        draft = AssistDraft(
            team_id=team_id,
            giver_id=giver,
            recipient_ids=[author],
            kind=kind,
            source=Source.REACTION,
            description="",
            channel_id=channel,
            message_ts=ts,
            permalink=services.directory.permalink(client, channel, ts),
            is_private=services.directory.is_private(client, channel),
            dedupe_key=reaction_key(giver, channel, ts, emoji),
        )
        with services.sessions.begin() as session:
            if not claim_event(session, team_id, event_id):
                logger.info("event %s already processed; ignoring the redelivery", event_id)
                return
            outcome = credit_reaction(session, draft, author_info, services.giving_limit)
            openers = home_openers(session, team_id, [giver, author]) if outcome.recorded else []
        logger.info(
            "reaction %s by %s on %s/%s: credited=%s duplicate=%s",
            emoji,
            giver,
            channel,
            ts,
            outcome.credited,
            outcome.duplicate,
        )
        # Re-adding a removed reaction restores the credit without pinging the author again.
        if outcome.recorded:
            if not outcome.reactivated:
                notify_credited(client, outcome.assist, outcome.credited)
            publish_homes(services, client, team_id, openers)
        elif not outcome.duplicate:
            warn(client, channel, giver, refusal_lines(outcome.refused, outcome.limit_reached))

    return handle


def reaction_removed(services: Services) -> Callable[..., None]:
    def handle(body: dict, event: dict, client: WebClient, context: dict) -> None:
        emoji = base_emoji(event.get("reaction", ""))
        item = event.get("item") or {}
        if emoji not in services.settings.reaction_kinds or item.get("type") != "message":
            return
        team_id = context["team_id"]
        key = reaction_key(event["user"], item["channel"], item["ts"], emoji)
        with services.sessions.begin() as session:
            if not claim_event(session, team_id, body.get("event_id") or ""):
                return
            assist = find_by_dedupe_key(session, team_id, key)
            revoked = assist is not None and revoke_assist(session, assist)
            involved = [event["user"], *(c.recipient_id for c in assist.credits)] if revoked else []
            openers = home_openers(session, team_id, involved)
        logger.info("reaction %s removed by %s: revoked=%s", emoji, event["user"], revoked)
        publish_homes(services, client, team_id, openers)

    return handle


def warn(client: WebClient, channel: str, user_id: str, lines: list[str]) -> None:
    """Tell the reacting person, only them, why their reaction did not credit anyone."""
    if not lines:
        return
    try:
        client.chat_postEphemeral(
            channel=channel, user=user_id, text=":warning: " + " ".join(lines)
        )
    except SlackApiError as error:
        logger.info("could not warn %s in %s: %s", user_id, channel, error.response.get("error"))


def register(app: App, services: Services) -> None:
    app.event("reaction_added")(reaction_added(services))
    app.event("reaction_removed")(reaction_removed(services))

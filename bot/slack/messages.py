"""Sending messages: the one way out for every post, DM and update the bot makes.

Whatever a builder missed, no message leaves with a live @here, @channel, @everyone or
user-group mention: the bot never means to ping a crowd, so any such token in the text
or in any string of the blocks is turned into plain words first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from bot.blocks.assists import credit_notice
from bot.blocks.text import neutralise_broadcasts
from bot.faults import describe
from bot.verification import allowed_response_url
from models.assists import AssistInfo

logger = logging.getLogger(__name__)

# The metadata every once-only message carries: its delivery key, to be found again.
DELIVERY_EVENT = "everybody_sells_delivery"


class RefusedRespond(Respond):
    """Stands in for `respond` when a body names a `response_url` that is not Slack's."""

    def __call__(self, *args: object, **kwargs: object) -> WebhookResponse:  # type: ignore[override]
        host = urlsplit(self.response_url or "").hostname
        logger.warning("did not answer at %s: not a Slack host", host)
        return WebhookResponse(url=self.response_url or "", status_code=403, body="", headers={})


def respond_at(url: str, slack_api_url: str) -> Respond:
    """Bolt's `respond` for a response_url, if it is Slack's; one that refuses otherwise."""
    if allowed_response_url(url, slack_api_url):
        return Respond(response_url=url)
    return RefusedRespond(response_url=url)


def quiet(value: Any) -> Any:
    """`value` (text, blocks) with every broadcast mention made harmless, at any depth."""
    if isinstance(value, str):
        return neutralise_broadcasts(value)
    if isinstance(value, list):
        return [quiet(item) for item in value]
    if isinstance(value, dict):
        return {key: quiet(item) for key, item in value.items()}
    return value


def post_message(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    **options: Any,
) -> SlackResponse:
    """chat.postMessage to a channel or a person (their user ID opens the DM)."""
    return client.chat_postMessage(
        channel=channel, text=quiet(text), blocks=quiet(blocks), **options
    )


def delivery_metadata(key: str) -> dict:
    return {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}}


def already_delivered(client: WebClient, person: str, key: str, since: datetime) -> bool:
    """Is the message with delivery `key` already in the DM with `person`? Asked only when
    a sender died between Slack accepting a message and recording that it did. If Slack
    can't say (no im:history scope on an old install), the answer is no: a message sent
    twice is better than one lost."""
    try:
        dm = client.conversations_open(users=person)["channel"]["id"]
        history = client.conversations_history(
            channel=dm,
            oldest=f"{(since - timedelta(minutes=5)).timestamp():.6f}",
            include_all_metadata=True,
            limit=200,
        )
    except Exception as error:
        logger.warning("could not look for %s in the DM with %s: %s", key, person, describe(error))
        return False
    return any(
        (message.get("metadata") or {}).get("event_payload", {}).get("key") == key
        for message in history.get("messages") or []
    )


def update_message(
    client: WebClient, *, channel: str, ts: str, text: str, blocks: list[dict] | None = None
) -> SlackResponse:
    """chat.update of a message the bot posted."""
    return client.chat_update(channel=channel, ts=ts, text=quiet(text), blocks=quiet(blocks))


def add_reaction(client: WebClient, *, channel: str, ts: str, emoji: str) -> SlackResponse:
    """reactions.add: the bot's own `emoji` on a message (one of its recognition posts)."""
    return client.reactions_add(channel=channel, timestamp=ts, name=emoji)


def post_ephemeral(
    client: WebClient, *, channel: str, user: str, text: str, blocks: list[dict] | None = None
) -> SlackResponse:
    """chat.postEphemeral: seen by `user` only, in `channel`."""
    return client.chat_postEphemeral(
        channel=channel, user=user, text=quiet(text), blocks=quiet(blocks)
    )


def notify_credited(
    client: WebClient,
    info: AssistInfo,
    credited: Sequence[str],
    *,
    currency: str | None = None,
    giver_name: str | None = None,
) -> None:
    """DM each credited person; one failed DM does not stop the others, and none undoes
    the credit already recorded (so nobody is asked to log it again). `currency` names a
    win's deal value; `giver_name` labels the button that thanks the giver back."""
    text, blocks = credit_notice(info, currency, giver_name)
    for user_id in credited:
        try:
            post_message(client, channel=user_id, text=text, blocks=blocks)
        except Exception as error:
            logger.warning(
                "could not tell %s about assist %s: %s", user_id, info.id, describe(error)
            )


def tell(
    client: WebClient,
    user_id: str,
    channel_id: str | None,
    text: str,
    blocks: list[dict] | None = None,
) -> None:
    """An ephemeral note in the conversation the user is in, or a DM when that is not possible."""
    if channel_id:
        try:
            post_ephemeral(client, channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            logger.info(
                "ephemeral to %s in %s failed (%s); sending a DM",
                user_id,
                channel_id,
                error.response.get("error"),
            )
    post_message(client, channel=user_id, text=text, blocks=blocks)

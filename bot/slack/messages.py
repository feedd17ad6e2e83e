"""Sending messages: the one way out for every post, DM and update the bot makes.

Whatever a builder missed, no message leaves with a live @here, @channel, @everyone or
user-group mention: the bot never means to ping a crowd, so any such token in the text
or in any string of the blocks is turned into plain words first.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.blocks.text import neutralise_broadcasts


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


def update_message(
    client: WebClient, *, channel: str, ts: str, text: str, blocks: list[dict] | None = None
) -> SlackResponse:
    """chat.update of a message the bot posted."""
    return client.chat_update(channel=channel, ts=ts, text=quiet(text), blocks=quiet(blocks))


def post_ephemeral(
    client: WebClient, *, channel: str, user: str, text: str, blocks: list[dict] | None = None
) -> SlackResponse:
    """chat.postEphemeral: seen by `user` only, in `channel`."""
    return client.chat_postEphemeral(
        channel=channel, user=user, text=quiet(text), blocks=quiet(blocks)
    )

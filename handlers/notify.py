"""Telling people what happened: credited people by DM, givers ephemerally."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.assists import credit_notice
from bot.faults import describe
from bot.slack.messages import post_ephemeral, post_message
from models.assists import Assist

logger = logging.getLogger(__name__)


def notify_credited(client: WebClient, assist: Assist, credited: Sequence[str]) -> None:
    """DM each credited person; one failed DM does not stop the others, and none undoes
    the credit already recorded (so nobody is asked to log it again)."""
    text, blocks = credit_notice(assist)
    for user_id in credited:
        try:
            post_message(client, channel=user_id, text=text, blocks=blocks)
        except Exception as error:
            logger.warning(
                "could not tell %s about assist %s: %s", user_id, assist.id, describe(error)
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

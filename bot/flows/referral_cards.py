"""Where a referral shows: the owner's DM card (with the buttons) and, for queue referrals,
the public queue post (Claim, then just the state). Both are updated in place."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.referrals import referral_card
from bot.slack.messages import post_message, update_message
from models.referrals import Referral, get_referral

logger = logging.getLogger(__name__)


def post_working_card(
    sessions: sessionmaker[Session], client: WebClient, referral: Referral
) -> bool:
    """DM the owner the card they act on; it becomes the card that is kept up to date."""
    text, blocks = referral_card(referral, public=False)
    try:
        posted = post_message(
            client, channel=referral.owner_id, text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as error:
        logger.warning("referral %s card not sent: %s", referral.id, error.response.get("error"))
        return False
    with sessions.begin() as session:
        saved = get_referral(session, referral.team_id, referral.id)
        saved.card_channel, saved.card_ts = posted["channel"], posted["ts"]
    referral.card_channel, referral.card_ts = posted["channel"], posted["ts"]
    return True


def post_queue_card(
    sessions: sessionmaker[Session], client: WebClient, referral: Referral
) -> str | None:
    """Post an unassigned referral in the queue channel; None if that failed (and why)."""
    text, blocks = referral_card(referral, public=True)
    channel = referral.queue_channel_id
    try:
        posted = post_message(client, channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as error:
        logger.warning("referral %s not queued: %s", referral.id, error.response.get("error"))
        return error.response.get("error") or "error"
    with sessions.begin() as session:
        saved = get_referral(session, referral.team_id, referral.id)
        saved.queue_ts = posted["ts"]
    referral.queue_ts = posted["ts"]
    return None


def refresh_cards(
    client: WebClient, referral: Referral, *, retired_owner: str | None = None
) -> None:
    """Show the current state on the working card and the queue post.

    After a reassignment, the previous owner's card is retired: no buttons, a note instead.
    """
    targets = []
    if referral.card_channel and referral.card_ts:
        targets.append((referral.card_channel, referral.card_ts, False))
    if referral.queue_channel_id and referral.queue_ts:
        targets.append((referral.queue_channel_id, referral.queue_ts, True))
    for channel, ts, public in targets:
        text, blocks = referral_card(
            referral, public=public, retired=retired_owner is not None and not public
        )
        try:
            update_message(client, channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning(
                "referral %s card not updated: %s", referral.id, error.response.get("error")
            )

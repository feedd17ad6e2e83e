"""Reactions: the assist emoji on someone's message credits its author; on one of the bot's
recognition posts it credits the people the post recognises (joining in); removing it
revokes.

The work of the `reaction_added` and `reaction_removed` events, done from the inbox."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.assists import (
    join_in_limit_lines,
    reaction_lost_lines,
    refusal_lines,
    warning_text,
)
from bot.flows.assists import giver_name
from bot.flows.homes import publish_homes
from bot.services import Services
from bot.slack.messages import notify_credited, post_ephemeral, post_message
from models.assists import (
    AssistDraft,
    Kind,
    Refusal,
    Source,
    reaction_key,
    revoke_by_key,
)
from models.assists import (
    credit_reaction as credit_reaction_once,
)
from models.home import home_openers
from models.inbox import InboxItem
from models.recognition_posts import PostInfo, recognition_post

logger = logging.getLogger(__name__)

# What joining in on a recognition post counts against the daily limit (see `join_in`).
JOIN_IN_GIVES = 1


def base_emoji(name: str) -> str:
    """`handshake::skin-tone-3` counts as `handshake`."""
    return name.split("::", 1)[0]


def reaction_subject(body: dict) -> str | None:
    """One person's emoji on one message: its adds and removes are worked in order."""
    event = body.get("event") or {}
    message = event.get("item") or {}
    if not isinstance(message, dict) or not message.get("ts"):
        return None
    emoji = base_emoji(str(event.get("reaction", "")))
    key = reaction_key(str(event.get("user")), str(message.get("channel")), message["ts"], emoji)
    return key[:255]


def credit_reaction(services: Services, client: WebClient, item: InboxItem) -> None:
    """The assist emoji on a person's message: credit its author, from the person reacting.
    On one of the bot's recognition posts: join in. The bot's own reaction credits nobody."""
    event = item.body["event"]
    emoji = base_emoji(event.get("reaction", ""))
    kind = services.settings.reaction_kinds.get(emoji)
    message = event.get("item") or {}
    if kind is None or message.get("type") != "message":
        return
    team_id, giver, author = item.team_id, event["user"], event.get("item_user")
    channel, ts = message["channel"], message["ts"]
    if giver == services.bot_user_id:
        return  # the bot adding the emoji to its own post, inviting people to join in
    # Only the bot writes recognition posts: a person's message needs no look-up.
    if emoji == services.settings.assist_emoji and author in (None, "", services.bot_user_id):
        with services.sessions() as session:
            post = recognition_post(session, team_id, channel, ts)
        if post is not None:
            join_in(services, client, item, post, kind)
            return
    if not author or author == services.bot_user_id:
        logger.info("reaction on %s/%s has no human author; nothing to credit", channel, ts)
        return
    if author == giver:
        warn(client, channel, giver, refusal_lines([(giver, Refusal.SELF)], None))
        return
    credit_author(services, client, item, author, kind)


def reaction_draft(
    services: Services, client: WebClient, item: InboxItem, recipients: list[str], kind: Kind
) -> AssistDraft:
    """A reaction's assist: from the person reacting, linking the message, once per
    person, message and emoji."""
    event = item.body["event"]
    giver, channel, ts = event["user"], event["item"]["channel"], event["item"]["ts"]
    return AssistDraft(
        team_id=item.team_id,
        giver_id=giver,
        recipient_ids=recipients,
        kind=kind,
        source=Source.REACTION,
        description="",
        channel_id=channel,
        message_ts=ts,
        permalink=services.directory.permalink(client, channel, ts),
        is_private=services.directory.is_private(client, channel),
        dedupe_key=reaction_key(giver, channel, ts, base_emoji(event["reaction"])),
    )


def credit_author(
    services: Services, client: WebClient, item: InboxItem, author: str, kind: Kind
) -> None:
    """Credit a person's message's author, from the person reacting; they hear of it."""
    event, team_id = item.body["event"], item.team_id
    giver, channel = event["user"], event["item"]["channel"]
    draft = reaction_draft(services, client, item, [author], kind)
    author_info = services.directory.person(client, team_id, author)
    people = {author: author_info} if author_info else {}
    with services.sessions.begin() as session:
        outcome = credit_reaction_once(session, draft, people, services.giving_limit, plain=True)
        services.inbox.finish_in(session, item)
        info = outcome.info
        openers = home_openers(session, team_id, [giver, author]) if outcome.recorded else []
    logger.info(
        "reaction %s by %s on %s/%s: credited=%s duplicate=%s",
        base_emoji(event["reaction"]),
        giver,
        channel,
        draft.message_ts,
        outcome.credited,
        outcome.duplicate,
    )
    # Re-adding a removed reaction restores the credit without pinging the author again.
    if outcome.recorded and info is not None:
        if not outcome.reactivated:
            name = giver_name(services, client, team_id, giver)
            notify_credited(client, info, outcome.credited, giver_name=name)
        publish_homes(services, client, team_id, openers)
    elif not outcome.duplicate:
        warn(client, channel, giver, refusal_lines(outcome.refused, outcome.limit_reached))


def join_in(
    services: Services, client: WebClient, item: InboxItem, post: PostInfo, kind: Kind
) -> None:
    """The assist emoji on a recognition post: credit the people it recognises, from the
    person reacting (never themselves), once however often they add it.

    It counts as one give against the daily limit, however many people the post names:
    like a /win, it thanks people the bot already named, and the joiner picks nobody. The
    people credited get no DM (the post they are thanked on is public, and one DM per
    person per joiner would flood a digest's readers); their Home and /sells stats count it.
    """
    team_id, giver = item.team_id, item.body["event"]["user"]
    if giver == post.thanked_by:
        # They credited these people when they logged it: a second credit would count twice.
        logger.info(
            "%s joined in on their own %s post %s/%s", giver, post.kind, post.channel, post.ts
        )
        return
    recognised = [user for user in post.user_ids if user != giver]
    if not recognised:
        logger.info(
            "%s joined in on %s/%s, which recognises only them", giver, post.channel, post.ts
        )
        return
    draft = reaction_draft(services, client, item, recognised, kind)
    people = services.directory.people(client, team_id, recognised)
    with services.sessions.begin() as session:
        outcome = credit_reaction_once(
            session, draft, people, services.giving_limit, gives=JOIN_IN_GIVES, plain=True
        )
        services.inbox.finish_in(session, item)
        openers = home_openers(session, team_id, [giver]) if outcome.recorded else []
    logger.info(
        "%s joined in on the %s post %s/%s: credited=%d duplicate=%s limit=%s",
        giver,
        post.kind,
        post.channel,
        post.ts,
        len(outcome.credited),
        outcome.duplicate,
        bool(outcome.limit_reached),
    )
    if outcome.limit_reached is not None:
        emoji = base_emoji(item.body["event"]["reaction"])
        warn(client, post.channel, giver, join_in_limit_lines(emoji, outcome.limit_reached))
    publish_homes(services, client, team_id, openers)


def reaction_lost(services: Services, client: WebClient, item: InboxItem, why: str) -> None:
    """Tell the person who reacted that their credit could not be recorded, after all."""
    event = item.body["event"]
    message = event.get("item") or {}
    emoji = base_emoji(event.get("reaction", ""))
    lines = reaction_lost_lines(emoji, why)
    warn(client, message.get("channel", ""), event["user"], lines, or_dm=True)


def revoke_reaction(services: Services, client: WebClient, item: InboxItem) -> None:
    """The assist emoji taken off a message: the credit it gave is revoked."""
    event = item.body["event"]
    emoji = base_emoji(event.get("reaction", ""))
    message = event.get("item") or {}
    if emoji not in services.settings.reaction_kinds or message.get("type") != "message":
        return
    team_id = item.team_id
    key = reaction_key(event["user"], message["channel"], message["ts"], emoji)
    with services.sessions.begin() as session:
        credited = revoke_by_key(session, team_id, key)
        services.inbox.finish_in(session, item)
        revoked = credited is not None
        openers = home_openers(session, team_id, [event["user"], *credited]) if revoked else []
    logger.info("reaction %s removed by %s: revoked=%s", emoji, event["user"], revoked)
    publish_homes(services, client, team_id, openers)


def warn(
    client: WebClient, channel: str, user_id: str, lines: list[str], *, or_dm: bool = False
) -> None:
    """Tell the reacting person, only them, why their reaction did not credit anyone."""
    if not lines:
        return
    text = warning_text(lines)
    try:
        post_ephemeral(client, channel=channel, user=user_id, text=text)
        return
    except SlackApiError as error:
        logger.info("could not warn %s in %s: %s", user_id, channel, error.response.get("error"))
    if or_dm:
        post_message(client, channel=user_id, text=text)

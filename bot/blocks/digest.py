"""Block Kit for the weekly recognition digest: readable on a phone, within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.blocks.kit import context_block, divider, header_block, mrkdwn_section
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    mention,
    mentions,
    safe_mrkdwn,
    slack_date,
    stage_label,
    truncate,
)
from models.assists import Stage
from models.digest import Digest, Story

MAX_BLOCKS = 50
SECTION_LIMIT = 2900


def _story_line(story: Story) -> str:
    who = mentions(list(story.recipient_ids)) or "someone"
    about = f" for *{safe_mrkdwn(story.customer)}*" if story.customer else ""
    text = (
        PRIVATE_PLACEHOLDER
        if story.is_private
        else f"“{truncate(safe_mrkdwn(story.description), 280)}”"
    )
    return f"{kind_emoji(story.kind)} {mention(story.giver_id)} → {who}{about}: {text}"


def _bar(count: int, most: int, width: int = 10) -> str:
    filled = round(width * count / most) if most else 0
    return "▓" * filled + "░" * (width - filled)


def digest_label(digest: Digest, tz: ZoneInfo) -> str:
    """The period a digest covers, in the workspace's time zone: `19 Nov – 26 Nov 2026`."""
    return f"{digest.start.astimezone(tz):%-d %b} – {digest.end.astimezone(tz):%-d %b %Y}"


def digest_blocks(
    digest: Digest,
    label: str,
    quiet_tip: str | None = None,
    *,
    reaction: str = "handshake",
    span: str = "week",
) -> tuple[str, list[dict]]:
    """The digest post; a quiet week gets a short nudge with one concrete suggestion instead."""
    if digest.quiet:
        return quiet_blocks(digest, label, quiet_tip, span=span)
    index = digest.index
    headline = (
        f"*{digest.assists}* assists · *{digest.people_credited}* people credited · "
        f"*{len(digest.departments_contributing)}* of {digest.departments_total or '?'} departments contributing"
    )
    blocks: list[dict] = [
        header_block(f"🤝 Everybody sells: {label}"),
        mrkdwn_section(headline),
    ]
    if index is not None:
        blocks.append(
            context_block(
                f"*Everybody-sells index:* {index:.0%} of departments contributed this {span}."
            )
        )
    most = max(digest.credits_by_stage.values(), default=0)
    stages = "\n".join(
        f"`{_bar(count, most)}` {stage_label(None if stage == 'unset' else stage)} {count}"
        for stage, count in digest.credits_by_stage.items()
        if stage in {s.value for s in Stage} or count
    )
    blocks += [divider(), mrkdwn_section(f"*Credits across the loop*\n{stages}")]
    if digest.top:
        lines = "\n".join(
            f"{i}. {mention(c.user_id)}: {c.credits}"
            + (f" · {safe_mrkdwn(c.department)}" if c.department else "")
            for i, c in enumerate(digest.top, 1)
        )
        blocks.append(mrkdwn_section(f"*Top contributors*\n{lines}"))
    if digest.stories:
        blocks.append(
            mrkdwn_section("*Stories*\n" + "\n".join(_story_line(s) for s in digest.stories))
        )
    if digest.first_timers:
        blocks.append(
            mrkdwn_section(
                f":seedling: *First credits, welcome!* {mentions(list(digest.first_timers[:20]))}"
            )
        )
    if digest.referrals_won:
        won = "\n".join(
            f":trophy: {mention(referrer)} spotted *{safe_mrkdwn(customer)}*"
            + (f", won by {mention(owner)}" if owner else "")
            for referrer, customer, owner in digest.referrals_won[:5]
        )
        blocks.append(mrkdwn_section(f"*Referrals won*\n{won}"))
    blocks += _sessions(digest)
    blocks += _passions(digest)
    if digest.lessons:
        blocks.append(
            mrkdwn_section(
                "*Loud mistakes, lessons learned*\n"
                + "\n".join(_story_line(s) for s in digest.lessons)
            )
        )
    if digest.quiet_departments:
        blocks.append(
            context_block(
                f"Not heard from this {span}: {', '.join(safe_mrkdwn(d) for d in digest.quiet_departments)}. Everybody sells: credit them when they help."
            )
        )
    blocks.append(
        context_block(f"Credit someone with `/assist`, a :{reaction}: reaction, or `/win`.")
    )
    text = f"Everybody sells, {label}: {digest.assists} assists, {digest.people_credited} people credited"
    return text, blocks[:MAX_BLOCKS]


def _sessions(digest: Digest) -> list[dict]:
    lines = [
        f":teacher: *{safe_mrkdwn(title)}* ({safe_mrkdwn(department)}), {attended} attended"
        for title, department, attended in digest.sessions_held
    ]
    lines += [
        f":calendar: Coming up: *{safe_mrkdwn(title)}* ({safe_mrkdwn(department)}), "
        f"{slack_date(starts, '%d %b %H:%M UTC')}"
        for title, department, starts in digest.sessions_upcoming
    ]
    lines += [
        f":bulb: {mention(user)} learned: “{truncate(safe_mrkdwn(text), 200)}”"
        for user, text in digest.learned
    ]
    return [mrkdwn_section("*Sessions*\n" + "\n".join(lines))] if lines else []


def _passions(digest: Digest) -> list[dict]:
    if not digest.passions:
        return []
    said = "\n".join(
        f":sparkles: {mention(user)}: “{truncate(safe_mrkdwn(text), 240)}”"
        for user, text in digest.passions
    )
    return [mrkdwn_section(f"*What excites us about our customers*\n{said}")]


def quiet_blocks(
    digest: Digest, label: str, tip: str | None, *, span: str = "week"
) -> tuple[str, list[dict]]:
    suggestion = tip or (
        f"Think of one person outside sales who helped a customer this {span}, "
        "and credit them with `/assist @name what they did`. It takes ten seconds."
    )
    blocks = [
        header_block(f"🤝 Everybody sells: {label}"),
        mrkdwn_section(f"A quiet {span}: no assists were logged. {suggestion}"),
    ]
    blocks += _sessions(digest) + _passions(digest)
    return f"Everybody sells, {label}: a quiet {span}. {suggestion}", blocks


def quiet_tip(departments: Sequence[str], *, reaction: str = "handshake") -> str | None:
    """One concrete suggestion for a quiet week, naming a department to look at."""
    if not departments:
        return None
    return (
        f"Who in *{safe_mrkdwn(departments[0])}* helped a customer lately? "
        "Credit them with `/assist @name what they did`, or react to their message with "
        f":{reaction}:."
    )

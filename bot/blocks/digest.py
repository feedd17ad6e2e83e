"""Block Kit for the weekly recognition digest: readable on a phone, within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.blocks.kit import context_block, divider, header_block, mrkdwn_section, mrkdwn_sections
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    mention,
    mentions,
    people_named,
    plural,
    safe_mrkdwn,
    slack_date,
    stage_label,
    truncate,
)
from models.assists import Stage
from models.digest import Digest, Story

# Shown whole up to these; past them, the post says how many more (Slack allows 50 blocks).
REFERRALS_SHOWN = 10
SESSIONS_SHOWN = 10
FIRST_TIMERS_ROOM = 2500


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
    """The digest post; a quiet week gets a short nudge with one concrete suggestion instead.

    Every list is whole or says how many more there are; nobody is named for not taking
    part (the admin Home and the managers' nudges say that, privately)."""
    if digest.quiet:
        return quiet_blocks(digest, label, quiet_tip, span=span)
    blocks: list[dict] = [
        header_block(f"🤝 Everybody sells: {label}"),
        mrkdwn_section(_headline(digest)),
    ]
    if digest.index is not None:
        blocks.append(
            context_block(
                f"*Everybody-sells index:* {digest.index:.0%} of departments contributed "
                f"this {span}."
            )
        )
    blocks += [divider(), mrkdwn_section(f"*Credits across the loop*\n{_stages(digest)}")]
    if digest.top:
        blocks.append(mrkdwn_section(_top(digest)))
    if digest.stories:
        blocks += mrkdwn_sections("*Stories*\n" + "\n".join(_story_line(s) for s in digest.stories))
    if digest.first_timers:
        welcome = people_named(digest.first_timers, room=FIRST_TIMERS_ROOM)
        blocks.append(mrkdwn_section(f":seedling: *First credits, welcome!* {welcome}"))
    if digest.referrals_won:
        blocks.append(mrkdwn_section(_referrals(digest)))
    blocks += _sessions(digest)
    blocks += _passions(digest)
    if digest.lessons:
        lessons = "\n".join(_story_line(s) for s in digest.lessons)
        blocks += mrkdwn_sections(f"*Loud mistakes, lessons learned*\n{lessons}")
    blocks.append(
        context_block(f"Credit someone with `/assist`, a :{reaction}: reaction, or `/win`.")
    )
    text = (
        f"Everybody sells, {label}: {plural(digest.assists, 'assist')}, "
        f"{plural(digest.credits, 'credit')} to {plural(digest.people_credited, 'person', 'people')}"
    )
    return text, blocks


def _headline(digest: Digest) -> str:
    """Assists (what was logged), credits (one per person each assist credited, what the
    stage bars add up to) and people, named so the figures agree."""
    return (
        f"*{plural(digest.assists, 'assist')}* logged, "
        f"*{plural(digest.credits, 'credit')}* to "
        f"*{plural(digest.people_credited, 'person', 'people')}* · "
        f"*{len(digest.departments_contributing)}* of {digest.departments_total or '?'} "
        "departments contributing"
    )


def _stages(digest: Digest) -> str:
    most = max(digest.credits_by_stage.values(), default=0)
    return "\n".join(
        f"`{_bar(count, most)}` {stage_label(None if stage == 'unset' else stage)} {count}"
        for stage, count in digest.credits_by_stage.items()
        if stage in {s.value for s in Stage} or count
    )


def _top(digest: Digest) -> str:
    lines = "\n".join(
        f"{i}. {mention(c.user_id)}: credited by {plural(c.givers, 'person', 'people')}"
        + (f" ({plural(c.credits, 'credit')})" if c.credits != c.givers else "")
        + (f" · {safe_mrkdwn(c.department)}" if c.department else "")
        for i, c in enumerate(digest.top, 1)
    )
    return f"*Most thanked*, by how many different people credited them\n{lines}"


def _referrals(digest: Digest) -> str:
    shown = digest.referrals_won[:REFERRALS_SHOWN]
    lines = [
        f":trophy: {mention(referrer)} spotted *{safe_mrkdwn(customer)}*"
        + (f", won by {mention(owner)}" if owner else "")
        for referrer, customer, owner in shown
    ]
    if more := len(digest.referrals_won) - len(shown):
        lines.append(f"…and {plural(more, 'more referral')} won.")
    return "*Referrals won*\n" + "\n".join(lines)


def _sessions(digest: Digest) -> list[dict]:
    held = digest.sessions_held[:SESSIONS_SHOWN]
    lines = [
        f":teacher: *{safe_mrkdwn(title)}* ({safe_mrkdwn(department)}), "
        f"{plural(attended, 'person', 'people')} attended"
        for title, department, attended in held
    ]
    if more := len(digest.sessions_held) - len(held):
        lines.append(f"…and {plural(more, 'more session')} held.")
    lines += [
        f":calendar: Coming up: *{safe_mrkdwn(title)}* ({safe_mrkdwn(department)}), "
        f"{slack_date(starts, '%d %b %H:%M UTC')}"
        for title, department, starts in digest.sessions_upcoming
    ]
    lines += [
        f":bulb: {mention(user)} learned: “{truncate(safe_mrkdwn(text), 200)}”"
        for user, text in digest.learned
    ]
    return mrkdwn_sections("*Sessions*\n" + "\n".join(lines)) if lines else []


def _passions(digest: Digest) -> list[dict]:
    if not digest.passions:
        return []
    said = "\n".join(
        f":sparkles: {mention(user)}: “{truncate(safe_mrkdwn(text), 240)}”"
        for user, text in digest.passions
    )
    return mrkdwn_sections(f"*What excites us about our customers*\n{said}")


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

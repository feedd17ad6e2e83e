"""Block Kit for the second push: a department's managers hear, privately, that its habit of
crediting people is fading, and whom they could thank to revive it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks.assists import THANK_BACK_ACTION
from bot.blocks.kit import accessory_section, button, context_block, mrkdwn_section
from bot.blocks.text import mention, safe_mrkdwn, truncate
from models.giving_drops import GivingDrop, Reason, ThankCandidate

SUBJECT_ROOM = 150  # a customer's name or a session's title, on one line
COUNTS = {1: "Someone", 2: "Two people", 3: "Three people"}


def drop_line(drop: GivingDrop) -> str:
    """ "Support: 2 of 12 people credited someone in the last 4 weeks, down from 7 of 12 in
    the 8 weeks before" (the department's name as plain text)."""
    return (
        f"{drop.department}: {drop.givers_recent} of {drop.headcount} people credited someone "
        f"in the last 4 weeks, down from {drop.givers_before} of {drop.headcount} in the 8 "
        "weeks before"
    )


def day(when: datetime, tz: ZoneInfo) -> str:
    """ "3 Nov", in the workspace's time zone."""
    local = when.astimezone(tz)
    return f"{local.day} {local:%b}"


def why(candidate: ThankCandidate, tz: ZoneInfo) -> str:
    """ "<@U…> passed a referral for *Acme* on 3 Nov": who, what, when."""
    who, on = mention(candidate.user_id), day(candidate.at, tz)
    subject = safe_mrkdwn(truncate(candidate.subject, SUBJECT_ROOM)) if candidate.subject else ""
    if candidate.reason == Reason.REFERRAL:
        what = f"passed a referral for *{subject}*" if subject else "passed a referral"
    elif candidate.reason == Reason.SESSION:
        what = f"presented “{subject}”" if subject else "presented a session"
    else:
        by = mention(candidate.by) if candidate.by else "a colleague"
        what = f"was credited by {by}" + (f" for help with *{subject}*" if subject else "")
    return f"{who} {what} on {on}"


def second_push_message(
    drop: GivingDrop, candidates: Sequence[ThankCandidate], tz: ZoneInfo
) -> tuple[str, list[dict]]:
    """One manager's brief: the drop in plain numbers, up to three people to thank (each
    with why, and a button that opens the assist form with them chosen), and that nobody
    else sees it."""
    line = drop_line(drop)
    text = f":seedling: {truncate(safe_mrkdwn(line), 400)}."
    blocks = [
        mrkdwn_section(
            f":seedling: *{safe_mrkdwn(line)}.*\n"
            "Habits like this fade after the first months; a thank-you from you now is what "
            "keeps them going."
        )
    ]
    if candidates:
        blocks.append(mrkdwn_section(f"*{COUNTS[len(candidates[:3])]} you could thank*"))
        for candidate in candidates[:3]:
            thank = button(THANK_BACK_ACTION, "Thank them", value=candidate.user_id)
            blocks.append(accessory_section(f"• {why(candidate, tz)}", thank))
    else:
        blocks.append(
            mrkdwn_section(
                "Nobody there passed a referral, presented a session or was credited in the "
                "last 8 weeks: ask the team who helped a customer lately."
            )
        )
    blocks.append(
        context_block(
            f"Only the managers of {safe_mrkdwn(drop.department)} get this, at most once in "
            "8 weeks; nothing is posted in any channel."
        )
    )
    return text, blocks

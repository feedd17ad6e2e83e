"""Block Kit for the weekly manager nudge: thank, notice, unblock."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.kit import mrkdwn_section, plain_text
from bot.blocks.referrals import STATE_LABELS, age_label
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    mention,
    mentions,
    plural,
    safe_mrkdwn,
    slack_date,
    truncate,
)
from models.nudges import ManagerNudge, ReportCredit, StuckReferral
from models.referrals import State

THANKS_ACTION = "nudge_thanks"
CREDITS_LISTED = 20  # keeps the DM well inside Slack's 50 blocks, buttons included
SNOOZE_ACTION = "nudge_snooze"
STOP_ACTION = "nudge_stop"


def _credit_block(credit: ReportCredit) -> dict:
    if credit.is_private:
        what = PRIVATE_PLACEHOLDER
    elif credit.description:
        what = f"“{truncate(safe_mrkdwn(credit.description), 200)}”"
    else:
        what = "reacted to their message"
    about = f" ({safe_mrkdwn(credit.customer)})" if credit.customer else ""
    block = mrkdwn_section(
        f"{kind_emoji(credit.kind)} {mention(credit.report_id)}, credited by {mention(credit.giver_id)}{about}: {what}"
    )
    block["accessory"] = {
        "type": "button",
        "action_id": THANKS_ACTION,
        "text": plain_text("Say thanks"),
        "value": str(credit.credit_id),
    }
    return block


def _referral_line(referral: StuckReferral, now: datetime) -> str:
    waited = age_label((now - referral.since).total_seconds())
    return (
        f"• *{safe_mrkdwn(referral.customer)}* with {mention(referral.owner_id)}, "
        f"{STATE_LABELS[State(referral.state)].lower()} for {waited} (from {mention(referral.referrer_id)})"
    )


def week_label(period: str) -> str:
    """`2026-W48` as the nudge shows it: `week 48`."""
    return f"week {period.split('-W')[-1]}"


def nudge_blocks(nudge: ManagerNudge, label: str, now: datetime) -> tuple[str, list[dict]]:
    """One manager's weekly DM, about their own reports only."""
    blocks: list[dict] = [
        {"type": "header", "text": plain_text(f"Your team, {label}")},
        mrkdwn_section("A few minutes to serve your people first: thank, notice, unblock."),
    ]
    if nudge.credits:
        blocks.append(
            mrkdwn_section(f"*Thank them* ({len(nudge.credits)} credits your reports received)")
        )
        blocks += [_credit_block(c) for c in nudge.credits[:CREDITS_LISTED]]
        if len(nudge.credits) > CREDITS_LISTED:
            more = len(nudge.credits) - CREDITS_LISTED
            blocks.append(mrkdwn_section(f"…and {plural(more, 'more credit')} this week."))
    if nudge.unrecognised:
        blocks.append(
            mrkdwn_section(
                f"*Not credited in 30 days:* {mentions(nudge.unrecognised[:15])}"
                + (
                    f" and {len(nudge.unrecognised) - 15} more"
                    if len(nudge.unrecognised) > 15
                    else ""
                )
                + ". Whose work helped a customer lately?"
            )
        )
    if nudge.stuck:
        lines = "\n".join(_referral_line(r, now) for r in nudge.stuck[:8])
        blocks.append(mrkdwn_section(f"*Referrals that are stuck*\n{lines}"))
    if nudge.unanswered:
        lines = "\n".join(_referral_line(r, now) for r in nudge.unanswered[:8])
        blocks.append(mrkdwn_section(f"*Referrals from other teams nobody has answered*\n{lines}"))
    if nudge.upcoming:
        lines = "\n".join(
            f"• *{safe_mrkdwn(title)}*, {slack_date(starts, '%d %b %H:%M UTC')}"
            for _, title, starts in nudge.upcoming
        )
        blocks.append(mrkdwn_section(f"*Sessions your people could attend or give*\n{lines}"))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": SNOOZE_ACTION,
                    "text": plain_text("Snooze for a week"),
                    "value": "7",
                },
                {
                    "type": "button",
                    "action_id": STOP_ACTION,
                    "text": plain_text("Stop these"),
                    "value": "stop",
                    "confirm": {
                        "title": plain_text("Stop weekly nudges?"),
                        "text": plain_text("Turn them back on any time with /sells nudges on."),
                        "confirm": plain_text("Stop"),
                        "deny": plain_text("Keep them"),
                    },
                },
            ],
        }
    )
    text = f"Your team, {label}: {len(nudge.credits)} credits to thank, {len(nudge.unrecognised)} not credited in 30 days"
    return text, blocks[:50]


def thanks_message(manager_id: str, credit_kind: str, description: str, is_private: bool) -> str:
    what = (
        "" if is_private or not description else f" for “{truncate(safe_mrkdwn(description), 200)}”"
    )
    return f":raised_hands: {mention(manager_id)} saw your {kind_emoji(credit_kind)} credit{what} and says thank you!"

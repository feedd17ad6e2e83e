"""Block Kit for the weekly manager nudge: thank, notice, unblock."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.kit import (
    accessory_section,
    actions_block,
    button,
    confirm_dialog,
    header_block,
    mrkdwn_section,
)
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
    return accessory_section(
        f"{kind_emoji(credit.kind)} {mention(credit.report_id)}, credited by {mention(credit.giver_id)}{about}: {what}",
        button(THANKS_ACTION, "Say thanks", str(credit.credit_id)),
    )


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
        header_block(f"Your team, {label}"),
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
    stop = confirm_dialog(
        "Stop weekly nudges?",
        "Turn them back on any time with /sells nudges on.",
        "Stop",
        "Keep them",
    )
    blocks.append(
        actions_block(
            [
                button(SNOOZE_ACTION, "Snooze for a week", "7"),
                button(STOP_ACTION, "Stop these", "stop", confirm=stop),
            ]
        )
    )
    text = f"Your team, {label}: {len(nudge.credits)} credits to thank, {len(nudge.unrecognised)} not credited in 30 days"
    return text, blocks[:50]


def thanks_message(
    manager_id: str, credit_kind: str, description: str, is_private: bool
) -> tuple[str, list[dict]]:
    """The DM a report gets when their manager says thanks for a credit."""
    what = (
        "" if is_private or not description else f" for “{truncate(safe_mrkdwn(description), 200)}”"
    )
    text = f":raised_hands: {mention(manager_id)} saw your {kind_emoji(credit_kind)} credit{what} and says thank you!"
    return text, [mrkdwn_section(text)]

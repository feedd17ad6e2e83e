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
    people_summary,
    summarised,
)
from bot.blocks.referrals import STATE_LABELS, age_label
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    mention,
    plural,
    safe_mrkdwn,
    slack_date,
    truncate,
)
from models.nudges import ManagerNudge, ReportAssist, StuckReferral
from models.referrals import State

THANKS_ACTION = "nudge_thanks"  # its value: one credit of the assist (older nudges: the same)
SNOOZE_ACTION = "nudge_snooze"
STOP_ACTION = "nudge_stop"
REFERRALS_LISTED = 8
SESSIONS_LISTED = 3
REPORTS_ROOM = 600  # the reports one assist credited, on its line
LIST_ROOM = 2600


def _assist_block(assist: ReportAssist) -> dict:
    """One assist, naming each of the manager's reports it credited, with one [Say thanks]
    for them all; a lesson from a loud mistake is mentioned, never thanked as a score."""
    if assist.is_private:
        what = PRIVATE_PLACEHOLDER
    elif assist.description:
        what = f"“{truncate(safe_mrkdwn(assist.description), 200)}”"
    else:
        what = "reacted to their message"
    about = f" ({safe_mrkdwn(assist.customer)})" if assist.customer else ""
    reports = people_summary(assist.report_ids, REPORTS_ROOM)
    if not assist.thankable:
        return mrkdwn_section(
            f"{kind_emoji(assist.kind)} {reports} shared a lesson from a loud mistake "
            f"with {mention(assist.giver_id)}{about}: {what}"
        )
    line = f"{kind_emoji(assist.kind)} {reports}, credited by {mention(assist.giver_id)}{about}: {what}"
    thanks = "Say thanks to all" if len(assist.report_ids) > 1 else "Say thanks"
    return accessory_section(line, button(THANKS_ACTION, thanks, str(assist.credit_ids[0])))


def _referral_line(referral: StuckReferral, now: datetime) -> str:
    waited = age_label((now - referral.since).total_seconds())
    return (
        f"• *{safe_mrkdwn(referral.customer)}* with {mention(referral.owner_id)}, "
        f"{STATE_LABELS[State(referral.state)].lower()} for {waited} (from {mention(referral.referrer_id)})"
    )


def week_label(period: str) -> str:
    """`2026-W48` as the nudge shows it: `week 48`."""
    return f"week {period.split('-W')[-1]}"


def _referrals(heading: str, referrals: list[StuckReferral], now: datetime) -> dict:
    lines = [_referral_line(r, now) for r in referrals[:REFERRALS_LISTED]]
    if len(referrals) > REFERRALS_LISTED:
        lines.append(f"…and {len(referrals) - REFERRALS_LISTED} more.")
    return mrkdwn_section(f"*{heading}* ({len(referrals)})\n" + "\n".join(lines))


def _thank_them(nudge: ManagerNudge) -> list[dict]:
    """The week's credits, counted whole; the latest assists, one line each."""
    parts = []
    if nudge.credit_count:
        parts.append(f"{plural(nudge.credit_count, 'credit')} your reports received")
    if nudge.lesson_count:
        parts.append(f"{plural(nudge.lesson_count, 'lesson')} from loud mistakes they shared")
    heading = f"*{'Thank them' if nudge.credit_count else 'Loud mistakes'}*: {' and '.join(parts)}"
    blocks = [mrkdwn_section(f"{heading} this week."), *(_assist_block(a) for a in nudge.assists)]
    if nudge.assist_count > len(nudge.assists):
        more = nudge.assist_count - len(nudge.assists)
        blocks.append(mrkdwn_section(f"…and {plural(more, 'more assist')} this week."))
    return blocks


def nudge_blocks(nudge: ManagerNudge, label: str, now: datetime) -> tuple[str, list[dict]]:
    """One manager's weekly DM, about their own reports only (at most ~25 blocks)."""
    blocks: list[dict] = [
        header_block(f"Your team, {label}"),
        mrkdwn_section("A few minutes to serve your people first: thank, notice, unblock."),
    ]
    if nudge.quiet_departments:
        quiet = summarised([f"*{safe_mrkdwn(d)}*" for d in nudge.quiet_departments], LIST_ROOM)
        blocks.append(
            mrkdwn_section(
                f":seedling: {quiet} {'was' if len(nudge.quiet_departments) == 1 else 'were'} "
                "quiet this week: no credit given or received in 7 days. Worth a word with "
                "the team: whose work there helped a customer or a colleague lately?"
            )
        )
    if nudge.assists:
        blocks += _thank_them(nudge)
    if nudge.unrecognised:
        overlooked = people_summary(nudge.unrecognised, LIST_ROOM)
        of = f"{len(nudge.unrecognised)} of your {plural(len(nudge.reports), 'report')}"
        blocks.append(
            mrkdwn_section(
                f"*Not credited in 30 days* ({of}): {overlooked}. Whose work helped a customer lately?"
            )
        )
    if nudge.stuck:
        blocks.append(_referrals("Referrals that are stuck", nudge.stuck, now))
    if nudge.unanswered:
        heading = "Referrals from other teams nobody has answered"
        blocks.append(_referrals(heading, nudge.unanswered, now))
    if nudge.upcoming:
        lines = [
            f"• *{safe_mrkdwn(title)}*, {slack_date(starts, '%d %b %H:%M UTC')}"
            for _, title, starts in nudge.upcoming[:SESSIONS_LISTED]
        ]
        if len(nudge.upcoming) > SESSIONS_LISTED:
            more = len(nudge.upcoming) - SESSIONS_LISTED
            lines.append(f"…and {more} more in the next two weeks: `/session list` shows them.")
        heading = "*Sessions your people could attend or give*"
        blocks.append(mrkdwn_section("\n".join([heading, *lines])))
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
    text = (
        f"Your team, {label}: {plural(nudge.credit_count, 'credit')} to thank, "
        f"{plural(len(nudge.unrecognised), 'report')} not credited in 30 days"
    )
    return text, blocks


def thanks_message(
    manager_id: str, credit_kind: str, description: str, is_private: bool
) -> tuple[str, list[dict]]:
    """The DM a report gets when their manager says thanks for a credit."""
    what = (
        "" if is_private or not description else f" for “{truncate(safe_mrkdwn(description), 200)}”"
    )
    text = f":raised_hands: {mention(manager_id)} saw your {kind_emoji(credit_kind)} credit{what} and says thank you!"
    return text, [mrkdwn_section(text)]

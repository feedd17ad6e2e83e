"""The App Home tab: my record, my referrals, sessions to join, buttons for the common
actions; a manager's team; an admin's view of workspace health."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.kit import (
    accessory_section,
    actions_block,
    button,
    context_block,
    divider,
    fields_section,
    header_block,
    mrkdwn_section,
)
from bot.blocks.referrals import STATE_EMOJI, STATE_LABELS, age_label
from bot.blocks.sells import breakdown
from bot.blocks.sessions import RSVP_ACTION, when
from bot.blocks.text import mention, mentions, plural, safe_mrkdwn
from models.home import HomeData
from models.knowledge_sessions import DIRECTION_LABELS, Direction
from models.referrals import State

HOME_ASSIST_ACTION = "assist_open_modal"
HOME_REFERRAL_ACTION = "home_referral"
HOME_SESSION_ACTION = "home_session"
HOME_LESSON_ACTION = "home_lesson"


def home_view(data: HomeData, now: datetime) -> dict:
    """The whole Home tab for one person (at most 100 blocks)."""
    blocks: list[dict] = [
        header_block("Everybody sells"),
        actions_block(
            [
                button(HOME_ASSIST_ACTION, "Log an assist", style="primary"),
                button(HOME_REFERRAL_ACTION, "Pass a referral"),
                button(HOME_SESSION_ACTION, "Schedule a session"),
                button(HOME_LESSON_ACTION, "Share a lesson"),
            ]
        ),
        *_record(data),
        *_referrals(data, now),
        *_sessions(data),
    ]
    if data.team is not None:
        blocks += _team(data)
    if data.health is not None:
        blocks += _health(data)
    return {"type": "home", "blocks": blocks[:100]}


def _record(data: HomeData) -> list[dict]:
    month, ever = data.month, data.all_time
    streak = (
        f":fire: {plural(data.streak_weeks, 'week')} in a row with a credit given or received"
        if data.streak_weeks
        else "Give or receive a credit this week to start a streak."
    )
    return [
        divider(),
        header_block("My record"),
        fields_section(
            [
                f"*This month*\n{month.received} received · {month.given} given",
                f"*All time*\n{ever.received} received · {ever.given} given",
            ]
        ),
        mrkdwn_section(
            "*Received this month*\n" + breakdown(month.received_by_kind, month.received_by_stage)
        ),
        mrkdwn_section(
            "*Given this month*\n" + breakdown(month.given_by_kind, month.given_by_stage)
        ),
        context_block(streak),
    ]


def _referrals(data: HomeData, now: datetime) -> list[dict]:
    if not data.referrals:
        lines = "None yet. Heard a customer need something more? Pass it on with *Pass a referral*."
    else:
        rows = []
        for r in data.referrals:
            state = State(r.state)
            role = (
                "you passed it"
                if r.referrer_id == data.user_id
                else f"from {mention(r.referrer_id)}"
            )
            age = age_label((now - r.created_at).total_seconds())
            rows.append(
                f"{STATE_EMOJI[state]} #{r.id} *{safe_mrkdwn(r.customer)}*: {STATE_LABELS[state]} · {role} · {age} old"
            )
        lines = "\n".join(rows)
    return [divider(), header_block("My referrals"), mrkdwn_section(lines)]


def _sessions(data: HomeData) -> list[dict]:
    blocks: list[dict] = [divider(), header_block("Upcoming sessions")]
    if not data.sessions:
        nothing = "Nothing scheduled. Every team has something to teach: *Schedule a session*."
        return [*blocks, mrkdwn_section(nothing)]
    for talk in data.sessions:
        going = data.user_id in talk.rsvp_ids
        rsvp = button(
            RSVP_ACTION,
            "You're going ✓" if going else "RSVP",
            str(talk.id),
            None if going else "primary",
        )
        text = (
            f"*{safe_mrkdwn(talk.title)}* · {DIRECTION_LABELS[Direction(talk.direction)]}\n"
            f"{mentions(talk.presenter_ids)} ({safe_mrkdwn(talk.department)}) · {when(talk)} · "
            f"{len(talk.rsvp_ids)} going"
        )
        blocks.append(accessory_section(text, rsvp))
    return blocks


def _team(data: HomeData) -> list[dict]:
    team = data.team
    assert team is not None
    lines = []
    credited = sorted({c.report_id for c in team.credits})
    lines.append(f"*Credited this week:* {mentions(credited) if credited else 'nobody yet'}")
    if team.unrecognised:
        lines.append(f"*No credit in 30 days:* {mentions(team.unrecognised[:15])}")
    if team.stuck:
        stuck = ", ".join(
            f"*{safe_mrkdwn(r.customer)}* ({mention(r.owner_id)})" for r in team.stuck[:6]
        )
        lines.append(f"*Stuck referrals:* {stuck}")
    return [divider(), header_block("My team"), mrkdwn_section("\n".join(lines))]


def _health(data: HomeData) -> list[dict]:
    health = data.health
    assert health is not None
    months = " · ".join(
        f"{label}: {'–' if value is None else f'{value:.0%}'}"
        for label, value in health.index_by_month
    )
    lines = [f"*Everybody-sells index by month:* {months}"]
    if health.silent_departments:
        lines.append(f"*No contribution this month:* {', '.join(health.silent_departments)}")
    if health.overdue_departments:
        lines.append(f"*Overdue to present a session:* {', '.join(health.overdue_departments)}")
    return [divider(), header_block("Workspace health"), mrkdwn_section("\n".join(lines))]

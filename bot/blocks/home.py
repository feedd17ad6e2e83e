"""The App Home tab: my record, my referrals, sessions to join, buttons for the common
actions; a manager's team; an admin's view of workspace health."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.deals import revenue_blocks, unowned_deals_lines
from bot.blocks.kit import (
    accessory_section,
    actions_block,
    button,
    confirm_dialog,
    context_block,
    divider,
    fields_section,
    header_block,
    line_sections,
    mrkdwn_section,
    people_summary,
    summarised,
)
from bot.blocks.referrals import STATE_EMOJI, STATE_LABELS, age_label
from bot.blocks.sells import breakdown
from bot.blocks.sessions import (
    EDIT_ACTION,
    PRESENTERS_ROOM,
    RSVP_ACTION,
    UNRSVP_ACTION,
    cancel_button,
    going_count,
    when,
)
from bot.blocks.text import mention, plural, safe_mrkdwn
from models.home import HomeData
from models.knowledge_sessions import DIRECTION_LABELS, Direction
from models.participation import MANAGERS, PEERS, ParticipationSnapshot, RoleGiving
from models.referrals import State

HOME_ASSIST_ACTION = "assist_open_modal"
HOME_REFERRAL_ACTION = "home_referral"
HOME_SESSION_ACTION = "home_session"
HOME_LESSON_ACTION = "home_lesson"
LIST_ROOM = 2600  # a list in one section, with its heading and what to do about it
COVERAGE_ROOM = 800  # each of the three session-coverage lists, in one section
BUSIEST_FLOWS = 5
STUCK_LISTED = 6


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
        if data.health.participation is not None:
            blocks += participation_blocks(data.health.participation)
    if data.revenue:
        blocks += [divider(), *revenue_blocks(data.revenue, data.revenue_label)]
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
    heading = [divider(), header_block("My referrals")]
    if not data.referrals:
        nothing = (
            "None yet. Heard a customer need something more? Pass it on with *Pass a referral*."
        )
        return [*heading, mrkdwn_section(nothing)]
    rows = []
    for r in data.referrals:
        state = State(r.state)
        role = (
            "you passed it" if r.referrer_id == data.user_id else f"from {mention(r.referrer_id)}"
        )
        age = age_label((now - r.created_at).total_seconds())
        rows.append(
            f"{STATE_EMOJI[state]} #{r.id} *{safe_mrkdwn(r.customer)}*: {STATE_LABELS[state]} · {role} · {age} old"
        )
    blocks = [*heading, *line_sections(rows, max_blocks=4)]
    if data.referral_count > len(data.referrals):
        more = data.referral_count - len(data.referrals)
        blocks.append(context_block(f"…and {more} more: `/sells referrals` shows them."))
    return blocks


def _sessions(data: HomeData) -> list[dict]:
    """Each session with the person's own state on its button ("You're going ✓", which
    undoes it after a confirm), and Edit and Cancel for those who may change it."""
    blocks: list[dict] = [divider(), header_block("Upcoming sessions")]
    if not data.sessions:
        nothing = "Nothing scheduled. Every team has something to teach: *Schedule a session*."
        return [*blocks, mrkdwn_section(nothing)]
    for talk in data.sessions:
        if data.user_id in talk.rsvp_ids:
            undo = confirm_dialog(
                "Not going after all?", "You won't get its reminders.", "Not going", "Keep me in"
            )
            rsvp = button(UNRSVP_ACTION, "You're going ✓", str(talk.id), confirm=undo)
        else:
            rsvp = button(RSVP_ACTION, "RSVP", str(talk.id), "primary")
        presenters = people_summary(talk.presenter_ids, PRESENTERS_ROOM)
        text = (
            f"*{safe_mrkdwn(talk.title)}* · {DIRECTION_LABELS[Direction(talk.direction)]}\n"
            f"{presenters} ({safe_mrkdwn(talk.department)}) · {when(talk)} · {going_count(talk)}"
        )
        blocks.append(accessory_section(text, rsvp))
        if talk.may_be_changed_by(data.user_id, data.is_admin):
            edit = button(EDIT_ACTION, "Edit", str(talk.id))
            blocks.append(actions_block([edit, cancel_button(talk)]))
    if data.session_count > len(data.sessions):
        more = data.session_count - len(data.sessions)
        blocks.append(context_block(f"…and {more} more coming up: `/session list` shows them."))
    return blocks


def _team(data: HomeData) -> list[dict]:
    """The manager's reports: every count whole, every list saying how many more."""
    team = data.team
    assert team is not None
    of = f"of your {plural(len(team.reports), 'report')}"
    credited = (
        f"({len(team.credited)} {of}): {people_summary(team.credited, LIST_ROOM)}"
        if team.credited
        else "nobody yet"
    )
    lines = [f"*Credited this week* {credited}"]
    if team.unrecognised:
        overlooked = people_summary(team.unrecognised, LIST_ROOM)
        lines.append(f"*No credit in 30 days* ({len(team.unrecognised)} {of}): {overlooked}")
    if team.stuck:
        stuck = [f"*{safe_mrkdwn(r.customer)}* ({mention(r.owner_id)})" for r in team.stuck]
        listed = summarised(stuck, LIST_ROOM, at_most=STUCK_LISTED)
        lines.append(f"*Stuck referrals* ({len(team.stuck)}): {listed}")
    return [divider(), header_block("My team"), *(mrkdwn_section(line) for line in lines)]


def _health(data: HomeData) -> list[dict]:
    """For admins: the index since the install, and the departments worth a word."""
    health = data.health
    assert health is not None
    months = " · ".join(
        f"{label}: {'–' if value is None else f'{value:.0%}'}"
        for label, value in health.index_by_month
    )
    lines = [f"*Everybody-sells index by month:* {months}"]
    if health.quiet_departments:
        quiet = summarised([safe_mrkdwn(d) for d in health.quiet_departments], LIST_ROOM)
        lines.append(
            f"*Quiet for 7 days* (no credit given or received): {quiet}. "
            "Worth a word with their managers: whose work there helped a customer lately?"
        )
    if health.giving_drops:
        fading = [
            f"{safe_mrkdwn(d.department)} ({d.givers_recent} of {d.headcount}, "
            f"down from {d.givers_before})"
            for d in health.giving_drops
        ]
        lines.append(
            "*Fewer people crediting others* (in the last 4 weeks, against the 8 before): "
            f"{summarised(fading, LIST_ROOM)}. Their managers get a private note with people "
            "they could thank, at most once in 8 weeks."
        )
    if health.silent_departments:
        silent = summarised([safe_mrkdwn(d) for d in health.silent_departments], LIST_ROOM)
        lines.append(f"*No contribution this month:* {silent}")
    if health.overdue_departments:
        overdue = [safe_mrkdwn(d) for d in health.overdue_departments]
        listed = summarised(overdue, LIST_ROOM, more="more: `/sells sessions` lists them all")
        lines.append(f"*Overdue to present a session:* {listed}")
    if data.unowned_deals:
        lines.append(
            "*Deals from the CRM whose owner I can't find in Slack* (correct the owner's "
            f"email in the CRM, or add them to Slack):\n{unowned_deals_lines(data.unowned_deals)}"
        )
    return [divider(), header_block("Workspace health"), *(mrkdwn_section(line) for line in lines)]


def participation_blocks(snapshot: ParticipationSnapshot) -> list[dict]:
    """For admins: who gives and who receives this month in each department (largest
    first), managers versus peers as givers, the busiest help between departments, and
    which departments taught sales or learned from it within the cadence. Six blocks,
    whatever the size of the org chart; every list whole or "and N more"."""
    month = snapshot.month
    label = month.month.label
    departments = sorted(month.departments.values(), key=lambda d: (-d.people, d.department))
    shares = [
        f"{safe_mrkdwn(d.department)}, {plural(d.people, 'person', 'people')}: "
        f"{d.share_giving:.0%} give, {d.share_receiving:.0%} receive"
        for d in departments
    ]
    everyone = (
        f"*Giving and receiving, {label}:* {_share(month.givers, month.people)} of "
        f"{month.people:,} {'person' if month.people == 1 else 'people'} credited someone, "
        f"{_share(month.receivers, month.people)} were credited."
    )
    if shares:
        listed = summarised(
            shares,
            LIST_ROOM,
            more="more departments: `everybody-sells export --what participation`",
        )
        everyone += f" By department, largest first: {listed}"
    roles = (
        f"*Managers and peers as givers:* {_role(month.role(MANAGERS))} · "
        f"{_role(month.role(PEERS))}"
    )
    flows = [
        f"{safe_mrkdwn(giver)} → {safe_mrkdwn(recipient)} {credits:,}"
        for giver, recipient, credits in snapshot.flow.busiest(BUSIEST_FLOWS)
    ]
    busiest = (
        f"*Busiest help across departments:* {summarised(flows, LIST_ROOM)} "
        f"({snapshot.flow.across():,} of {snapshot.flow.total():,} credits crossed a department)"
        if flows
        else "*Busiest help across departments:* none yet this month."
    )
    return [
        divider(),
        header_block("Participation"),
        mrkdwn_section(everyone),
        mrkdwn_section(roles),
        mrkdwn_section(busiest),
        mrkdwn_section(_coverage(snapshot)),
    ]


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _role(side: RoleGiving) -> str:
    return (
        f"{side.role} {side.givers:,} of {side.people:,} ({_share(side.givers, side.people)}), "
        f"{plural(side.credits, 'credit')}"
    )


def _coverage(snapshot: ParticipationSnapshot) -> str:
    coverage = snapshot.coverage
    sales = coverage.sales_department

    def names(items: list[str]) -> str:
        return summarised(items, COVERAGE_ROOM) or "none"

    one_way = [
        f"{safe_mrkdwn(d)} → {safe_mrkdwn(sales)}"
        if coverage.taught_sales(d)
        else f"{safe_mrkdwn(sales)} → {safe_mrkdwn(d)}"
        for d in coverage.one_way()
    ]
    both, neither = coverage.both_ways(), coverage.neither()
    return (
        f"*Sessions with {safe_mrkdwn(sales)} in the last {snapshot.cadence_days} days:* "
        f"both ways ({len(both)}): {names([safe_mrkdwn(d) for d in both])}\n"
        f"one way ({len(one_way)}): {names(one_way)}\n"
        f"neither ({len(neither)}): {names([safe_mrkdwn(d) for d in neither])}"
    )

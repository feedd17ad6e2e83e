"""Block Kit for knowledge-sharing sessions: the form, the announcement, reminders, follow-ups."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.blocks.kit import button, context_block, mrkdwn_section, option, plain_text
from bot.blocks.text import mention, mentions, plural, safe_mrkdwn, truncate
from models.knowledge_sessions import (
    DIRECTION_LABELS,
    LEARNING_LENGTH,
    TITLE_LENGTH,
    DepartmentCadence,
    Direction,
    KnowledgeSession,
    SessionState,
    TopicIdea,
)

SESSION_MODAL = "session_modal"
EDIT_MODAL = "session_edit_modal"
ATTENDANCE_MODAL = "session_attendance"
LEARNED_MODAL = "session_learned"
RSVP_ACTION = "session_rsvp"
EDIT_ACTION = "session_edit"
CANCEL_ACTION = "session_cancel"
CONFIRM_ACTION = "session_confirm"
NOT_HELD_ACTION = "session_not_held"
LEARNED_ACTION = "session_learned_open"


def when(talk: KnowledgeSession) -> str:
    """Start and end, each shown in the reader's own time zone."""
    start, end = int(talk.starts_at.timestamp()), int(talk.ends_at.timestamp())
    fallback = f"{talk.starts_at:%a %d %b %Y %H:%M} UTC"
    return (
        f"<!date^{start}^{{date_long_pretty}} at {{time}}|{fallback}>"
        f" – <!date^{end}^{{time}}|{talk.ends_at:%H:%M} UTC>"
    )


def _department_input(
    block_id: str, label: str, departments: Sequence[str], initial: str | None, optional: bool
) -> dict:
    block: dict = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
    }
    if departments:
        options = [option(d, d) for d in departments]
        element: dict = {"type": "static_select", "action_id": "value", "options": options}
        chosen = [o for o in options if o["value"] == initial]
        if chosen:
            element["initial_option"] = chosen[0]
    else:
        element = {"type": "plain_text_input", "action_id": "value", "max_length": 100}
        if initial:
            element["initial_value"] = initial
    block["element"] = element
    return block


def session_modal(
    *,
    departments: Sequence[str],
    creator: str,
    creator_department: str | None,
    default_channel: str | None,
    talk: KnowledgeSession | None = None,
) -> dict:
    """`/session` (or Edit): what, who, when, where."""
    directions = [option(d.value, label) for d, label in DIRECTION_LABELS.items()]
    direction: dict = {"type": "static_select", "action_id": "value", "options": directions}
    title: dict = {"type": "plain_text_input", "action_id": "value", "max_length": TITLE_LENGTH}
    presenters: dict = {
        "type": "multi_users_select",
        "action_id": "value",
        "initial_users": [creator],
    }
    starts: dict = {"type": "datetimepicker", "action_id": "value"}
    ends: dict = {"type": "datetimepicker", "action_id": "value"}
    link: dict = {"type": "url_text_input", "action_id": "value"}
    channel: dict = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if default_channel:
        channel["initial_conversation"] = default_channel
    if talk is not None:
        title["initial_value"] = talk.title
        direction["initial_option"] = next(o for o in directions if o["value"] == talk.direction)
        presenters["initial_users"] = talk.presenter_ids
        starts["initial_date_time"] = int(talk.starts_at.timestamp())
        ends["initial_date_time"] = int(talk.ends_at.timestamp())
        if talk.meeting_url:
            link["initial_value"] = talk.meeting_url
    blocks = [
        {"type": "input", "block_id": "title", "label": plain_text("Title"), "element": title},
        {
            "type": "input",
            "block_id": "direction",
            "label": plain_text("Kind of session"),
            "element": direction,
        },
        _department_input(
            "department", "Presenting department", departments, creator_department, optional=False
        ),
        _department_input(
            "audience_department",
            "For which team? (How I sell what you build)",
            departments,
            None,
            optional=True,
        ),
        {
            "type": "input",
            "block_id": "presenters",
            "label": plain_text("Presenters"),
            "element": presenters,
        },
        {
            "type": "input",
            "block_id": "starts_at",
            "label": plain_text("Starts"),
            "element": starts,
        },
        {"type": "input", "block_id": "ends_at", "label": plain_text("Ends"), "element": ends},
        {
            "type": "input",
            "block_id": "meeting_url",
            "optional": True,
            "label": plain_text("Meeting link"),
            "element": link,
        },
    ]
    if talk is None:
        blocks.append(
            {
                "type": "input",
                "block_id": "channel",
                "label": plain_text("Announce in"),
                "element": channel,
            }
        )
    else:
        blocks = [
            b
            for b in blocks
            if b["block_id"] not in {"direction", "department", "audience_department"}
        ]
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL if talk else SESSION_MODAL,
        "private_metadata": json.dumps({"id": talk.id} if talk else {}),
        "title": plain_text("Edit session" if talk else "Schedule a session"),
        "submit": plain_text("Save" if talk else "Schedule"),
        "close": plain_text("Cancel"),
        "blocks": blocks,
    }


def announcement(talk: KnowledgeSession) -> tuple[str, list[dict]]:
    """The channel post: what, who, when, and an RSVP button showing the live count."""
    state = SessionState(talk.state)
    label = DIRECTION_LABELS[Direction(talk.direction)]
    title = safe_mrkdwn(talk.title)
    header = {
        SessionState.SCHEDULED: f":teacher: {label}",
        SessionState.CANCELLED: f":no_entry: Cancelled: {label}",
        SessionState.HELD: f":white_check_mark: Held: {label}",
        SessionState.NOT_HELD: f":grey_question: Did not take place: {label}",
    }[state]
    audience = f" for {safe_mrkdwn(talk.audience_department)}" if talk.audience_department else ""
    who = f"{mentions(talk.presenter_ids)} ({safe_mrkdwn(talk.department)}){audience}"
    lines = [f"*{title}*", f"Presented by {who}", f":calendar: {when(talk)}"]
    if talk.meeting_url and state == SessionState.SCHEDULED:
        lines.append(f":link: <{talk.meeting_url}|Join the meeting>")
    blocks: list[dict] = [
        {"type": "header", "text": plain_text(truncate(header, 150))},
        mrkdwn_section("\n".join(lines)),
    ]
    going = len(talk.rsvps)
    if state == SessionState.HELD:
        blocks.append(context_block(f"{len(talk.attendees)} attended · {going} had RSVP'd"))
    else:
        blocks.append(
            context_block(f":raising_hand: {going} going" if going else "Be the first to RSVP")
        )
    if state == SessionState.SCHEDULED:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"session-{talk.id}",
                "elements": [
                    button(RSVP_ACTION, "RSVP / un-RSVP", str(talk.id), "primary"),
                    button(EDIT_ACTION, "Edit", str(talk.id)),
                    {
                        **button(CANCEL_ACTION, "Cancel session", str(talk.id), "danger"),
                        "confirm": {
                            "title": plain_text("Cancel this session?"),
                            "text": plain_text("Everyone who RSVP'd will be told."),
                            "confirm": plain_text("Cancel it"),
                            "deny": plain_text("Keep it"),
                        },
                    },
                ],
            }
        )
    return f"{header}: {safe_mrkdwn(talk.title)}", blocks


def rsvp_note(going: bool | None, talk: KnowledgeSession) -> str:
    if going is None:
        return "RSVPs are closed for this session."
    if going:
        return f":white_check_mark: You're going to *{safe_mrkdwn(talk.title)}*. I'll remind you a day before and 15 minutes before."
    return f"You're no longer going to *{safe_mrkdwn(talk.title)}*."


def session_list(talks: Sequence[KnowledgeSession]) -> list[dict]:
    """`/session list`: what's coming up."""
    if not talks:
        return [
            mrkdwn_section(
                "No sessions are scheduled. Schedule one with `/session`: every team has something to teach."
            )
        ]
    lines = [
        f"• *{safe_mrkdwn(t.title)}* ({DIRECTION_LABELS[Direction(t.direction)]}), "
        f"{safe_mrkdwn(t.department)}, {when(t)} · {len(t.rsvps)} going"
        for t in talks
    ]
    return [
        {"type": "header", "text": plain_text("Upcoming sessions")},
        mrkdwn_section("\n".join(lines)),
    ]


def change_notice(talk: KnowledgeSession, what: str) -> str:
    """What someone who RSVP'd hears when a session changes."""
    title = f"*{safe_mrkdwn(talk.title)}*"
    return {
        "rescheduled": f":calendar: {title} has moved: it is now {when(talk)}.",
        "edited": f":pencil2: {title} was updated: {when(talk)}.",
        "cancelled": f":no_entry: {title} ({when(talk)}) has been cancelled.",
    }[what]


def reminder(
    talk: KnowledgeSession, soon: bool, now: datetime | None = None
) -> tuple[str, list[dict]]:
    title = f"*{safe_mrkdwn(talk.title)}*"
    if soon:
        minutes = max(round((talk.starts_at - now).total_seconds() / 60), 1) if now else 15
        text = f":alarm_clock: {title} starts in {plural(minutes, 'minute')}."
    else:
        text = f":calendar: Reminder: {title} is {when(talk)}."
    blocks = [mrkdwn_section(text)]
    if talk.meeting_url:
        blocks.append(mrkdwn_section(f":link: <{talk.meeting_url}|Join the meeting>"))
    return text, blocks


def confirm_ask(talk: KnowledgeSession) -> tuple[str, list[dict]]:
    """After the end: did it happen, and who came?"""
    text = f"Did *{safe_mrkdwn(talk.title)}* take place? Confirm it to record who attended; presenters are credited."
    return text, [
        mrkdwn_section(text),
        {
            "type": "actions",
            "elements": [
                button(CONFIRM_ACTION, "Yes, record attendance", str(talk.id), "primary"),
                button(NOT_HELD_ACTION, "It didn't happen", str(talk.id)),
            ],
        },
    ]


def attendance_modal(talk: KnowledgeSession) -> dict:
    element: dict = {"type": "multi_users_select", "action_id": "value"}
    if talk.rsvp_ids:
        element["initial_users"] = talk.rsvp_ids
    return {
        "type": "modal",
        "callback_id": ATTENDANCE_MODAL,
        "private_metadata": json.dumps({"id": talk.id}),
        "title": plain_text("Who attended?"),
        "submit": plain_text("Confirm"),
        "close": plain_text("Cancel"),
        "blocks": [
            mrkdwn_section(
                f"*{safe_mrkdwn(talk.title)}*, {when(talk)}. Everyone who RSVP'd is preselected."
            ),
            {
                "type": "input",
                "block_id": "attendees",
                "optional": True,
                "label": plain_text("Attendees"),
                "element": element,
            },
        ],
    }


def learned_ask(talk: KnowledgeSession) -> tuple[str, list[dict]]:
    text = f"Thanks for attending *{safe_mrkdwn(talk.title)}*! What's one thing you learned? (optional)"
    return text, [
        mrkdwn_section(text),
        {
            "type": "actions",
            "elements": [button(LEARNED_ACTION, "Share one thing I learned", str(talk.id))],
        },
    ]


def learned_modal(talk: KnowledgeSession) -> dict:
    return {
        "type": "modal",
        "callback_id": LEARNED_MODAL,
        "private_metadata": json.dumps({"id": talk.id}),
        "title": plain_text("One thing I learned"),
        "submit": plain_text("Share"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "learned",
                "label": plain_text(truncate(f"From “{talk.title}”", 150)),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": LEARNING_LENGTH,
                },
            },
            {
                "type": "input",
                "block_id": "share",
                "optional": True,
                "label": plain_text("Digest"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("share", "It may feature in the weekly digest")],
                },
            },
        ],
    }


def cadence_blocks(
    rows: Sequence[DepartmentCadence], since: datetime, sales: str, days: int
) -> list[dict]:
    """`/sells sessions`: each department's history, and who is overdue."""
    if not rows:
        return [
            mrkdwn_section(
                "No departments yet: import the org chart with `everybody-sells org import`."
            )
        ]
    lines = []
    for row in rows:
        last = f"last {row.last_presented:%d %b %Y}" if row.last_presented else "never presented"
        line = f"{':warning:' if row.overdue(since) else ':white_check_mark:'} *{safe_mrkdwn(row.department)}*: {row.sessions_in_window} in {days} days, {last}"
        if row.department.lower() != sales.lower():
            visit = f"{row.last_sales_visit:%d %b %Y}" if row.last_sales_visit else "never"
            line += f" · {safe_mrkdwn(sales)} last presented to them: {visit}"
        lines.append(line)
    overdue = [r.department for r in rows if r.overdue(since)]
    summary = (
        f"Overdue (nothing in {days} days): {', '.join(overdue)}."
        if overdue
        else "Every department is on cadence."
    )
    return [
        {"type": "header", "text": plain_text("Knowledge-sharing sessions")},
        mrkdwn_section("\n".join(lines)),
        context_block(summary),
    ]


def cadence_nudge(department: str, days: int, idea: TopicIdea | None, sales_to: bool) -> str:
    """The manager nudge for an overdue department, with a topic to start from."""
    if sales_to:
        text = (
            f":wave: Sales hasn't presented to *{safe_mrkdwn(department)}* in {days} days. "
            "A “How I sell what you build” session shows them what their work means to customers."
        )
    else:
        text = (
            f":wave: *{safe_mrkdwn(department)}* hasn't presented to sales in {days} days. "
            "A “How we build what you sell” session helps sales sell it better."
        )
    if idea is not None:
        about = f" for *{safe_mrkdwn(idea.customer)}*" if idea.customer else ""
        text += f" A topic to start from: the recent assist{about}: “{truncate(safe_mrkdwn(idea.description), 200)}”."
    return text + " Schedule one with `/session`."


def presenter_mentions(talk: KnowledgeSession) -> str:
    return mentions(talk.presenter_ids) or mention(talk.created_by)

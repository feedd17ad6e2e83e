"""Block Kit for knowledge-sharing sessions: the form, the announcement, reminders, follow-ups.

Every builder takes a `SessionInfo` (plain data), never a row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks.kit import (
    OPTIONS_LIMIT,
    actions_block,
    button,
    checkbox_input,
    confirm_dialog,
    context_block,
    external_select,
    header_block,
    input_block,
    line_sections,
    modal,
    mrkdwn_section,
    option,
    people_input,
    people_summary,
    select_input,
    summarised,
    text_input,
    url_input,
)
from bot.blocks.text import mention, plural, safe_mrkdwn, truncate
from models.knowledge_sessions import (
    DIRECTION_LABELS,
    LEARNING_LENGTH,
    TITLE_LENGTH,
    DepartmentCadence,
    Direction,
    SessionInfo,
    SessionState,
    TopicIdea,
)

SESSION_MODAL = "session_modal"
EDIT_MODAL = "session_edit_modal"
ATTENDANCE_MODAL = "session_attendance"
LEARNED_MODAL = "session_learned"
RSVP_ACTION = "session_rsvp"  # "I'm going" (older posts' "RSVP / un-RSVP" also sends it)
UNRSVP_ACTION = "session_unrsvp"  # "Not going after all"
DEPARTMENT_OPTIONS = "session_department"  # the type-ahead department selects' options
EDIT_ACTION = "session_edit"
CANCEL_ACTION = "session_cancel"
CONFIRM_ACTION = "session_confirm"
NOT_HELD_ACTION = "session_not_held"
LEARNED_ACTION = "session_learned_open"
DEPARTMENT_LENGTH = 100  # the department columns' size
PRESENTERS_ROOM = 1200  # 40 presenters' mentions take ~600 characters


def when(talk: SessionInfo) -> str:
    """Start and end, each shown in the reader's own time zone."""
    start, end = int(talk.starts_at.timestamp()), int(talk.ends_at.timestamp())
    fallback = f"{talk.starts_at:%a %d %b %Y %H:%M} UTC"
    return (
        f"<!date^{start}^{{date_long_pretty}} at {{time}}|{fallback}>"
        f" – <!date^{end}^{{time}}|{talk.ends_at:%H:%M} UTC>"
    )


def _title(talk: SessionInfo) -> str:
    return f"*{safe_mrkdwn(talk.title)}*"


def _note(text: str) -> tuple[str, list[dict]]:
    """A one-line message: the same words as its notification and its block."""
    return text, [mrkdwn_section(text)]


def _department_input(
    block_id: str, label: str, departments: Sequence[str], initial: str | None, optional: bool
) -> dict:
    """A select of the departments known, or a text field when none are. Past the 100
    options a static select takes, a type-ahead: Slack asks `DEPARTMENT_OPTIONS` for the
    departments matching what was typed."""
    if not departments:
        return text_input(
            block_id, label, max_length=DEPARTMENT_LENGTH, initial=initial, optional=optional
        )
    if len(departments) <= OPTIONS_LIMIT:
        options = [option(d, d) for d in departments]
        return select_input(block_id, label, options, initial=initial, optional=optional)
    chosen = option(initial, initial) if initial in departments else None
    placeholder = f"Type to find one of {len(departments)} departments"
    element = external_select(DEPARTMENT_OPTIONS, placeholder, chosen)
    return input_block(block_id, label, element, optional=optional)


def department_options(departments: Sequence[str]) -> list[dict]:
    """The type-ahead's answer: at most the 100 options Slack shows."""
    return [option(d, d) for d in departments[:OPTIONS_LIMIT]]


def _time_input(block_id: str, label: str, at: datetime | None) -> dict:
    element: dict = {"type": "datetimepicker"}
    if at is not None:
        element["initial_date_time"] = int(at.timestamp())
    return input_block(block_id, label, element)


def _channel_input(default_channel: str | None) -> dict:
    element: dict = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if default_channel:
        element["initial_conversation"] = default_channel
    return input_block("channel", "Announce in", element)


def session_modal(
    *,
    departments: Sequence[str],
    creator: str,
    creator_department: str | None,
    default_channel: str | None,
    talk: SessionInfo | None = None,
) -> dict:
    """`/session` (or Edit, given `talk`): what, who, when, where."""
    title = text_input(
        "title", "Title", max_length=TITLE_LENGTH, initial=talk.title if talk else None
    )
    who_and_when = [
        people_input("presenters", "Presenters", talk.presenter_ids if talk else [creator]),
        _time_input("starts_at", "Starts", talk.starts_at if talk else None),
        _time_input("ends_at", "Ends", talk.ends_at if talk else None),
        url_input("meeting_url", "Meeting link", talk.meeting_url if talk else None),
    ]
    if talk is not None:
        blocks = [title, *who_and_when]
        return modal(EDIT_MODAL, "Edit session", blocks, submit="Save", metadata={"id": talk.id})
    directions = [option(d.value, label) for d, label in DIRECTION_LABELS.items()]
    blocks = [
        title,
        select_input("direction", "Kind of session", directions),
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
        *who_and_when,
        _channel_input(default_channel),
    ]
    return modal(SESSION_MODAL, "Schedule a session", blocks, submit="Schedule", metadata={})


def _presenters(talk: SessionInfo) -> str:
    return people_summary(talk.presenter_ids, PRESENTERS_ROOM)


def going_count(talk: SessionInfo) -> str:
    return f"{len(talk.rsvp_ids)} going"


def cancel_button(talk: SessionInfo) -> dict:
    """Cancel session, behind Slack's confirm dialog."""
    cancel = confirm_dialog(
        "Cancel this session?", "Everyone who RSVP'd will be told.", "Cancel it", "Keep it"
    )
    return button(CANCEL_ACTION, "Cancel session", str(talk.id), "danger", confirm=cancel)


def announcement(talk: SessionInfo) -> tuple[str, list[dict]]:
    """The channel post: what, who, when, how many are going, and one "I'm going" button
    (everyone sees the same post, so the button does not show anyone's own state: the
    click's answer does, with a way to undo)."""
    state = SessionState(talk.state)
    label = DIRECTION_LABELS[Direction(talk.direction)]
    header = {
        SessionState.SCHEDULED: f":teacher: {label}",
        SessionState.CANCELLED: f":no_entry: Cancelled: {label}",
        SessionState.HELD: f":white_check_mark: Held: {label}",
        SessionState.NOT_HELD: f":grey_question: Did not take place: {label}",
    }[state]
    audience = f" for {safe_mrkdwn(talk.audience_department)}" if talk.audience_department else ""
    who = f"{_presenters(talk)} ({safe_mrkdwn(talk.department)}){audience}"
    lines = [_title(talk), f"Presented by {who}", f":calendar: {when(talk)}"]
    if talk.meeting_url and state == SessionState.SCHEDULED:
        lines.append(f":link: <{talk.meeting_url}|Join the meeting>")
    blocks = [header_block(header), mrkdwn_section("\n".join(lines))]
    rsvps = f"{len(talk.rsvp_ids)} had RSVP'd"
    if state == SessionState.HELD:
        blocks.append(context_block(f"{len(talk.attendee_ids)} attended · {rsvps}"))
    elif state != SessionState.SCHEDULED:
        blocks.append(context_block(rsvps))
    else:
        going = f":raising_hand: {going_count(talk)}"
        blocks.append(context_block(going if talk.rsvp_ids else "Be the first to RSVP"))
    if state == SessionState.SCHEDULED:
        buttons = [
            button(RSVP_ACTION, "I'm going", str(talk.id), "primary"),
            button(EDIT_ACTION, "Edit", str(talk.id)),
            cancel_button(talk),
        ]
        blocks.append(actions_block(buttons, block_id=f"session-{talk.id}"))
    return f"{header}: {safe_mrkdwn(talk.title)}", blocks


def scheduled_note(
    talk: SessionInfo, announced_in: str | None, error: str | None
) -> tuple[str, list[dict]]:
    """What the person who scheduled it hears (a DM, theirs alone: so Edit and Cancel are
    there): where it was announced, or why not."""
    if announced_in:
        where = f" and announced in <#{announced_in}>"
    elif error:
        where = f", but I couldn't post in <#{talk.channel_id}> ({error}): invite me there"
    else:
        where = ", but there is no channel to announce it in (SESSIONS_CHANNEL)"
    text = f":teacher: {_title(talk)} ({when(talk)}) is scheduled{where}."
    edit = button(EDIT_ACTION, "Edit", str(talk.id))
    return text, [mrkdwn_section(text), actions_block([edit, cancel_button(talk)])]


def rsvp_note(
    going: bool | None, talk: SessionInfo, changed: bool = True
) -> tuple[str, list[dict]]:
    """The answer to "I'm going" or "Not going after all", seen only by whoever clicked:
    where they stand now, and the button that undoes it."""
    if going is None:
        return _note("RSVPs are closed for this session.")
    count = going_count(talk)
    if going:
        text = (
            f":white_check_mark: You're {'already ' if not changed else ''}going to "
            f"{_title(talk)} ({count}). I'll remind you a day before and 15 minutes before."
        )
        undo = button(UNRSVP_ACTION, "Not going after all", str(talk.id))
    else:
        was = "You're no longer going" if changed else "You're not going"
        text = f"{was} to {_title(talk)} ({count})."
        undo = button(RSVP_ACTION, "I'm going after all", str(talk.id), "primary")
    return text, [mrkdwn_section(text), actions_block([undo])]


def not_allowed_note(talk: SessionInfo | None) -> tuple[str, list[dict]]:
    """The polite no to someone who may not edit or cancel a session (everyone sees the
    channel post's buttons)."""
    if talk is None:
        return _note("This session no longer exists, so there is nothing to change.")
    return _note(
        f"Only the presenters, the person who scheduled it or an admin can change {_title(talk)}, "
        f"so nothing was changed. {mention(talk.created_by)} scheduled it, if you'd like to ask them."
    )


def session_list(talks: Sequence[SessionInfo], total: int = 0) -> tuple[str, list[dict]]:
    """`/session list`: what's coming up (one line each, over as many sections as it takes),
    and how many more there are when `total` is more than those listed."""
    if not talks:
        return _note(
            "No sessions are scheduled. Schedule one with `/session`: every team has something to teach."
        )
    lines = [
        f"• {_title(t)} ({DIRECTION_LABELS[Direction(t.direction)]}), "
        f"{safe_mrkdwn(t.department)}, {when(t)} · {going_count(t)}"
        for t in talks
    ]
    total = max(total, len(talks))
    text = f"Upcoming sessions: {plural(total, 'session')}"
    blocks = [header_block("Upcoming sessions"), *line_sections(lines, max_blocks=40)]
    if total > len(talks):
        blocks.append(context_block(f"…and {total - len(talks)} more after these."))
    return text, blocks


def change_notice(talk: SessionInfo, what: str) -> tuple[str, list[dict]]:
    """What someone who RSVP'd hears when a session is rescheduled, edited or cancelled."""
    title = _title(talk)
    return _note(
        {
            "rescheduled": f":calendar: {title} has moved: it is now {when(talk)}.",
            "edited": f":pencil2: {title} was updated: {when(talk)}.",
            "cancelled": f":no_entry: {title} ({when(talk)}) has been cancelled.",
        }[what]
    )


def saved_note(talk: SessionInfo, told: int) -> tuple[str, list[dict]]:
    """An edit was saved; `told` people who RSVP'd heard about it."""
    people = plural(told, "person who RSVP'd", "people who RSVP'd")
    return _note(f"Saved {_title(talk)}; {people} told.")


def cancelled_note(talk: SessionInfo) -> tuple[str, list[dict]]:
    return _note(f"{_title(talk)} is cancelled.")


def not_held_note(talk: SessionInfo, changed: bool) -> tuple[str, list[dict]]:
    """The answer to "It didn't happen": noted, or why nothing changed."""
    if changed:
        return _note(f"Noted: {_title(talk)} did not take place.")
    state = talk.state.replace("_", " ")
    return _note(f"{_title(talk)} is already marked {state}; nothing changed.")


def attendance_note(talk: SessionInfo, recorded: bool) -> tuple[str, list[dict]]:
    """Attendance confirmed (presenters credited), or it had been already."""
    if not recorded:
        return _note(f"{_title(talk)} was already confirmed.")
    attended = len(talk.attendee_ids)
    return _note(f"Confirmed {_title(talk)}: {attended} attended; presenters credited.")


def reminder(talk: SessionInfo, soon: bool, now: datetime | None = None) -> tuple[str, list[dict]]:
    """A day before, or minutes before (counted from `now`), with the meeting link."""
    if soon:
        minutes = max(round((talk.starts_at - now).total_seconds() / 60), 1) if now else 15
        text = f":alarm_clock: {_title(talk)} starts in {plural(minutes, 'minute')}."
    else:
        text = f":calendar: Reminder: {_title(talk)} is {when(talk)}."
    blocks = [mrkdwn_section(text)]
    if talk.meeting_url:
        blocks.append(mrkdwn_section(f":link: <{talk.meeting_url}|Join the meeting>"))
    return text, blocks


def confirm_ask(talk: SessionInfo) -> tuple[str, list[dict]]:
    """After the end: did it happen, and who came?"""
    text = f"Did {_title(talk)} take place? Confirm it to record who attended; presenters are credited."
    buttons = [
        button(CONFIRM_ACTION, "Yes, record attendance", str(talk.id), "primary"),
        button(NOT_HELD_ACTION, "It didn't happen", str(talk.id)),
    ]
    return text, [mrkdwn_section(text), actions_block(buttons)]


def attendance_modal(talk: SessionInfo) -> dict:
    """Who attended: everyone who RSVP'd, preselected."""
    blocks = [
        mrkdwn_section(f"{_title(talk)}, {when(talk)}. Everyone who RSVP'd is preselected."),
        people_input("attendees", "Attendees", talk.rsvp_ids, optional=True),
    ]
    return modal(
        ATTENDANCE_MODAL, "Who attended?", blocks, submit="Confirm", metadata={"id": talk.id}
    )


def learned_ask(talk: SessionInfo) -> tuple[str, list[dict]]:
    """To each attendee, once confirmed: one thing they learned (optional)."""
    text = f"Thanks for attending {_title(talk)}! What's one thing you learned? (optional)"
    share = button(LEARNED_ACTION, "Share one thing I learned", str(talk.id))
    return text, [mrkdwn_section(text), actions_block([share])]


def learned_modal(talk: SessionInfo) -> dict:
    blocks = [
        text_input(
            "learned",
            truncate(f"From “{talk.title}”", 150),
            max_length=LEARNING_LENGTH,
            multiline=True,
        ),
        checkbox_input("share", "Digest", option("share", "It may feature in the weekly digest")),
    ]
    return modal(
        LEARNED_MODAL, "One thing I learned", blocks, submit="Share", metadata={"id": talk.id}
    )


def cadence_blocks(
    rows: Sequence[DepartmentCadence], since: datetime, sales: str, days: int
) -> list[dict]:
    """`/sells sessions`: each department's history, and who is overdue (blocks only: its
    caller in bot/flows/sells.py gives the message its text). Every department gets its
    line, over as many sections as it takes; the overdue ones are summarised."""
    if not rows:
        return [
            mrkdwn_section(
                "No departments yet: import the org chart with `everybody-sells org import`."
            )
        ]
    window = plural(days, "day")
    lines = []
    for row in rows:
        last = f"last {row.last_presented:%d %b %Y}" if row.last_presented else "never presented"
        held = plural(row.sessions_in_window, "session")
        line = f"{':warning:' if row.overdue(since) else ':white_check_mark:'} *{safe_mrkdwn(row.department)}*: {held} in {window}, {last}"
        if row.department.lower() != sales.lower():
            visit = f"{row.last_sales_visit:%d %b %Y}" if row.last_sales_visit else "never"
            line += f" · {safe_mrkdwn(sales)} last presented to them: {visit}"
        lines.append(line)
    overdue = [safe_mrkdwn(r.department) for r in rows if r.overdue(since)]
    summary = (
        f"Overdue (nothing in {window}): {summarised(overdue, 2800)}."
        if overdue
        else "Every department is on cadence."
    )
    return [
        header_block("Knowledge-sharing sessions"),
        *line_sections(lines, max_blocks=47, more="…and {} more departments."),
        context_block(summary),
    ]


def cadence_nudge(
    department: str, days: int, idea: TopicIdea | None, sales_to: bool
) -> tuple[str, list[dict]]:
    """The manager nudge for an overdue department, with a topic to start from."""
    if sales_to:
        text = (
            f":wave: Sales hasn't presented to *{safe_mrkdwn(department)}* in {plural(days, 'day')}. "
            "A “How I sell what you build” session shows them what their work means to customers."
        )
    else:
        text = (
            f":wave: *{safe_mrkdwn(department)}* hasn't presented to sales in {plural(days, 'day')}. "
            "A “How we build what you sell” session helps sales sell it better."
        )
    if idea is not None:
        about = f" for *{safe_mrkdwn(idea.customer)}*" if idea.customer else ""
        text += f" A topic to start from: the recent assist{about}: “{truncate(safe_mrkdwn(idea.description), 200)}”."
    return _note(text + " Schedule one with `/session`.")


def presenter_mentions(talk: SessionInfo) -> str:
    """Who presents it, or who scheduled it when nobody is named."""
    return _presenters(talk) or mention(talk.created_by)

"""Knowledge-sharing sessions: scheduling, the announcement kept current, RSVPs, edits,
cancelling, attendance and what people learned. handlers/sessions.py calls these.

Rows are copied to `SessionInfo` inside the transaction that loaded them; builders and
everything after the transaction work on that copy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.sessions import (
    announcement,
    attendance_note,
    cancelled_note,
    change_notice,
    department_options,
    learned_ask,
    not_allowed_note,
    not_held_note,
    rsvp_note,
    saved_note,
    scheduled_note,
    session_list,
    session_modal,
)
from bot.flows.homes import refresh_homes
from bot.forms import url_error
from bot.services import Services
from bot.slack.messages import notify_credited, post_message, tell, update_message
from models.base import utcnow
from models.departments import departments_matching
from models.events import claim_event
from models.knowledge_sessions import (
    TITLE_LENGTH,
    Direction,
    SessionDraft,
    SessionInfo,
    cancel_session,
    confirm_session,
    count_upcoming,
    create_session,
    get_session,
    mark_not_held,
    may_manage,
    record_learning,
    schedule_problems,
    session_info,
    set_rsvp,
    upcoming,
    update_session,
)
from models.people import find_person
from models.stats import departments

logger = logging.getLogger(__name__)

LEARNED_SAVED = "Thanks for sharing what you learned!"
LEARNED_REFUSED = "Only confirmed attendees can share what they learned."


def find_session(services: Services, team_id: str, session_id: int) -> SessionInfo | None:
    with services.sessions() as session:
        talk = get_session(session, team_id, session_id)
        return session_info(talk) if talk else None


def upcoming_message(services: Services, team_id: str) -> tuple[str, list[dict]]:
    """`/session list`: the sessions coming up."""
    now = utcnow()
    with services.sessions() as session:
        talks = [session_info(t) for t in upcoming(session, team_id, now)]
        total = count_upcoming(session, team_id, now)
    return session_list(talks, total)


def schedule_form(services: Services, team_id: str, user_id: str) -> dict:
    """The scheduling form, with the departments known and the person's own preselected."""
    with services.sessions() as session:
        known = departments(session, team_id)
        me = find_person(session, team_id, user_id)
        my_department = me.department if me else None
    return session_modal(
        departments=known,
        creator=user_id,
        creator_department=my_department,
        default_channel=services.settings.session_channel,
    )


def edit_form(talk: SessionInfo, user_id: str) -> dict:
    """The same form, filled in with the session, for one who may change it."""
    return session_modal(
        departments=(), creator=user_id, creator_department=None, default_channel=None, talk=talk
    )


def department_choices(services: Services, team_id: str, typed: str) -> list[dict]:
    """The type-ahead's answer: the org chart's departments matching what was typed."""
    with services.sessions() as session:
        return department_options(departments_matching(session, team_id, typed))


def answer(
    client: WebClient, user_id: str, respond: Respond | None, message: tuple[str, list[dict]]
) -> None:
    """Say it to whoever clicked: beside the message they clicked on, or in a DM when the
    click came from their Home (which has no response URL)."""
    text, blocks = message
    if respond is not None and respond.response_url:
        respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)
    else:
        tell(client, user_id, None, text, blocks)


def form_problems(
    values: dict, current_start: Callable[[], datetime | None] | None = None
) -> dict[str, str]:
    """Field errors; an edit that keeps the start time may be saved after the start
    (`current_start` looks it up, only then: this runs before the ack)."""
    problems = schedule_problems(values.get("starts_at"), values.get("ends_at"), utcnow())
    if (
        "starts_at" in problems
        and current_start is not None
        and values.get("starts_at") == current_start()
    ):
        problems.pop("starts_at")
    title = values.get("title") or ""
    if len(title) > TITLE_LENGTH:
        problems["title"] = f"Please use at most {TITLE_LENGTH} characters for the title."
    if message := url_error(values.get("meeting_url")):
        problems["meeting_url"] = message
    if not values.get("presenters"):
        problems["presenters"] = "Choose at least one presenter."
    return problems


def start_of(services: Services, team_id: str, session_id: int) -> Callable[[], datetime | None]:
    """Looks up the session's saved start, for `form_problems` to call only if it must."""

    def current_start() -> datetime | None:
        talk = find_session(services, team_id, session_id)
        return talk.starts_at if talk else None

    return current_start


def session_draft(
    services: Services, values: dict, team_id: str, creator: str, view_id: str
) -> SessionDraft:
    """The scheduling form's values; the view id makes a resubmitted form count once."""
    return SessionDraft(
        team_id=team_id,
        created_by=creator,
        title=values["title"],
        direction=Direction(values.get("direction") or Direction.BUILD_TO_SALES.value),
        department=values.get("department") or "Unknown",
        audience_department=values.get("audience_department"),
        presenters=values["presenters"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        meeting_url=values.get("meeting_url"),
        channel_id=values.get("channel") or services.settings.session_channel,
        dedupe_key=f"view:{view_id}",
    )


def schedule(services: Services, client: WebClient, draft: SessionDraft) -> None:
    """Store the session (once per form), announce it, tell the scheduler, refresh Homes."""
    with services.sessions.begin() as session:
        talk, created = create_session(session, draft)
        info = session_info(talk)
    if not created:
        return
    announced_in, error = post_announcement(services, client, info)
    text, blocks = scheduled_note(info, announced_in, error)
    tell(client, draft.created_by, None, text, blocks)
    refresh_homes(services, client, draft.team_id, [draft.created_by, *info.presenter_ids])


def post_announcement(
    services: Services, client: WebClient, talk: SessionInfo
) -> tuple[str | None, str | None]:
    """Post the announcement and remember where: (channel, None), or (None, Slack's error);
    (None, None) when there is no channel to post in."""
    if not talk.channel_id:
        return None, None
    text, blocks = announcement(talk)
    try:
        posted = post_message(
            client, channel=talk.channel_id, text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as error:
        logger.warning("session %s not announced: %s", talk.id, error.response.get("error"))
        return None, error.response.get("error")
    with services.sessions.begin() as session:
        saved = get_session(session, talk.team_id, talk.id)
        saved.channel_id, saved.announcement_ts = posted["channel"], posted["ts"]
    return posted["channel"], None


def refresh_announcement(client: WebClient, talk: SessionInfo) -> None:
    """Show the session's current state and RSVP count on its announcement."""
    if not (talk.channel_id and talk.announcement_ts):
        return
    text, blocks = announcement(talk)
    try:
        update_message(
            client, channel=talk.channel_id, ts=talk.announcement_ts, text=text, blocks=blocks
        )
    except SlackApiError as error:
        logger.warning(
            "session %s announcement not updated: %s", talk.id, error.response.get("error")
        )


def tell_rsvps(client: WebClient, talk: SessionInfo, message: tuple[str, list[dict]]) -> None:
    """DM everyone who RSVP'd; one failed DM does not stop the others."""
    text, blocks = message
    for user_id in talk.rsvp_ids:
        try:
            post_message(client, channel=user_id, text=text, blocks=blocks)
        except SlackApiError:
            logger.exception("could not tell %s about session %s", user_id, talk.id)


def rsvp(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    session_id: int,
    action_ts: str,
    going: bool,
) -> tuple[str, list[dict]] | None:
    """Going, or not going after all; the note for them, or None when nothing happened
    (a bot, a redelivered click, a session that is gone)."""
    person = services.directory.person(client, team_id, user_id)
    if person is None or not person.creditable:
        logger.info("ignored an RSVP by %s, who is not an active person", user_id)
        return None
    with services.sessions.begin() as session:
        # The same click delivered twice counts once.
        if not claim_event(session, team_id, f"rsvp:{user_id}:{action_ts}"):
            return None
        talk = get_session(session, team_id, session_id)
        outcome = set_rsvp(session, talk, person, going) if talk else None
        info = session_info(talk) if talk else None
    if info is None:
        return None
    if outcome is None:
        return rsvp_note(None, info)
    logger.info("session %s RSVP by %s: %s", info.id, user_id, outcome)
    if outcome.changed:
        refresh_announcement(client, info)
        refresh_homes(services, client, team_id, [user_id])
    return rsvp_note(outcome.going, info, outcome.changed)


def manageable(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    session_id: int,
    respond: Respond | None,
) -> SessionInfo | None:
    """The session if `user_id` may change it; otherwise say politely why not, and None."""
    with services.sessions() as session:
        talk = get_session(session, team_id, session_id)
        info = session_info(talk) if talk else None
    if info is not None and info.may_be_changed_by(user_id, services.is_admin(user_id)):
        return info
    answer(client, user_id, respond, not_allowed_note(info))
    return None


def save_edit(
    services: Services, client: WebClient, team_id: str, user_id: str, session_id: int, values: dict
) -> None:
    """Save an edit by someone who may; tell those who RSVP'd and the editor."""
    with services.sessions.begin() as session:
        talk = get_session(session, team_id, session_id)
        if talk is None or not may_manage(talk, user_id, services.is_admin(user_id)):
            return
        change = update_session(
            talk,
            title=values["title"],
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            meeting_url=values.get("meeting_url"),
            presenters=values["presenters"],
        )
        info = session_info(talk)
    refresh_announcement(client, info)
    tell_rsvps(client, info, change_notice(info, "rescheduled" if change.rescheduled else "edited"))
    text, blocks = saved_note(info, len(info.rsvp_ids))
    tell(client, user_id, None, text, blocks)
    refresh_homes(services, client, team_id, [*info.rsvp_ids, *info.presenter_ids])


def cancel(
    services: Services, client: WebClient, team_id: str, user_id: str, session_id: int
) -> tuple[str, list[dict]]:
    """Cancel it (once): the announcement shows it, those who RSVP'd hear of it, and the
    Homes that listed it (whoever cancelled it too) drop it."""
    with services.sessions.begin() as session:
        talk = get_session(session, team_id, session_id)
        cancelled = cancel_session(talk)
        info = session_info(talk)
    if cancelled:
        refresh_announcement(client, info)
        tell_rsvps(client, info, change_notice(info, "cancelled"))
        everyone = [user_id, *info.rsvp_ids, *info.presenter_ids]
        refresh_homes(services, client, team_id, everyone)
    return cancelled_note(info)


def not_held(
    services: Services, client: WebClient, team_id: str, session_id: int
) -> tuple[str, list[dict]]:
    """The answer to "It didn't happen": marked so on the announcement, unless it was confirmed already."""
    with services.sessions.begin() as session:
        talk = get_session(session, team_id, session_id)
        changed = mark_not_held(talk)
        info = session_info(talk)
    if changed:
        refresh_announcement(client, info)
    return not_held_note(info, changed)


def confirm_attendance(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    session_id: int,
    attendee_ids: list[str],
    awarded_by: str,
) -> None:
    """Record who attended and credit the presenters (once), then ask each attendee what
    they learned. Only someone who may manage the session can."""
    with services.sessions() as session:
        talk = get_session(session, team_id, session_id)
        if talk is None or not may_manage(talk, user_id, services.is_admin(user_id)):
            return
        presenter_ids = talk.presenter_ids
    people = services.directory.people(client, team_id, [*attendee_ids, *presenter_ids])
    with services.sessions.begin() as session:
        held = get_session(session, team_id, session_id)
        credit = confirm_session(
            session,
            held,
            [people[a] for a in attendee_ids],
            {p: people[p] for p in held.presenter_ids},
            awarded_by=awarded_by,
            now=utcnow(),
        )
        info = session_info(held)
        presenters = credit.info if credit is not None and credit.recorded else None
    if credit is not None:
        if presenters is not None:
            notify_credited(client, presenters, credit.credited)
        refresh_announcement(client, info)
        ask_what_was_learned(client, info)
    text, blocks = attendance_note(info, recorded=credit is not None)
    tell(client, user_id, None, text, blocks)


def ask_what_was_learned(client: WebClient, talk: SessionInfo) -> None:
    """DM each confirmed attendee the "one thing I learned" button."""
    text, blocks = learned_ask(talk)
    for attendee in talk.attendee_ids:
        try:
            post_message(client, channel=attendee, text=text, blocks=blocks)
        except SlackApiError:
            logger.exception("could not ask %s what they learned", attendee)


def record_learned(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    session_id: int,
    text: str,
    share: bool,
) -> None:
    """An attendee's "one thing I learned", and a word back to them."""
    with services.sessions.begin() as session:
        talk = get_session(session, team_id, session_id)
        saved = talk is not None and record_learning(talk, user_id, text, share, utcnow())
    tell(client, user_id, None, LEARNED_SAVED if saved else LEARNED_REFUSED)

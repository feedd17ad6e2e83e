"""`/session`: schedule, announce, RSVP, edit, cancel and confirm knowledge-sharing sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.sessions import (
    ATTENDANCE_MODAL,
    CANCEL_ACTION,
    CONFIRM_ACTION,
    EDIT_ACTION,
    EDIT_MODAL,
    LEARNED_ACTION,
    LEARNED_MODAL,
    NOT_HELD_ACTION,
    RSVP_ACTION,
    SESSION_MODAL,
    announcement,
    attendance_modal,
    change_notice,
    learned_ask,
    learned_modal,
    rsvp_note,
    session_list,
    session_modal,
    when,
)
from bot.blocks.text import plural
from bot.flows.homes import refresh_homes
from bot.forms import action_number, metadata_number, url_error, view_values
from bot.services import Services
from bot.slack.messages import notify_credited, post_message, tell, update_message
from models.base import utcnow
from models.events import claim_event
from models.knowledge_sessions import (
    TITLE_LENGTH,
    Direction,
    KnowledgeSession,
    SessionDraft,
    cancel_session,
    confirm_session,
    create_session,
    get_session,
    mark_not_held,
    may_manage,
    record_learning,
    schedule_problems,
    toggle_rsvp,
    upcoming,
    update_session,
)
from models.people import find_person
from models.stats import departments

logger = logging.getLogger(__name__)


def session_command(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, command: dict, client: WebClient, respond: Respond, context: dict) -> None:
        ack()
        team_id, user_id = context["team_id"], command["user_id"]
        if (command.get("text") or "").strip().lower() == "list":
            with services.sessions() as session:
                talks = upcoming(session, team_id, utcnow())
            respond(response_type="ephemeral", text="Upcoming sessions", blocks=session_list(talks))
            return
        client.views_open(
            trigger_id=command["trigger_id"], view=schedule_form(services, team_id, user_id)
        )

    return handle


def schedule_form(services: Services, team_id: str, user_id: str) -> dict:
    """The scheduling form, with the departments known and the person's own preselected."""
    with services.sessions() as session:
        known = departments(session, team_id)
        me = find_person(session, team_id, user_id)
    return session_modal(
        departments=known,
        creator=user_id,
        creator_department=me.department if me else None,
        default_channel=services.settings.session_channel,
    )


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


def schedule_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        creator = body["user"]["id"]
        problems = form_problems(values)
        if problems:
            logger.info("session form from %s refused: %s", creator, sorted(problems))
            ack(response_action="errors", errors=problems)
            return
        ack()
        draft = SessionDraft(
            team_id=context["team_id"],
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
            dedupe_key=f"view:{view['id']}",
        )
        with services.sessions.begin() as session:
            talk, created = create_session(session, draft)
        if not created:
            return
        where = post_announcement(services, client, talk)
        tell(client, creator, None, f":teacher: *{talk.title}* ({when(talk)}) is scheduled{where}.")
        refresh_homes(services, client, draft.team_id, [creator, *talk.presenter_ids])

    return handle


def post_announcement(services: Services, client: WebClient, talk: KnowledgeSession) -> str:
    if not talk.channel_id:
        return ", but there is no channel to announce it in (SESSIONS_CHANNEL)"
    text, blocks = announcement(talk)
    try:
        posted = post_message(
            client, channel=talk.channel_id, text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as error:
        logger.warning("session %s not announced: %s", talk.id, error.response.get("error"))
        return f", but I couldn't post in <#{talk.channel_id}> ({error.response.get('error')}): invite me there"
    with services.sessions.begin() as session:
        saved = get_session(session, talk.team_id, talk.id)
        saved.channel_id, saved.announcement_ts = posted["channel"], posted["ts"]
    return f" and announced in <#{posted['channel']}>"


def refresh_announcement(client: WebClient, talk: KnowledgeSession) -> None:
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


def tell_rsvps(client: WebClient, talk: KnowledgeSession, text: str) -> None:
    for user_id in talk.rsvp_ids:
        try:
            post_message(client, channel=user_id, text=text)
        except SlackApiError:
            logger.exception("could not tell %s about session %s", user_id, talk.id)


def rsvp_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        team_id, user_id = context["team_id"], body["user"]["id"]
        person = services.directory.person(client, team_id, user_id)
        if person is None or not person.creditable:
            logger.info("ignored an RSVP by %s, who is not an active person", user_id)
            return
        with services.sessions.begin() as session:
            # The same click delivered twice toggles once.
            if not claim_event(session, team_id, f"rsvp:{user_id}:{action.get('action_ts', '')}"):
                return
            talk = get_session(session, team_id, action_number(action))
            going = toggle_rsvp(session, talk, person) if talk else None
        if talk is None:
            return
        logger.info("session %s RSVP by %s: %s", talk.id, user_id, going)
        refresh_announcement(client, talk)
        refresh_homes(services, client, team_id, [user_id])
        if body.get("response_url"):  # a click in App Home has none; the Home shows it
            respond(response_type="ephemeral", replace_original=False, text=rsvp_note(going, talk))

    return handle


def manageable(
    services: Services, team_id: str, user_id: str, session_id: int, respond: Respond
) -> KnowledgeSession | None:
    """The session if `user_id` may change it; otherwise explain why not and return None."""
    with services.sessions() as session:
        talk = get_session(session, team_id, session_id)
    if talk is None or not may_manage(talk, user_id, services.is_admin(user_id)):
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="Only the presenters, the person who scheduled it, or an admin can change this session.",
        )
        return None
    return talk


def edit_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        talk = manageable(services, context["team_id"], user_id, action_number(action), respond)
        if talk is None:
            return
        view = session_modal(
            departments=(),
            creator=user_id,
            creator_department=None,
            default_channel=None,
            talk=talk,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle


def edit_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        team_id, session_id = context["team_id"], metadata_number(view)

        def current_start() -> datetime | None:
            with services.sessions() as session:
                current = get_session(session, team_id, session_id)
            return current.starts_at if current else None

        problems = form_problems(values, current_start)
        if problems:
            ack(response_action="errors", errors=problems)
            return
        ack()
        user_id = body["user"]["id"]
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
        refresh_announcement(client, talk)
        tell_rsvps(
            client, talk, change_notice(talk, "rescheduled" if change.rescheduled else "edited")
        )
        told = plural(len(talk.rsvps), "person who RSVP'd", "people who RSVP'd")
        tell(client, user_id, None, f"Saved *{talk.title}*; {told} told.")
        refresh_homes(services, client, team_id, [*talk.rsvp_ids, *talk.presenter_ids])

    return handle


def cancel_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        user_id, team_id = body["user"]["id"], context["team_id"]
        if manageable(services, team_id, user_id, action_number(action), respond) is None:
            return
        with services.sessions.begin() as session:
            talk = get_session(session, team_id, action_number(action))
            cancelled = cancel_session(talk)
        if cancelled:
            refresh_announcement(client, talk)
            tell_rsvps(client, talk, change_notice(talk, "cancelled"))
            refresh_homes(services, client, team_id, [*talk.rsvp_ids, *talk.presenter_ids])
        respond(
            response_type="ephemeral", replace_original=False, text=f"*{talk.title}* is cancelled."
        )

    return handle


def confirm_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        talk = manageable(
            services, context["team_id"], body["user"]["id"], action_number(action), respond
        )
        if talk is not None:
            client.views_open(trigger_id=body["trigger_id"], view=attendance_modal(talk))

    return handle


def attendance_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        ack()
        user_id, team_id = body["user"]["id"], context["team_id"]
        attendee_ids = view_values(view).get("attendees") or []
        with services.sessions() as session:
            talk = get_session(session, team_id, metadata_number(view))
        if talk is None or not may_manage(talk, user_id, services.is_admin(user_id)):
            return
        people = services.directory.people(client, team_id, [*attendee_ids, *talk.presenter_ids])
        with services.sessions.begin() as session:
            talk = get_session(session, team_id, talk.id)
            credit = confirm_session(
                session,
                talk,
                [people[a] for a in attendee_ids],
                {p: people[p] for p in talk.presenter_ids},
                awarded_by=context.get("bot_user_id") or "",
                now=utcnow(),
            )
        if credit is None:
            tell(client, user_id, None, f"*{talk.title}* was already confirmed.")
            return
        if credit.recorded:
            notify_credited(client, credit.assist, credit.credited)
        refresh_announcement(client, talk)
        text, blocks = learned_ask(talk)
        for attendee in talk.attendees:
            try:
                post_message(client, channel=attendee.user_id, text=text, blocks=blocks)
            except SlackApiError:
                logger.exception("could not ask %s what they learned", attendee.user_id)
        tell(
            client,
            user_id,
            None,
            f"Confirmed *{talk.title}*: {len(talk.attendees)} attended; presenters credited.",
        )

    return handle


def not_held_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        team_id = context["team_id"]
        if (
            manageable(services, team_id, body["user"]["id"], action_number(action), respond)
            is None
        ):
            return
        with services.sessions.begin() as session:
            talk = get_session(session, team_id, action_number(action))
            changed = mark_not_held(talk)
        if changed:
            refresh_announcement(client, talk)
        text = (
            f"Noted: *{talk.title}* did not take place."
            if changed
            else f"*{talk.title}* is already marked {talk.state.replace('_', ' ')}; nothing changed."
        )
        respond(response_type="ephemeral", replace_original=False, text=text)

    return handle


def learned_action(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, action: dict, client: WebClient, context: dict) -> None:
        ack()
        with services.sessions() as session:
            talk = get_session(session, context["team_id"], action_number(action))
        if talk is not None:
            client.views_open(trigger_id=body["trigger_id"], view=learned_modal(talk))

    return handle


def learned_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        text = values.get("learned") or ""
        if len(text) > 500:
            ack(response_action="errors", errors={"learned": "Please use at most 500 characters."})
            return
        ack()
        user_id = body["user"]["id"]
        with services.sessions.begin() as session:
            talk = get_session(session, context["team_id"], metadata_number(view))
            saved = talk is not None and record_learning(
                talk, user_id, text, "share" in (values.get("share") or []), utcnow()
            )
        answer = (
            "Thanks for sharing what you learned!"
            if saved
            else "Only confirmed attendees can share what they learned."
        )
        tell(client, user_id, None, answer)

    return handle


def register(app: App, services: Services) -> None:
    app.command("/session")(session_command(services))
    app.view(SESSION_MODAL)(schedule_submission(services))
    app.action(RSVP_ACTION)(rsvp_action(services))
    app.action(EDIT_ACTION)(edit_action(services))
    app.view(EDIT_MODAL)(edit_submission(services))
    app.action(CANCEL_ACTION)(cancel_action(services))
    app.action(CONFIRM_ACTION)(confirm_action(services))
    app.view(ATTENDANCE_MODAL)(attendance_submission(services))
    app.action(NOT_HELD_ACTION)(not_held_action(services))
    app.action(LEARNED_ACTION)(learned_action(services))
    app.view(LEARNED_MODAL)(learned_submission(services))

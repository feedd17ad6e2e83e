"""`/session`: schedule, announce, RSVP, edit, cancel and confirm knowledge-sharing sessions.

Listeners only; what they do lives in bot/flows/sessions.py."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.sessions import (
    ATTENDANCE_MODAL,
    CANCEL_ACTION,
    CONFIRM_ACTION,
    DEPARTMENT_OPTIONS,
    EDIT_ACTION,
    EDIT_MODAL,
    LEARNED_ACTION,
    LEARNED_MODAL,
    NOT_HELD_ACTION,
    RSVP_ACTION,
    SESSION_MODAL,
    UNRSVP_ACTION,
    attendance_modal,
    learned_modal,
)
from bot.flows.sessions import (
    answer,
    cancel,
    confirm_attendance,
    department_choices,
    edit_form,
    find_session,
    form_problems,
    manageable,
    not_held,
    record_learned,
    rsvp,
    save_edit,
    schedule,
    schedule_form,
    session_draft,
    start_of,
    upcoming_message,
)
from bot.forms import action_number, metadata_number, view_values
from bot.services import Services
from models.knowledge_sessions import LEARNING_LENGTH

logger = logging.getLogger(__name__)


def session_command(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """`/session` opens the scheduling form; `/session list` shows what is coming up."""
    ack()
    services: Services = context["services"]
    team_id, user_id = context["team_id"], command["user_id"]
    if (command.get("text") or "").strip().lower() == "list":
        text, blocks = upcoming_message(services, team_id)
        respond(response_type="ephemeral", text=text, blocks=blocks)
        return
    view = schedule_form(services, team_id, user_id)
    client.views_open(trigger_id=command["trigger_id"], view=view)


def schedule_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The scheduling form: field errors in the ack, else store, announce and confirm."""
    services: Services = context["services"]
    values = view_values(view)
    creator = body["user"]["id"]
    problems = form_problems(values)
    if problems:
        logger.info("session form from %s refused: %s", creator, sorted(problems))
        ack(response_action="errors", errors=problems)
        return
    ack()
    draft = session_draft(services, values, context["team_id"], creator, view["id"])
    schedule(services, client, draft)


def department_options_load(ack: Ack, body: dict, context: BoltContext) -> None:
    """The scheduling form's type-ahead: the departments matching what was typed (a
    company with more than 100 has no static select for them)."""
    typed = body.get("value") if isinstance(body.get("value"), str) else ""
    ack(options=department_choices(context["services"], context["team_id"], typed))


def rsvp_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """ "I'm going" or "Not going after all", on the announcement, its answer or App Home.
    The answer shows the person where they stand; clicked in that answer, it is replaced."""
    ack()
    services: Services = context["services"]
    session_id, action_ts = action_number(action), action.get("action_ts", "")
    going = action.get("action_id") != UNRSVP_ACTION
    user_id = body["user"]["id"]
    note = rsvp(services, client, context["team_id"], user_id, session_id, action_ts, going)
    if note is not None and body.get("response_url"):  # App Home has none; the Home shows it
        in_answer = bool((body.get("container") or {}).get("is_ephemeral"))
        text, blocks = note
        respond(response_type="ephemeral", replace_original=in_answer, text=text, blocks=blocks)


def edit_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Edit: the form, filled in, for those who may change the session."""
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    talk = manageable(services, client, context["team_id"], user_id, action_number(action), respond)
    if talk is not None:
        client.views_open(trigger_id=body["trigger_id"], view=edit_form(talk, user_id))


def edit_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The edit form: field errors in the ack (keeping a start that has passed is fine)."""
    services: Services = context["services"]
    values = view_values(view)
    team_id, session_id = context["team_id"], metadata_number(view)
    problems = form_problems(values, start_of(services, team_id, session_id))
    if problems:
        ack(response_action="errors", errors=problems)
        return
    ack()
    save_edit(services, client, team_id, body["user"]["id"], session_id, values)


def cancel_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Cancel session (after Slack's confirm dialog), for those who may; the others (the
    channel post shows everyone the button) hear politely why not."""
    ack()
    services: Services = context["services"]
    team_id, session_id, user_id = context["team_id"], action_number(action), body["user"]["id"]
    if manageable(services, client, team_id, user_id, session_id, respond) is None:
        return
    answer(client, user_id, respond, cancel(services, client, team_id, user_id, session_id))


def confirm_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The "Yes, record attendance" button: who attended, those who RSVP'd preselected."""
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    talk = manageable(services, client, context["team_id"], user_id, action_number(action), respond)
    if talk is not None:
        client.views_open(trigger_id=body["trigger_id"], view=attendance_modal(talk))


def attendance_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """Who attended: recorded, presenters credited, attendees asked what they learned."""
    ack()
    attendee_ids = view_values(view).get("attendees") or []
    confirm_attendance(
        context["services"],
        client,
        context["team_id"],
        body["user"]["id"],
        metadata_number(view),
        attendee_ids,
        awarded_by=context.get("bot_user_id") or "",
    )


def not_held_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The "It didn't happen" button, for those who may."""
    ack()
    services: Services = context["services"]
    team_id, session_id, user_id = context["team_id"], action_number(action), body["user"]["id"]
    if manageable(services, client, team_id, user_id, session_id, respond) is None:
        return
    answer(client, user_id, respond, not_held(services, client, team_id, session_id))


def learned_action(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """The "Share one thing I learned" button: its form."""
    ack()
    talk = find_session(context["services"], context["team_id"], action_number(action))
    if talk is not None:
        client.views_open(trigger_id=body["trigger_id"], view=learned_modal(talk))


def learned_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """What an attendee learned: too long is a field error; else recorded (if they attended)."""
    values = view_values(view)
    text = values.get("learned") or ""
    if len(text) > LEARNING_LENGTH:
        ack(
            response_action="errors",
            errors={"learned": f"Please use at most {LEARNING_LENGTH} characters."},
        )
        return
    ack()
    share = "share" in (values.get("share") or [])
    session_id = metadata_number(view)
    user_id = body["user"]["id"]
    record_learned(
        context["services"], client, context["team_id"], user_id, session_id, text, share
    )


def register(app: App, services: Services) -> None:
    app.command("/session")(session_command)
    app.view(SESSION_MODAL)(schedule_submission)
    app.options(DEPARTMENT_OPTIONS)(department_options_load)
    app.action(RSVP_ACTION)(rsvp_action)
    app.action(UNRSVP_ACTION)(rsvp_action)
    app.action(EDIT_ACTION)(edit_action)
    app.view(EDIT_MODAL)(edit_submission)
    app.action(CANCEL_ACTION)(cancel_action)
    app.action(CONFIRM_ACTION)(confirm_action)
    app.view(ATTENDANCE_MODAL)(attendance_submission)
    app.action(NOT_HELD_ACTION)(not_held_action)
    app.action(LEARNED_ACTION)(learned_action)
    app.view(LEARNED_MODAL)(learned_submission)

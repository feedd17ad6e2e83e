"""`/assist`: log help quickly with a mention, or fully with the modal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.assists import (
    ADD_DETAILS_ACTION,
    ASSIST_DETAILS_MODAL,
    ASSIST_MODAL,
    OPEN_ASSIST_MODAL_ACTION,
    STAGE_ACTION,
    assist_confirmation,
    assist_details_modal,
    assist_modal,
    refusal_lines,
)
from bot.flows.homes import publish_homes
from bot.forms import (
    action_number,
    metadata_number,
    parse_kind,
    parse_stage,
    split_recipients,
    url_error,
    view_metadata,
    view_values,
)
from bot.services import Services
from bot.slack.messages import notify_credited, tell
from models.assists import (
    MAX_LENGTHS,
    AssistDraft,
    RecordOutcome,
    Source,
    get_assist,
    record_assist,
    remaining_today,
    set_stage,
    too_long,
    update_details,
)
from models.base import utcnow
from models.home import home_openers
from models.people import people_by_id

logger = logging.getLogger(__name__)

NOT_YOURS = "Only the person who logged an assist can change it."

USAGE = (
    "To log an assist, type `/assist` to open the form, or "
    "`/assist @someone what they did` to credit them right away."
)


def length_errors(values: dict) -> dict[str, str]:
    """Field errors for text over its limit, naming the limit."""
    fields = {name: values.get(name) for name in ("customer", "description", "crm_url")}
    return {
        name: f"Please use at most {limit:,} characters (this has {len(fields[name] or ''):,})."
        for name, limit in too_long(fields).items()
    }


def recipient_problems(
    services: Services, team_id: str, giver: str, recipients: list[str], *, limited: bool = True
) -> str | None:
    """Why the chosen people can't be credited, from what we already know (no Slack call:
    this runs before the form is acknowledged). Slack is asked after the ack."""
    if not recipients:
        return "Choose who helped."
    if recipients == [giver]:
        return "You can't credit yourself; choose the people who helped you."
    with services.sessions() as session:
        known = people_by_id(session, team_id, recipients)
        left = remaining_today(session, team_id, giver, services.giving_limit, utcnow())
    for user_id in recipients:
        person = known.get(user_id)
        if person is not None and (person.is_bot or person.is_deleted):
            what = "is a bot" if person.is_bot else "has left the workspace"
            return f"{person.name or user_id} {what} and can't be credited."
    others = len([r for r in recipients if r != giver])
    if limited and others > left:
        return (
            f"You can credit {left} more {'person' if left == 1 else 'people'} today "
            f"(the daily limit is {services.settings.daily_credit_limit})."
        )
    return None


def record_and_report(
    services: Services, client: WebClient, draft: AssistDraft, *, limited: bool = True
) -> RecordOutcome:
    """Apply the rules to a draft inside one transaction, then tell the credited people."""
    people = services.directory.people(client, draft.team_id, draft.recipient_ids)
    limit = services.giving_limit if limited else None
    with services.sessions.begin() as session:
        outcome = record_assist(session, draft, people, limit)
        openers = (
            home_openers(session, draft.team_id, [draft.giver_id, *outcome.credited])
            if outcome.recorded
            else []
        )
    if outcome.recorded:
        notify_credited(client, outcome.assist, outcome.credited)
        publish_homes(services, client, draft.team_id, openers)
    logger.info(
        "assist from %s via %s: credited=%s refused=%s duplicate=%s limit=%s",
        draft.giver_id,
        draft.source,
        outcome.credited,
        [r.value for _, r in outcome.refused],
        outcome.duplicate,
        bool(outcome.limit_reached),
    )
    return outcome


def outcome_message(outcome: RecordOutcome, offer_details: bool) -> tuple[str, list[dict] | None]:
    """The giver's answer: a confirmation, or why nothing was recorded."""
    if outcome.assist is not None and outcome.credited:
        blocks = assist_confirmation(
            outcome.assist,
            outcome.credited,
            outcome.refused,
            offer_details,
            repeated=outcome.duplicate,
        )
        return blocks[0]["text"]["text"], blocks
    lines = refusal_lines(outcome.refused, outcome.limit_reached) or ["Nobody was credited."]
    return ":warning: " + " ".join(lines), None


def assist_command(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, command: dict, client: WebClient, respond: Respond, context: dict) -> None:
        ack()
        text = (command.get("text") or "").strip()
        if not text:
            client.views_open(
                trigger_id=command["trigger_id"], view=assist_modal(command.get("channel_id"))
            )
            return
        recipients, description = split_recipients(text)
        if not recipients:
            respond(response_type="ephemeral", text=USAGE, blocks=usage_blocks(USAGE))
            return
        if not description:
            respond(
                response_type="ephemeral",
                text="Say what they did, e.g. `/assist @ana tuned the demo for Acme`.",
            )
            return
        if len(description) > MAX_LENGTHS["description"]:
            respond(
                response_type="ephemeral",
                text=f"That description is {len(description)} characters; please keep it under "
                f"{MAX_LENGTHS['description']}, or use `/assist` alone for the form.",
            )
            return
        channel_id = command.get("channel_id")
        draft = AssistDraft(
            team_id=context["team_id"],
            giver_id=command["user_id"],
            recipient_ids=recipients,
            source=Source.COMMAND,
            description=description,
            channel_id=channel_id,
            is_private=services.directory.is_private(client, channel_id),
            dedupe_key=f"command:{command['trigger_id']}",
        )

        def record() -> None:
            text, blocks = outcome_message(
                record_and_report(services, client, draft), offer_details=True
            )
            respond(response_type="ephemeral", text=text, blocks=blocks)

        services.after_ack(respond, record)

    return handle


def usage_blocks(text: str) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": OPEN_ASSIST_MODAL_ACTION,
                    "text": {"type": "plain_text", "text": "Open the form"},
                    "style": "primary",
                }
            ],
        },
    ]


def open_modal_action(ack: Ack, body: dict, client: WebClient) -> None:
    ack()
    channel_id = (body.get("channel") or {}).get("id")
    client.views_open(trigger_id=body["trigger_id"], view=assist_modal(channel_id))


def assist_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        giver = body["user"]["id"]
        recipients = values.get("recipients") or []
        errors = length_errors(values)
        if problem := recipient_problems(services, context["team_id"], giver, recipients):
            errors["recipients"] = problem
        if not values.get("description"):
            errors["description"] = "Say what they did, in a sentence or two."
        if message := url_error(values.get("crm_url")):
            errors["crm_url"] = message
        if errors:
            logger.info("assist form from %s refused: %s", giver, sorted(errors))
            ack(response_action="errors", errors=errors)
            return
        ack()
        channel_id = view_metadata(view).get("channel_id")
        draft = AssistDraft(
            team_id=context["team_id"],
            giver_id=giver,
            recipient_ids=recipients,
            kind=parse_kind(values.get("kind")),
            stage=parse_stage(values.get("stage")),
            source=Source.MODAL,
            customer=values.get("customer"),
            description=values.get("description") or "",
            crm_url=values.get("crm_url"),
            channel_id=channel_id,
            is_private=services.kept_private(client, values, channel_id),
            dedupe_key=f"view:{view['id']}",
        )
        text, blocks = outcome_message(
            record_and_report(services, client, draft), offer_details=False
        )
        tell(client, giver, channel_id, text, blocks)

    return handle


def add_details_action(services: Services) -> Callable[..., None]:
    def handle(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: dict
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        with services.sessions() as session:
            assist = get_assist(session, context["team_id"], action_number(action))
        if assist is None or assist.giver_id != user_id:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=NOT_YOURS,
            )
            return
        channel_id = (body.get("channel") or {}).get("id")
        client.views_open(
            trigger_id=body["trigger_id"], view=assist_details_modal(assist, channel_id)
        )

    return handle


def stage_action(services: Services) -> Callable[..., None]:
    """The stage picked on a quick assist's confirmation: saved, and the confirmation redrawn."""

    def handle(ack: Ack, body: dict, action: dict, respond: Respond, context: dict) -> None:
        ack()
        user_id = body["user"]["id"]
        assist_id, _, value = ((action.get("selected_option") or {}).get("value") or "").partition(
            ":"
        )
        stage = parse_stage(value)
        if not assist_id.isdigit() or stage is None:
            logger.warning("stage pick from %s with a bad value %r", user_id, action)
            respond(
                response_type="ephemeral",
                replace_original=False,
                text="That choice didn't come through; use *Add details* instead.",
            )
            return

        def save() -> None:
            with services.sessions.begin() as session:
                assist = get_assist(session, context["team_id"], int(assist_id))
                if assist is None or assist.giver_id != user_id:
                    blocks = None
                else:
                    set_stage(assist, stage)
                    credited = [c.recipient_id for c in assist.credits if c.revoked_at is None]
                    blocks = assist_confirmation(assist, credited, (), offer_details=True)
            if blocks is None:
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=NOT_YOURS,
                )
                return
            logger.info("assist %s placed in stage %s by %s", assist_id, stage.value, user_id)
            respond(replace_original=True, text=blocks[0]["text"]["text"], blocks=blocks)

        services.after_ack(respond, save)

    return handle


def details_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        errors = length_errors(values)
        if message := url_error(values.get("crm_url")):
            errors["crm_url"] = message
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = body["user"]["id"]
        meta = view_metadata(view)
        with services.sessions.begin() as session:
            assist = get_assist(session, context["team_id"], metadata_number(view, "assist_id"))
            if assist is None or assist.giver_id != user_id:
                updated = False
            else:
                update_details(
                    assist,
                    kind=parse_kind(values.get("kind")),
                    stage=parse_stage(values.get("stage")),
                    customer=values.get("customer"),
                    description=values.get("description") or assist.description,
                    crm_url=values.get("crm_url"),
                )
                assist.is_private = assist.is_private or "private" in (values.get("privacy") or [])
                updated = True
                blocks = assist_confirmation(
                    assist, [c.recipient_id for c in assist.credits], (), False
                )
        if updated:
            tell(
                client, user_id, meta.get("channel_id"), "Saved the details of your assist.", blocks
            )
        else:
            tell(
                client,
                user_id,
                meta.get("channel_id"),
                NOT_YOURS,
            )

    return handle


def register(app: App, services: Services) -> None:
    app.command("/assist")(assist_command(services))
    app.action(OPEN_ASSIST_MODAL_ACTION)(open_modal_action)
    app.view(ASSIST_MODAL)(assist_submission(services))
    app.action(ADD_DETAILS_ACTION)(add_details_action(services))
    app.action(STAGE_ACTION)(stage_action(services))
    app.view(ASSIST_DETAILS_MODAL)(details_submission(services))

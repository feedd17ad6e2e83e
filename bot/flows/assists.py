"""Assists and wins, after the listener: the rules a form is checked against, a draft
recorded and reported (the credited told, their Homes redrawn), the giver's answer, the
win's public post, and the changes a giver makes to an assist already logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.assists import (
    NO_ANSWER,
    FromMessage,
    assist_confirmation,
    assist_modal,
    assist_usage,
    celebration_note,
    details_saved,
    queue_refused_message,
    queued_assist_lost_text,
    queued_assist_message,
    refusal_text,
    win_celebration,
    with_note,
)
from bot.blocks.text import plural
from bot.faults import describe
from bot.flows.homes import publish_homes
from bot.flows.join_in import invite_join_in
from bot.forms import (
    MessageShortcut,
    message_origin,
    parse_kind,
    parse_money,
    parse_stage,
    split_mentions,
    split_recipients,
    url_error,
    view_metadata,
)
from bot.inbox import Accepted, InboxItem
from bot.services import Services
from bot.slack.messages import notify_credited, post_message, respond_at, tell
from bot.verification import MalformedPayload
from models.assists import (
    MAX_LENGTHS,
    AssistDraft,
    AssistInfo,
    Kind,
    RecordOutcome,
    Source,
    Stage,
    assist_info,
    get_assist,
    record_assist,
    remaining_today,
    set_stage,
    too_long,
    update_details,
)
from models.base import utcnow
from models.customers import customer_named_in, known_customers
from models.home import home_openers
from models.people import people_by_id
from models.recognition_posts import PostKind

logger = logging.getLogger(__name__)

NOT_YOURS = "Only the person who logged an assist can change it."
BAD_PICK = "That choice didn't come through; use *Add details* instead."

Message = tuple[str, list[dict] | None]


def length_errors(values: dict) -> dict[str, str]:
    """Field errors for text over its limit, naming the limit."""
    fields = {name: values.get(name) for name in ("customer", "description", "crm_url")}
    return {
        name: f"Please use at most {limit:,} characters (this has {len(fields[name] or ''):,})."
        for name, limit in too_long(fields).items()
    }


def limit_problem(services: Services, team_id: str, giver: str, count: int) -> str | None:
    """Why crediting `count` more people today is over the giver's daily limit, or None."""
    with services.sessions() as session:
        left = remaining_today(session, team_id, giver, services.giving_limit, utcnow())
    return None if count <= left else over_limit(services, left)


def over_limit(services: Services, left: int) -> str:
    return (
        f"You can credit {plural(left, 'more person', 'more people')} today "
        f"(the daily limit is {services.settings.daily_credit_limit})."
    )


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
        return over_limit(services, left)
    return None


def record_and_report(
    services: Services, client: WebClient, draft: AssistDraft, *, limited: bool = True
) -> tuple[RecordOutcome, AssistInfo | None]:
    """Apply the rules to a draft inside one transaction, then tell the credited people.
    Returns the outcome and the assist as plain data (None when nothing was recorded)."""
    people = services.directory.people(client, draft.team_id, draft.recipient_ids)
    limit = services.giving_limit if limited else None
    with services.sessions.begin() as session:
        outcome = record_assist(session, draft, people, limit, plain=True)
        info = outcome.info
        openers = (
            home_openers(session, draft.team_id, [draft.giver_id, *outcome.credited])
            if outcome.recorded
            else []
        )
    if outcome.recorded and info is not None:
        name = giver_name(services, client, draft.team_id, draft.giver_id)
        currency = services.settings.currency
        notify_credited(client, info, outcome.credited, currency=currency, giver_name=name)
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
    return outcome, info


def giver_name(services: Services, client: WebClient, team_id: str, user_id: str) -> str | None:
    """The giver's name for the button on the credit's DM ("Thank Gina back"); None when
    Slack can't say right now: the DM then reads "Thank them back"."""
    try:
        person = services.directory.person(client, team_id, user_id)
    except Exception as error:
        logger.info("no name for %s: %s", user_id, describe(error))
        return None
    return (person.name or None) if person is not None else None


def outcome_message(
    outcome: RecordOutcome,
    info: AssistInfo | None,
    *,
    offer_details: bool,
    currency: str | None = None,
) -> Message:
    """The giver's answer: a confirmation, or why nothing was recorded."""
    if info is not None and outcome.credited:
        return assist_confirmation(
            info,
            outcome.refused,
            offer_details=offer_details,
            repeated=outcome.duplicate,
            currency=currency,
        )
    return refusal_text(outcome.refused, outcome.limit_reached), None


def quick_assist_problem(recipients: list[str], description: str) -> Message | None:
    """Why `/assist @ana what she did` can't be recorded as typed, as the answer to give."""
    if not recipients:
        return assist_usage()
    if not description:
        return "Say what they did, e.g. `/assist @ana tuned the demo for Acme`.", None
    if len(description) > MAX_LENGTHS["description"]:
        return (
            f"That description has {len(description):,} characters; please use at most "
            f"{MAX_LENGTHS['description']:,}, or `/assist` alone for the form."
        ), None
    return None


def quick_assist_draft(
    services: Services,
    client: WebClient,
    command: dict,
    team_id: str,
    recipients: list[str],
    description: str,
) -> AssistDraft:
    """The draft of `/assist @ana what she did`; one command is one assist, however
    often Slack delivers it."""
    channel_id = command.get("channel_id")
    return AssistDraft(
        team_id=team_id,
        giver_id=command["user_id"],
        recipient_ids=recipients,
        source=Source.COMMAND,
        description=description,
        channel_id=channel_id,
        is_private=services.directory.is_private(client, channel_id),
        dedupe_key=f"command:{command['trigger_id']}",
    )


def answer_quick_assist(
    services: Services, client: WebClient, draft: AssistDraft, respond: Callable[..., object]
) -> tuple[str, list[dict], object]:
    """Record a quick assist and show the giver, only them, what came of it: the answer,
    and how `respond` took it."""
    text, blocks = outcome_message(*record_and_report(services, client, draft), offer_details=True)
    return text, blocks, respond(response_type="ephemeral", text=text, blocks=blocks)


# The inbox kind of a quick `/assist` queued while the bot was swamped.
QUEUED_ASSIST = "assist_command"
# What a queued command keeps: enough to record it and answer, nothing more.
COMMAND_FIELDS = ("user_id", "channel_id", "text", "trigger_id", "response_url")


def queue_quick_assist(
    services: Services, command: dict, team_id: str, recipients: list[str]
) -> tuple[str, list[dict]]:
    """Store a quick assist for the inbox's retrier, once per command; what to ack with."""
    kept = {field: command.get(field) for field in COMMAND_FIELDS}
    accepted = services.inbox.queue(
        team_id, f"command:{command['trigger_id']}", QUEUED_ASSIST, {"command": kept}
    )
    logger.warning("too busy for /assist from %s: %s", command["user_id"], accepted.value)
    if accepted == Accepted.REFUSED:
        return queue_refused_message()
    return queued_assist_message(recipients)


def answer_queued_assist(services: Services, client: WebClient, item: InboxItem) -> None:
    """Record a queued quick assist (its trigger makes it count once, however often this
    runs) and confirm it where it was typed, or by DM once that answer has expired."""
    command = item.body["command"]
    recipients, description = split_recipients(command.get("text") or "")
    draft = quick_assist_draft(services, client, command, item.team_id, recipients, description)
    respond = respond_at(command.get("response_url") or "", services.settings.slack_api_url)
    text, blocks, answered = answer_quick_assist(services, client, draft, respond)
    if getattr(answered, "status_code", 200) != 200:
        tell(client, command["user_id"], None, text, blocks)


def queued_assist_lost(services: Services, client: WebClient, item: InboxItem, why: str) -> None:
    """Tell the giver, only them, that their queued assist could not be recorded."""
    command = item.body["command"]
    recipients, description = split_recipients(command.get("text") or "")
    tell(client, command["user_id"], None, queued_assist_lost_text(recipients, description, why))


def assist_form_errors(services: Services, team_id: str, giver: str, values: dict) -> dict:
    """The assist form's field errors, for the ack; empty when it can be recorded."""
    errors = length_errors(values)
    if problem := recipient_problems(services, team_id, giver, values.get("recipients") or []):
        errors["recipients"] = problem
    if not values.get("description"):
        errors["description"] = "Say what they did, in a sentence or two."
    if message := url_error(values.get("crm_url")):
        errors["crm_url"] = message
    return errors


def credit_from_form(
    services: Services, client: WebClient, team_id: str, giver: str, values: dict, view: dict
) -> None:
    """Record the assist form (checked already) and tell the giver where they opened it.
    A form opened on a message with the shortcut keeps the message's link (the origin was
    checked before the ack)."""
    channel_id = view_metadata(view).get("channel_id")
    message_ts, permalink = message_origin(view)
    draft = AssistDraft(
        team_id=team_id,
        giver_id=giver,
        recipient_ids=values.get("recipients") or [],
        kind=parse_kind(values.get("kind")),
        stage=parse_stage(values.get("stage")),
        source=Source.MODAL,
        customer=values.get("customer"),
        description=values.get("description") or "",
        crm_url=values.get("crm_url"),
        channel_id=channel_id,
        message_ts=message_ts,
        permalink=permalink,
        is_private=services.kept_private(client, values, channel_id),
        dedupe_key=f"view:{view['id']}",
    )
    text, blocks = outcome_message(*record_and_report(services, client, draft), offer_details=False)
    tell(client, giver, channel_id, text, blocks)


# How far back a customer counts as known to the shortcut: a year, like a deal's help chain.
KNOWN_CUSTOMER_DAYS = 365


def message_assist_form(
    services: Services, client: WebClient, team_id: str, shortcut: MessageShortcut
) -> dict:
    """The assist form for the "Log as assist" shortcut, started from the message: its
    link, its author and the people it mentions (chosen, unless the giver wrote it: then
    only suggested), a known customer it names, and private when the conversation is."""
    giver = shortcut.giver_id
    mentioned, _ = split_mentions(shortcut.text)
    named_people = [u for u in [shortcut.author_id or "", *mentioned] if u]
    with services.sessions() as session:
        known = people_by_id(session, team_id, named_people)
        customers = known_customers(
            session, team_id, utcnow() - timedelta(days=KNOWN_CUSTOMER_DAYS)
        )
    people = tuple(
        user
        for user in dict.fromkeys(named_people)
        if user not in {giver, services.bot_user_id}
        and not (user in known and (known[user].is_bot or known[user].is_deleted))
    )
    written_by_giver = shortcut.author_id == giver
    channel = shortcut.channel_id
    message = FromMessage(
        channel_id=channel,
        message_ts=shortcut.message_ts,
        permalink=services.directory.permalink(client, channel, shortcut.message_ts),
        recipients=() if written_by_giver else people,
        suggested=people if written_by_giver else (),
        customer=customer_named_in(shortcut.text, customers),
        is_private=services.directory.is_private(client, channel),
    )
    return assist_modal(channel, message=message)


def win_form_errors(services: Services, team_id: str, giver: str, values: dict) -> dict:
    """The win form's field errors, for the ack; empty when it can be celebrated."""
    errors = length_errors(values)
    recipients = values.get("recipients") or []
    # A win is a celebration: it is not held to the daily giving limit.
    if problem := recipient_problems(services, team_id, giver, recipients, limited=False):
        errors["recipients"] = problem
    if not values.get("description"):
        errors["description"] = "Tell the story in a sentence or two."
    try:
        parse_money(values.get("deal_value"))
    except ValueError as problem:
        errors["deal_value"] = str(problem)
    return errors


def celebrate_win(
    services: Services, client: WebClient, team_id: str, giver: str, values: dict, view: dict
) -> None:
    """Record the win form (checked already), credit the helpers, post the win to the
    recognition channel and tell the giver how it went."""
    channel_id = view_metadata(view).get("channel_id")
    draft = AssistDraft(
        team_id=team_id,
        giver_id=giver,
        recipient_ids=values.get("recipients") or [],
        kind=Kind.WIN,
        stage=parse_stage(values.get("stage")) or Stage.SALE,
        source=Source.MODAL,
        customer=values.get("customer"),
        description=values.get("description") or "",
        deal_value=parse_money(values.get("deal_value")),
        channel_id=channel_id,
        is_private=services.kept_private(client, values, channel_id),
        dedupe_key=f"view:{view['id']}",
    )
    outcome, info = record_and_report(services, client, draft, limited=False)
    currency = services.settings.currency
    text, blocks = outcome_message(outcome, info, offer_details=False, currency=currency)
    if outcome.recorded and info is not None:
        text, blocks = with_note((text, blocks), celebrate(services, client, info))
    tell(client, giver, channel_id, text, blocks)


def celebrate(services: Services, client: WebClient, info: AssistInfo) -> str:
    """Post the win to the recognition channel; the note for the giver says so, or why not."""
    channel = services.settings.recognition_channel
    if not channel:
        return celebration_note(None)
    text, blocks = win_celebration(info, services.settings.currency)
    try:
        posted = post_message(client, channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as error:
        failure = str(error.response.get("error"))
        # Slack's details (which block it refused, and why) are for whoever reads the log.
        details = error.response.get("errors") or error.response.get("response_metadata")
        logger.error("win %s not posted to %s: %s %s", info.id, channel, failure, details or "")
        return celebration_note(channel, failure)
    except Exception:
        logger.exception("win %s not posted to %s", info.id, channel)
        return celebration_note(channel, NO_ANSWER)
    invite_join_in(
        services.sessions,
        client,
        services.team_id,
        services.settings.assist_emoji,
        (posted["channel"], posted["ts"]),
        PostKind.WIN,
        info.credited,
        thanked_by=info.giver_id,
    )
    return celebration_note(channel)


def own_assist(services: Services, team_id: str, user_id: str, assist_id: int) -> AssistInfo | None:
    """Assist `assist_id` as plain data if `user_id` logged it; None for anyone else."""
    with services.sessions() as session:
        assist = get_assist(session, team_id, assist_id)
        return assist_info(assist) if assist is not None and assist.giver_id == user_id else None


def stage_pick(action: dict) -> tuple[int, Stage] | None:
    """The assist and the stage a confirmation's picker chose; None for a value it can't send."""
    assist_id, _, value = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    stage = parse_stage(value)
    if not (assist_id.isascii() and assist_id.isdigit() and len(assist_id) < 19) or stage is None:
        return None
    return int(assist_id), stage


def save_stage(
    services: Services,
    team_id: str,
    user_id: str,
    assist_id: int,
    stage: Stage,
    respond: Callable[..., object],
) -> None:
    """Place the giver's assist in `stage` and redraw its confirmation."""
    with services.sessions.begin() as session:
        assist = get_assist(session, team_id, assist_id)
        if assist is None or assist.giver_id != user_id:
            info = None
        else:
            set_stage(assist, stage)
            info = assist_info(assist)
    if info is None:
        respond(response_type="ephemeral", replace_original=False, text=NOT_YOURS)
        return
    logger.info("assist %s placed in stage %s by %s", assist_id, stage.value, user_id)
    text, blocks = assist_confirmation(
        info, offer_details=True, currency=services.settings.currency
    )
    respond(replace_original=True, text=text, blocks=blocks)


def details_errors(values: dict) -> dict:
    """The details form's field errors, for the ack."""
    errors = length_errors(values)
    if message := url_error(values.get("crm_url")):
        errors["crm_url"] = message
    return errors


def save_details(
    services: Services, team_id: str, user_id: str, assist_id: int, values: dict
) -> Message:
    """Complete the giver's assist from the details form; the answer to show them."""
    with services.sessions.begin() as session:
        assist = get_assist(session, team_id, assist_id)
        if assist is None or assist.giver_id != user_id:
            return NOT_YOURS, None
        update_details(
            assist,
            kind=parse_kind(values.get("kind")),
            stage=parse_stage(values.get("stage")),
            customer=values.get("customer"),
            description=values.get("description") or assist.description,
            crm_url=values.get("crm_url"),
        )
        assist.is_private = assist.is_private or "private" in (values.get("privacy") or [])
        info = assist_info(assist)
    return details_saved(info, services.settings.currency)


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def thanked_person(action: dict) -> str:
    """The person a credit's "Thank … back" button names; MalformedPayload for a value no
    button of ours carries (the button is built with the giver's user ID)."""
    value = action.get("value")
    if not (isinstance(value, str) and _USER_ID.fullmatch(value)):
        raise MalformedPayload("a thank-back button's value is not a user ID")
    return value

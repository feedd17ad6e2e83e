"""`/win`: celebrate a customer win in the recognition channel and credit the helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.assists import WIN_MODAL, win_celebration, win_modal
from bot.forms import parse_money, parse_stage, view_metadata, view_values
from bot.services import Services
from bot.slack.messages import post_message, tell
from handlers.assists import (
    length_errors,
    outcome_message,
    recipient_problems,
    record_and_report,
)
from models.assists import Assist, AssistDraft, Kind, Source, Stage

logger = logging.getLogger(__name__)


def win_command(ack: Ack, command: dict, client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=win_modal(command.get("channel_id")))


def win_submission(services: Services) -> Callable[..., None]:
    def handle(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
        values = view_values(view)
        giver = body["user"]["id"]
        errors = length_errors(values)
        recipients = values.get("recipients") or []
        # A win is a celebration: it is not held to the daily giving limit.
        if problem := recipient_problems(
            services, context["team_id"], giver, recipients, limited=False
        ):
            errors["recipients"] = problem
        if not values.get("description"):
            errors["description"] = "Tell the story in a sentence or two."
        try:
            deal_value = parse_money(values.get("deal_value"))
        except ValueError as problem:
            errors["deal_value"] = str(problem)
        if errors:
            logger.info("win form from %s refused: %s", giver, sorted(errors))
            ack(response_action="errors", errors=errors)
            return
        ack()
        channel_id = view_metadata(view).get("channel_id")
        draft = AssistDraft(
            team_id=context["team_id"],
            giver_id=giver,
            recipient_ids=values.get("recipients") or [],
            kind=Kind.WIN,
            stage=parse_stage(values.get("stage")) or Stage.SALE,
            source=Source.MODAL,
            customer=values.get("customer"),
            description=values.get("description") or "",
            deal_value=deal_value,
            channel_id=channel_id,
            is_private=services.kept_private(client, values, channel_id),
            dedupe_key=f"view:{view['id']}",
        )
        outcome = record_and_report(services, client, draft, limited=False)
        text, blocks = outcome_message(outcome, offer_details=False)
        if outcome.recorded:
            text, blocks = celebrate(
                services, client, outcome.assist, outcome.credited, text, blocks
            )
        tell(client, giver, channel_id, text, blocks)

    return handle


def celebrate(
    services: Services,
    client: WebClient,
    assist: Assist,
    credited: Sequence[str],
    text: str,
    blocks: list[dict] | None,
) -> tuple[str, list[dict]]:
    """Post the win to the recognition channel; say so (or why not) in the giver's answer."""
    channel = services.settings.recognition_channel
    if not channel:
        note = "No recognition channel is set up (RECOGNITION_CHANNEL), so the win was not posted."
    else:
        post_text, post_blocks = win_celebration(assist, credited)
        try:
            post_message(
                client, channel=channel, text=post_text, blocks=post_blocks, unfurl_links=False
            )
            note = f"Celebrated in <#{channel}>."
        except SlackApiError as error:
            logger.warning(
                "win %s not posted to %s: %s", assist.id, channel, error.response.get("error")
            )
            note = (
                f"I couldn't post in <#{channel}> ({error.response.get('error')}); invite me there."
            )
    blocks = [*(blocks or []), {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
    return f"{text} {note}", blocks


def register(app: App, services: Services) -> None:
    app.command("/win")(win_command)
    app.view(WIN_MODAL)(win_submission(services))

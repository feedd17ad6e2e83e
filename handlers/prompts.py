"""The buttons under the weekly "Who helped you this week?" DM: credit them, nobody this
week, stop asking me. Listeners only; bot/flows/prompts.py does the work, and
jobs/prompts.py sends the question."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.prompts import PROMPT_CREDIT_ACTION, PROMPT_NOBODY_ACTION, PROMPT_STOP_ACTION
from bot.flows.prompts import (
    credit_from_prompt,
    nobody_this_week,
    prompt_period,
    read_prompt_answer,
    stop_asking,
)
from bot.services import Services


def prompt_credit_action(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """[Credit them]: the people picked in the message are credited after the ack. Values
    the message cannot produce are refused (400) before it."""
    answer = read_prompt_answer(body, action)
    ack()
    services: Services = context["services"]
    team_id = context["team_id"]
    services.after_ack(
        respond, lambda: credit_from_prompt(services, client, team_id, answer, respond)
    )


def prompt_nobody_action(
    ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext
) -> None:
    """[Nobody this week]: thanks, and nothing is recorded."""
    period = prompt_period(action)
    ack()
    user_id = body["user"]["id"]
    text, blocks = nobody_this_week(context["services"], context["team_id"], user_id, period)
    respond(replace_original=True, text=text, blocks=blocks)


def prompt_stop_action(
    ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext
) -> None:
    """[Stop asking me] (after Slack's confirm dialog): never asked again, and told how to
    turn it back on."""
    prompt_period(action)
    ack()
    text, blocks = stop_asking(context["services"], context["team_id"], body["user"]["id"])
    respond(replace_original=True, text=text, blocks=blocks)


def register(app: App, services: Services) -> None:
    app.action(PROMPT_CREDIT_ACTION)(prompt_credit_action)
    app.action(PROMPT_NOBODY_ACTION)(prompt_nobody_action)
    app.action(PROMPT_STOP_ACTION)(prompt_stop_action)

"""Block Kit for logging assists and wins: the modals and the messages that follow."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.blocks.kit import mrkdwn_section, option, plain_text
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    kind_label,
    mention,
    mentions,
    plural,
    safe_mrkdwn,
    stage_label,
    truncate,
)
from models.assists import MAX_LENGTHS, Assist, Kind, LimitReached, Refusal, Stage

ASSIST_MODAL = "assist_modal"
ASSIST_DETAILS_MODAL = "assist_details"
WIN_MODAL = "win_modal"
ADD_DETAILS_ACTION = "assist_add_details"
# The stage picker on the confirmation of a quick `/assist @x …`: one click, no form.
STAGE_ACTION = "assist_set_stage"
OPEN_ASSIST_MODAL_ACTION = "assist_open_modal"

# Kinds a person logs by hand; referrals, sessions and lessons have flows of their own.
LOGGABLE_KINDS = (Kind.ASSIST, Kind.SERVICE, Kind.INSIGHT, Kind.WIN)


@dataclass(frozen=True)
class AssistFields:
    """What the assist form shows, prefilled when editing."""

    kind: str = Kind.ASSIST.value
    stage: str | None = None
    customer: str | None = None
    description: str = ""
    crm_url: str | None = None
    is_private: bool = False


def _select(
    block_id: str, label: str, options: list[dict], initial: str | None, optional: bool
) -> dict:
    element: dict = {"type": "static_select", "action_id": "value", "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": element,
    }


def _text_input(
    block_id: str,
    label: str,
    initial: str | None,
    *,
    optional: bool,
    multiline: bool = False,
    hint: str | None = None,
) -> dict:
    element: dict = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": MAX_LENGTHS[
            "description" if block_id in {"description", "story"} else block_id
        ],
    }
    if initial:
        element["initial_value"] = initial
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain_text(hint)
    return block


def _people_input(block_id: str, label: str, initial: Sequence[str]) -> dict:
    element: dict = {
        "type": "multi_users_select",
        "action_id": "value",
        "placeholder": plain_text("Choose people"),
    }
    if initial:
        element["initial_users"] = list(initial)
    return {"type": "input", "block_id": block_id, "label": plain_text(label), "element": element}


def _detail_inputs(fields: AssistFields, kinds: Sequence[Kind]) -> list[dict]:
    kind_options = [option(k.value, f"{kind_label(k.value)}") for k in kinds]
    stage_options = [option(s.value, stage_label(s.value)) for s in Stage]
    privacy = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [option("private", "Keep the details out of public posts")],
    }
    if fields.is_private:
        privacy["initial_options"] = privacy["options"]
    return [
        _select("kind", "What kind of help", kind_options, fields.kind, optional=False),
        _select("stage", "Stage of the sales loop", stage_options, fields.stage, optional=True),
        _text_input("customer", "Customer or account", fields.customer, optional=True),
        _text_input(
            "description", "What happened", fields.description, optional=False, multiline=True
        ),
        {
            "type": "input",
            "block_id": "crm_url",
            "optional": True,
            "label": plain_text("CRM link"),
            "element": {
                "type": "url_text_input",
                "action_id": "value",
                **({"initial_value": fields.crm_url} if fields.crm_url else {}),
            },
        },
        {
            "type": "input",
            "block_id": "privacy",
            "optional": True,
            "label": plain_text("Privacy"),
            "element": privacy,
        },
    ]


def assist_modal(channel_id: str | None, recipients: Sequence[str] = ()) -> dict:
    """The `/assist` form: who helped, how, at which stage, for which customer."""
    return {
        "type": "modal",
        "callback_id": ASSIST_MODAL,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": plain_text("Log an assist"),
        "submit": plain_text("Credit them"),
        "close": plain_text("Cancel"),
        "blocks": [
            _people_input("recipients", "Who helped?", recipients),
            *_detail_inputs(
                AssistFields(is_private=opened_privately(channel_id)), LOGGABLE_KINDS[:-1]
            ),
        ],
    }


def opened_privately(channel_id: str | None) -> bool:
    """Forms opened from a DM or group DM start with "keep it private" ticked."""
    return bool(channel_id) and channel_id[0] in "DG"


def assist_details_modal(assist: Assist, channel_id: str | None) -> dict:
    """Edit form for an assist logged quickly with `/assist @someone ...`."""
    fields = AssistFields(
        kind=assist.kind,
        stage=assist.stage,
        customer=assist.customer,
        description=assist.description,
        crm_url=assist.crm_url,
        is_private=assist.is_private,
    )
    return {
        "type": "modal",
        "callback_id": ASSIST_DETAILS_MODAL,
        "private_metadata": json.dumps({"assist_id": assist.id, "channel_id": channel_id}),
        "title": plain_text("Assist details"),
        "submit": plain_text("Save"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"Credited: {mentions([c.recipient_id for c in assist.credits])}",
                    }
                ],
            },
            *_detail_inputs(fields, LOGGABLE_KINDS[:-1]),
        ],
    }


def win_modal(channel_id: str | None) -> dict:
    """The `/win` form: the customer, the deal, the people who helped and the story."""
    stage_options = [option(s.value, stage_label(s.value)) for s in Stage]
    return {
        "type": "modal",
        "callback_id": WIN_MODAL,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": plain_text("Celebrate a win"),
        "submit": plain_text("Celebrate"),
        "close": plain_text("Cancel"),
        "blocks": [
            _text_input("customer", "Customer", None, optional=False),
            {
                "type": "input",
                "block_id": "deal_value",
                "optional": True,
                "label": plain_text("Deal value"),
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": True,
                    "min_value": "0",
                },
            },
            _select(
                "stage", "Stage of the sales loop", stage_options, Stage.SALE.value, optional=False
            ),
            _people_input("recipients", "Who helped win it?", ()),
            _text_input(
                "description",
                "The story",
                None,
                optional=False,
                multiline=True,
                hint="What made the difference?",
            ),
            {
                "type": "input",
                "block_id": "privacy",
                "optional": True,
                "label": plain_text("Privacy"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("private", "Celebrate without quoting the story")],
                    **(
                        {
                            "initial_options": [
                                option("private", "Celebrate without quoting the story")
                            ]
                        }
                        if opened_privately(channel_id)
                        else {}
                    ),
                },
            },
        ],
    }


def refusal_lines(refused: Sequence[tuple[str, Refusal]], limit: LimitReached | None) -> list[str]:
    """One plain sentence per reason nobody (or not everybody) was credited."""
    reasons = {
        Refusal.SELF: "You can't credit yourself; credit the people who helped you.",
        Refusal.BOT: "{who} is a bot; credits are for people.",
        Refusal.DELETED: "{who} has left the workspace and can't be credited.",
        Refusal.UNKNOWN: "{who} isn't someone I can find in this workspace.",
    }
    lines = [reasons[reason].format(who=mention(user_id)) for user_id, reason in refused]
    if limit is not None:
        lines.append(
            f"You've reached today's limit of {plural(limit.limit, 'credit')} "
            f"({limit.given_today} given, {limit.remaining} left; "
            f"this would add {limit.requested}). "
            "Nothing was recorded: try again tomorrow, or credit fewer people."
        )
    return lines


def _summary(assist: Assist, show_unset_stage: bool = True) -> str:
    parts = [f"{kind_emoji(assist.kind)} {kind_label(assist.kind)}"]
    if assist.stage or show_unset_stage:
        parts.append(stage_label(assist.stage))
    if assist.customer:
        parts.append(safe_mrkdwn(assist.customer))
    return " · ".join(parts)


def assist_confirmation(
    assist: Assist,
    credited: Sequence[str],
    refused: Sequence[tuple[str, Refusal]],
    offer_details: bool,
    repeated: bool = False,
) -> list[dict]:
    """Ephemeral answer to the giver: what was recorded, what was not, and a way to add details.

    `repeated`: the same assist came in again (a retry); it was recorded once."""
    text = f":white_check_mark: You credited {mentions(list(credited))}"
    if assist.description:
        text += f" for “{truncate(safe_mrkdwn(assist.description), 300)}”"
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _summary(assist)}]},
    ]
    if repeated:
        note = "You sent this a moment ago too; it is recorded once, and nobody was told twice."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    notes = refusal_lines(refused, None)
    if notes:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(notes)}]}
        )
    if offer_details:
        elements: list[dict] = []
        if not assist.stage:
            elements.append(
                {
                    "type": "static_select",
                    "action_id": STAGE_ACTION,
                    "placeholder": plain_text("Which stage of the loop?"),
                    "options": [
                        option(f"{assist.id}:{s.value}", stage_label(s.value)) for s in Stage
                    ],
                }
            )
        elements.append(
            {
                "type": "button",
                "action_id": ADD_DETAILS_ACTION,
                "text": plain_text("Add details"),
                "value": str(assist.id),
            }
        )
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def credit_notice(assist: Assist) -> tuple[str, list[dict]]:
    """The DM a credited person receives: who credited them and for what."""
    if assist.source == "session":
        text = (
            f"Thanks for presenting! You {safe_mrkdwn(assist.description)}; that's a session credit"
        )
        return f"{kind_emoji(assist.kind)} {text}.", [
            mrkdwn_section(f"{kind_emoji(assist.kind)} {text}.")
        ]
    if assist.source == "reaction":
        where = f" in <#{assist.channel_id}>" if assist.channel_id else ""
        link = f"<{assist.permalink}|your message>" if assist.permalink else "your message"
        text = f"{mention(assist.giver_id)} reacted to {link}{where}: that's a credit to you"
    else:
        text = f"{mention(assist.giver_id)} credited you"
    if assist.kind == Kind.WIN and assist.customer:
        text += f" for helping win *{safe_mrkdwn(assist.customer)}*"
    if assist.description:
        text += f": “{truncate(safe_mrkdwn(assist.description), 500)}”"
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{kind_emoji(assist.kind)} {text}"},
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _summary(assist, show_unset_stage=False)}],
        },
    ]
    return f"{kind_emoji(assist.kind)} {text}", blocks


def win_celebration(assist: Assist, credited: Sequence[str]) -> tuple[str, list[dict]]:
    """The public post for a customer win; private stories are not quoted."""
    customer = safe_mrkdwn(assist.customer or "a customer")
    headline = f":trophy: We won {customer}!"
    fields = [{"type": "mrkdwn", "text": f"*Stage*\n{stage_label(assist.stage)}"}]
    if assist.deal_value is not None:
        fields.append(
            {"type": "mrkdwn", "text": f"*Deal value*\n{format_money(assist.deal_value)}"}
        )
    story = (
        PRIVATE_PLACEHOLDER
        if assist.is_private
        else truncate(safe_mrkdwn(assist.description), 2500)
    )
    blocks = [
        {
            "type": "header",
            "text": plain_text(truncate(f"🏆 We won {assist.customer or 'a customer'}!", 150)),
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": story}},
        {"type": "section", "fields": fields},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Thanks to {mentions(list(credited))} "
                    f"· logged by {mention(assist.giver_id)}",
                }
            ],
        },
    ]
    return f"{headline} Thanks to {mentions(list(credited))}", blocks


def format_money(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"

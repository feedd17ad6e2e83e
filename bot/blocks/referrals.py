"""Block Kit for referrals: the form, the card a rep acts on, and what the referrer sees."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.blocks.assists import format_money, opened_privately
from bot.blocks.kit import button, option, plain_text
from bot.blocks.text import PRIVATE_PLACEHOLDER, mention, safe_mrkdwn, slack_date, truncate
from models.referrals import (
    CLOSED,
    REFERRAL_LENGTHS,
    MoveOutcome,
    Need,
    Referral,
    Refused,
    State,
    Urgency,
    allowed,
)

REFERRAL_MODAL = "referral_modal"
REASON_MODAL = "referral_reason"
WON_MODAL = "referral_won"
REASSIGN_MODAL = "referral_reassign"
MOVE_ACTION = "referral_move"
CLAIM_ACTION = "referral_claim"
REASSIGN_ACTION = "referral_reassign"

NEED_LABELS = {
    Need.EXPANSION: "Expansion or upsell",
    Need.NEW_LEAD: "New lead",
    Need.RENEWAL_RISK: "Renewal risk",
    Need.OTHER: "Other",
}
URGENCY_LABELS = {Urgency.LOW: "Low", Urgency.NORMAL: "Normal", Urgency.HIGH: "High :fire:"}
STATE_LABELS = {
    State.NEW: "New",
    State.ACCEPTED: "Accepted",
    State.CONTACTED: "Contacted",
    State.WON: "Won",
    State.LOST: "Lost",
    State.NOT_A_FIT: "Not a fit",
}
STATE_EMOJI = {
    State.NEW: ":new:",
    State.ACCEPTED: ":eyes:",
    State.CONTACTED: ":telephone_receiver:",
    State.WON: ":trophy:",
    State.LOST: ":x:",
    State.NOT_A_FIT: ":no_entry_sign:",
}
BUTTONS = (State.ACCEPTED, State.CONTACTED, State.WON, State.LOST, State.NOT_A_FIT)
BUTTON_LABELS = {
    State.ACCEPTED: "Accept",
    State.CONTACTED: "Contacted",
    State.WON: "Won",
    State.LOST: "Lost",
    State.NOT_A_FIT: "Not a fit",
}


def _text_input(block_id: str, label: str, *, optional: bool, multiline: bool = False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": REFERRAL_LENGTHS[block_id],
        },
    }


def referral_modal(channel_id: str | None, has_queue: bool) -> dict:
    """The `/referral` form."""
    private = opened_privately(channel_id)
    privacy = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [option("private", "Keep the context out of public channels")],
    }
    if private:
        privacy["initial_options"] = privacy["options"]
    owner_hint = (
        "Leave empty to post it in the referrals queue for any rep to claim."
        if has_queue
        else "Choose the rep who should follow up."
    )
    return {
        "type": "modal",
        "callback_id": REFERRAL_MODAL,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": plain_text("Pass a referral"),
        "submit": plain_text("Send to sales"),
        "close": plain_text("Cancel"),
        "blocks": [
            _text_input("customer", "Customer or account", optional=False),
            {
                "type": "input",
                "block_id": "need",
                "label": plain_text("What do they need?"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [option(n.value, label) for n, label in NEED_LABELS.items()],
                },
            },
            {
                "type": "input",
                "block_id": "urgency",
                "label": plain_text("Urgency"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [option(u.value, label) for u, label in URGENCY_LABELS.items()],
                    "initial_option": option(Urgency.NORMAL.value, URGENCY_LABELS[Urgency.NORMAL]),
                },
            },
            _text_input("context", "What did you hear?", optional=False, multiline=True),
            _text_input("contact", "Customer contact", optional=True),
            {
                "type": "input",
                "block_id": "crm_url",
                "optional": True,
                "label": plain_text("CRM link"),
                "element": {"type": "url_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "owner",
                "optional": has_queue,
                "label": plain_text("Send to a rep"),
                "hint": plain_text(owner_hint),
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "privacy",
                "optional": True,
                "label": plain_text("Privacy"),
                "element": privacy,
            },
        ],
    }


def _status_line(referral: Referral) -> str:
    state = State(referral.state)
    line = f"{STATE_EMOJI[state]} *{STATE_LABELS[state]}*"
    if referral.owner_id:
        line += f" · held by {mention(referral.owner_id)}"
    else:
        line += " · waiting for a rep to claim it"
    return line + f" · since {slack_date(referral.state_changed_at)}"


def referral_card(
    referral: Referral, *, public: bool, retired: bool = False
) -> tuple[str, list[dict]]:
    """The message a rep acts on (their DM) or the queue post; updated in place on every move.

    `public` cards never quote a private referral's context and never show the customer
    contact; once someone holds the referral they carry no state buttons (those are in the
    owner's DM). A `retired` card belonged to an owner the referral was taken from.
    """
    state = State(referral.state)
    if public and referral.is_private:
        context = "_Details are private: the rep who holds it sees them._"
    else:
        context = truncate(safe_mrkdwn(referral.context), 2000) or "_no context given_"
    fields = [
        f"*Need*\n{NEED_LABELS.get(Need(referral.need), referral.need)}",
        f"*Urgency*\n{URGENCY_LABELS.get(Urgency(referral.urgency), referral.urgency)}",
        f"*From*\n{mention(referral.referrer_id)}",
    ]
    if referral.contact and not public:
        fields.append(f"*Contact*\n{safe_mrkdwn(referral.contact)}")
    if referral.crm_url:
        fields.append(f"*CRM*\n<{referral.crm_url}|open record>")
    if referral.deal_value is not None:
        fields.append(f"*Deal value*\n{format_money(referral.deal_value)}")
    blocks: list[dict] = [
        {
            "type": "header",
            "text": plain_text(truncate(f"Referral #{referral.id}: {referral.customer}", 150)),
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": context}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _status_line(referral)}]},
    ]
    if referral.close_reason:
        reason = f"Reason: {safe_mrkdwn(referral.close_reason)}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": reason}]})
    if retired:
        note = "This referral was handed to someone else; this card no longer changes."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    buttons = [] if retired else _buttons(referral, public)
    if buttons:
        blocks.append(
            {"type": "actions", "block_id": f"referral-{referral.id}", "elements": buttons}
        )
    text = f"Referral #{referral.id} for {safe_mrkdwn(referral.customer)}: {STATE_LABELS[state]}"
    if state == State.NEW and not public and not retired:
        need = NEED_LABELS.get(Need(referral.need), referral.need).lower()
        urgency = URGENCY_LABELS.get(Urgency(referral.urgency), referral.urgency).lower()
        text = f"{mention(referral.referrer_id)} passed you a referral: {safe_mrkdwn(referral.customer)} ({need}, {urgency} urgency)"
    return text, blocks


def _buttons(referral: Referral, public: bool) -> list[dict]:
    state = State(referral.state)
    if state in CLOSED:
        return []
    if public:
        buttons = []
        if referral.owner_id is None:
            buttons.append(button(CLAIM_ACTION, "Claim", str(referral.id), "primary"))
        buttons.append(button(REASSIGN_ACTION, "Reassign", str(referral.id)))
        return buttons
    return [
        button(
            f"{MOVE_ACTION}_{target.value}",
            BUTTON_LABELS[target],
            f"{referral.id}:{target.value}",
            "primary" if target == State.WON else None,
        )
        for target in BUTTONS
        if allowed(state, target)
    ]


def reason_modal(referral: Referral, target: State) -> dict:
    """Lost and Not a fit ask for a short reason."""
    return {
        "type": "modal",
        "callback_id": REASON_MODAL,
        "private_metadata": json.dumps({"id": referral.id, "state": target.value}),
        "title": plain_text(f"Mark as {STATE_LABELS[target].lower()}"),
        "submit": plain_text("Save"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{safe_mrkdwn(referral.customer)}*"},
            },
            {
                "type": "input",
                "block_id": "reason",
                "label": plain_text("What happened? (the referrer will see this)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": REFERRAL_LENGTHS["reason"],
                },
            },
        ],
    }


def won_modal(referral: Referral) -> dict:
    """Won asks for an optional deal value."""
    return {
        "type": "modal",
        "callback_id": WON_MODAL,
        "private_metadata": json.dumps({"id": referral.id, "state": State.WON.value}),
        "title": plain_text("Mark as won"),
        "submit": plain_text("Celebrate"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{safe_mrkdwn(referral.customer)}*, referred by "
                    f"{mention(referral.referrer_id)}. They will be credited and celebrated.",
                },
            },
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
        ],
    }


def reassign_modal(referral: Referral) -> dict:
    return {
        "type": "modal",
        "callback_id": REASSIGN_MODAL,
        "private_metadata": json.dumps({"id": referral.id}),
        "title": plain_text("Reassign referral"),
        "submit": plain_text("Reassign"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "owner",
                "label": plain_text(truncate(f"New owner for {referral.customer}", 150)),
                "element": {"type": "users_select", "action_id": "value"},
            }
        ],
    }


def referrer_update(referral: Referral, actor_id: str) -> str:
    """What the referrer hears at each change of state."""
    state = State(referral.state)
    customer = safe_mrkdwn(referral.customer)
    owner = mention(referral.owner_id or "")
    text = {
        State.ACCEPTED: f"{mention(actor_id)} accepted your referral for *{customer}*.",
        State.CONTACTED: f"{mention(actor_id)} has contacted *{customer}* about your referral.",
        State.WON: f":trophy: Your referral for *{customer}* was won by {mention(actor_id)}! "
        "You've been credited.",
        State.LOST: f"Your referral for *{customer}* was lost.",
        State.NOT_A_FIT: f"Your referral for *{customer}* turned out not to be a fit.",
        State.NEW: f"Your referral for *{customer}* is now with {owner}.",
    }[state]
    if referral.close_reason and state in CLOSED:
        text += f" {mention(actor_id)} says: “{truncate(safe_mrkdwn(referral.close_reason), 400)}”"
    return text + " Thanks for passing it on."


def referral_won_post(referral: Referral) -> tuple[str, list[dict]]:
    """The recognition channel celebrates the person who passed the referral."""
    referrer, rep = mention(referral.referrer_id), mention(referral.owner_id or "")
    customer = safe_mrkdwn(referral.customer)
    text = f":tada: {referrer} spotted it, {rep} closed it: *{customer}* is won!"
    if referral.deal_value is not None:
        text += f" ({format_money(referral.deal_value)})"
    story = (
        PRIVATE_PLACEHOLDER if referral.is_private else truncate(safe_mrkdwn(referral.context), 600)
    )
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"The referral: {story}"}]},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Everybody sells: pass yours with `/referral`."}
            ],
        },
    ]
    return f"{referrer} spotted it, {rep} closed it: {customer} is won!", blocks


def age_label(seconds: float) -> str:
    hours = int(seconds // 3600)
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def referral_list(
    passed: Sequence[Referral], owned: Sequence[Referral], now: datetime
) -> list[dict]:
    """`/sells referrals`: the ones I passed and the ones I hold, with state and age."""

    def lines(rows: Sequence[Referral], who: str) -> str:
        if not rows:
            return "_none_"
        out = []
        for r in rows:
            state = State(r.state)
            person = (
                mention(r.owner_id) if who == "owner" and r.owner_id else mention(r.referrer_id)
            )
            if who == "owner" and not r.owner_id:
                person = "the queue"
            age = age_label((now - r.created_at).total_seconds())
            out.append(
                f"{STATE_EMOJI[state]} #{r.id} *{safe_mrkdwn(r.customer)}*: "
                f"{STATE_LABELS[state]} · {person} · {age} old"
            )
        return "\n".join(out)

    return [
        {"type": "header", "text": plain_text("Your referrals")},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Passed by you*\n" + lines(passed, "owner")},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Held by you*\n" + lines(owned, "referrer")},
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Pass a new one with `/referral`."}],
        },
    ]


def refusal_text(outcome: MoveOutcome, target: State | None) -> str:
    """Why a click or command changed nothing, in words a rep understands."""
    referral = outcome.referral
    if referral is None:
        return "That referral no longer exists."
    current = STATE_LABELS[State(referral.state)].lower()
    wanted = STATE_LABELS[target].lower() if target else ""
    owner = mention(referral.owner_id) if referral.owner_id else None
    return {
        Refused.NOT_OWNER: f"Only {owner}, who holds this referral, can move it."
        if owner
        else "Claim this referral first.",
        Refused.ALREADY: f"Nothing to do: this referral is already {current}"
        + (f" and held by {owner}." if owner else "."),
        Refused.BACKWARDS: f"This referral is {current}; it can't go back to {wanted}.",
        Refused.CLOSED: f"This referral is closed ({current}); it can't change any more.",
        Refused.CLAIMED: f"{owner} claimed this referral first.",
        Refused.NOT_ADMIN: "Only admins can reassign referrals.",
        Refused.NEEDS_REASON: f"Please say briefly why it is {wanted}.",
        Refused.NOT_FOUND: "That referral no longer exists.",
    }[outcome.refused or Refused.NOT_FOUND]


def _waiting(referral: Referral, now: datetime) -> str:
    since = referral.assigned_at or referral.created_at
    return age_label((now - since).total_seconds())


def owner_reminder(referral: Referral, now: datetime) -> tuple[str, list[dict]]:
    """The owner's one reminder: the referral, and the buttons to act on it."""
    text = (
        f":hourglass: The referral for *{safe_mrkdwn(referral.customer)}* from "
        f"{mention(referral.referrer_id)} has waited {_waiting(referral, now)} "
        "for you to accept it."
    )
    text += " Its card, with the buttons, is in this conversation."
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def manager_nudge(referral: Referral, now: datetime) -> tuple[str, list[dict]]:
    """The manager's one nudge: whose referral is stuck and for how long."""
    text = (
        f":wave: {mention(referral.owner_id or '')} has had the referral for "
        f"*{safe_mrkdwn(referral.customer)}* (from {mention(referral.referrer_id)}) for "
        f"{_waiting(referral, now)} without accepting it. Could you help them pick it up "
        "or ask an admin to reassign it?"
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]

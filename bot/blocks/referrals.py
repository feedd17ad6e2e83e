"""Block Kit for referrals: the form, the card a rep acts on, and what the referrer sees.

Every builder takes plain data (`ReferralInfo`, `MoveOutcome`) and returns `(text,
blocks)` for a message or a dict for a view. The `*_text` helpers are the words alone,
for the builders and for answers whose caller wants words (`/sells referrals reassign`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks.assists import opened_privately
from bot.blocks.kit import (
    HEADER_LIMIT,
    actions_block,
    button,
    checkbox_input,
    clip,
    context_block,
    deal_value_input,
    fields_section,
    header_block,
    modal,
    mrkdwn_section,
    mrkdwn_sections,
    option,
    plain_clip,
    radio_input,
    select_input,
    text_input,
    text_message,
    url_input,
    user_input,
)
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    mention,
    money,
    plural,
    safe_mrkdwn,
    slack_date,
    truncate,
)
from models.referrals import (
    CLOSED,
    REFERRAL_LENGTHS,
    MoveOutcome,
    Need,
    ReferralInfo,
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
# The next step in a referral's life, the one green button on the owner's card.
NEXT_STEP = {State.NEW: State.ACCEPTED, State.ACCEPTED: State.CONTACTED, State.CONTACTED: State.WON}
BUTTON_LABELS = {
    State.ACCEPTED: "Accept",
    State.CONTACTED: "Contacted",
    State.WON: "Won",
    State.LOST: "Lost",
    State.NOT_A_FIT: "Not a fit",
}
# `/sells referrals` lists this many of each kind, then says how many more there are.
LIST_LIMIT = 20
# The SLA job's reminder and nudge list this many referrals, then say how many more.
LATE_LIMIT = 15
ADMINS_ONLY = "Only admins can reassign referrals."
# Slack's answers when the bot is not in a channel or cannot see it: an invite fixes both.
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found"})
# Slack's answers to a message too large to post: our fault, logged; an invite won't help.
TOO_LARGE = frozenset({"invalid_blocks", "msg_too_long"})


def referral_modal(channel_id: str | None, has_queue: bool) -> dict:
    """The `/referral` form."""
    owner_hint = (
        "Leave empty to post it in the referrals queue for any rep to claim."
        if has_queue
        else "Choose the rep who should follow up."
    )
    needs = [option(n.value, label) for n, label in NEED_LABELS.items()]
    urgencies = [option(u.value, label) for u, label in URGENCY_LABELS.items()]
    privacy = option("private", "Keep the context out of public channels")
    blocks = [
        _text_input("customer", "Customer or account", optional=False),
        select_input("need", "What do they need?", needs),
        radio_input("urgency", "Urgency", urgencies, initial=Urgency.NORMAL.value),
        _text_input("context", "What did you hear?", optional=False, multiline=True),
        _text_input("contact", "Customer contact", optional=True),
        url_input("crm_url", "CRM link"),
        user_input("owner", "Send to a rep", optional=has_queue, hint=owner_hint),
        checkbox_input("privacy", "Privacy", privacy, ticked=opened_privately(channel_id)),
    ]
    return modal(
        REFERRAL_MODAL,
        "Pass a referral",
        blocks,
        submit="Send to sales",
        metadata={"channel_id": channel_id},
    )


def _text_input(block_id: str, label: str, *, optional: bool, multiline: bool = False) -> dict:
    max_length = REFERRAL_LENGTHS[block_id]
    return text_input(
        block_id, label, max_length=max_length, optional=optional, multiline=multiline
    )


def _need(referral: ReferralInfo) -> str:
    return NEED_LABELS.get(Need(referral.need), referral.need)


def _urgency(referral: ReferralInfo) -> str:
    return URGENCY_LABELS.get(Urgency(referral.urgency), referral.urgency)


def _status_line(referral: ReferralInfo, *, yours: bool) -> str:
    """State, holder and since when; `yours`: the card is in the holder's own DM."""
    state = State(referral.state)
    line = f"{STATE_EMOJI[state]} *{STATE_LABELS[state]}*"
    if referral.owner_id and yours:
        line += " · with you"
    elif referral.owner_id:
        line += f" · held by {mention(referral.owner_id)}"
    else:
        line += " · waiting for a rep to claim it"
    return line + f" · since {slack_date(referral.state_changed_at)}"


def referral_card(
    referral: ReferralInfo, *, public: bool, retired: bool = False, currency: str | None = None
) -> tuple[str, list[dict]]:
    """The message a rep acts on (their DM) or the queue post; updated in place on every move.

    `public` cards never quote a private referral's context and never show the customer
    contact; once someone holds the referral they carry no state buttons (those are in the
    owner's DM). A `retired` card belonged to an owner the referral was taken from. The
    owner's own card says the referral is "with you"; the others name who holds it.
    """
    state = State(referral.state)
    if public and referral.is_private:
        context = [mrkdwn_section("_Details are private: the rep who holds it sees them._")]
    else:
        # Up to 1,500 characters, which quoting can stretch past one section: never cut.
        context = mrkdwn_sections(safe_mrkdwn(referral.context))
    blocks = [
        header_block(plain_clip(f"Referral #{referral.id}: {referral.customer}", HEADER_LIMIT)),
        *(context or [mrkdwn_section("_no context given_")]),
        fields_section(_fields(referral, public, currency)),
        context_block(_status_line(referral, yours=not public and not retired)),
    ]
    if referral.close_reason:
        blocks.append(context_block(f"Reason: {safe_mrkdwn(referral.close_reason)}"))
    if retired:
        blocks.append(
            context_block("This referral was handed to someone else; this card no longer changes.")
        )
    buttons = [] if retired else _buttons(referral, public)
    if buttons:
        blocks.append(actions_block(buttons, block_id=f"referral-{referral.id}"))
    customer = safe_mrkdwn(referral.customer)
    text = f"Referral #{referral.id} for {customer}: {STATE_LABELS[state]}"
    if state == State.NEW and not public and not retired:
        need, urgency = _need(referral).lower(), Urgency(referral.urgency).value
        text = f"{mention(referral.referrer_id)} passed you a referral: {customer} ({need}, {urgency} urgency)"
    return text, blocks


def _fields(referral: ReferralInfo, public: bool, currency: str | None) -> list[str]:
    fields = [
        f"*Need*\n{_need(referral)}",
        f"*Urgency*\n{_urgency(referral)}",
        f"*From*\n{mention(referral.referrer_id)}",
    ]
    if referral.contact and not public:
        fields.append(f"*Contact*\n{safe_mrkdwn(referral.contact)}")
    if referral.crm_url:
        fields.append(f"*CRM*\n<{referral.crm_url}|open record>")
    if referral.deal_value is not None:
        fields.append(f"*Deal value*\n{money(referral.deal_value, currency)}")
    return fields


def _buttons(referral: ReferralInfo, public: bool) -> list[dict]:
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
            "primary" if target == NEXT_STEP.get(state) else None,
        )
        for target in BUTTONS
        if allowed(state, target)
    ]


def reason_modal(referral: ReferralInfo, target: State) -> dict:
    """Lost and Not a fit ask for a short reason."""
    reason = text_input(
        "reason",
        "What happened? (the referrer will see this)",
        max_length=REFERRAL_LENGTHS["reason"],
        multiline=True,
    )
    return modal(
        REASON_MODAL,
        f"Mark as {STATE_LABELS[target].lower()}",
        [mrkdwn_section(f"*{safe_mrkdwn(referral.customer)}*"), reason],
        submit="Save",
        metadata={"id": referral.id, "state": target.value},
    )


def won_modal(referral: ReferralInfo, currency: str | None = None) -> dict:
    """Won asks for an optional deal value, in the workspace's currency."""
    about = (
        f"*{safe_mrkdwn(referral.customer)}*, referred by {mention(referral.referrer_id)}. "
        "They will be credited and celebrated."
    )
    return modal(
        WON_MODAL,
        "Mark as won",
        [mrkdwn_section(about), deal_value_input(currency)],
        submit="Celebrate",
        metadata={"id": referral.id, "state": State.WON.value},
    )


def closing_modal(referral: ReferralInfo, target: State, currency: str | None = None) -> dict:
    """The form a closing move asks first: a deal value for Won, a reason for the others."""
    if target == State.WON:
        return won_modal(referral, currency)
    return reason_modal(referral, target)


def reassign_modal(referral: ReferralInfo) -> dict:
    """An admin picks the rep who takes the referral over."""
    label = plain_clip(f"New owner for {referral.customer}", 150)
    return modal(
        REASSIGN_MODAL,
        "Reassign referral",
        [user_input("owner", label)],
        submit="Reassign",
        metadata={"id": referral.id},
    )


def referrer_update_text(referral: ReferralInfo, actor_id: str, currency: str | None = None) -> str:
    """What the referrer hears at each change of state, in words (a win with its value)."""
    state = State(referral.state)
    customer = safe_mrkdwn(referral.customer)
    owner = mention(referral.owner_id or "")
    worth = ""
    if referral.deal_value is not None:
        worth = f", a deal of {money(referral.deal_value, currency)}"
    text = {
        State.ACCEPTED: f"{mention(actor_id)} accepted your referral for *{customer}*.",
        State.CONTACTED: f"{mention(actor_id)} has contacted *{customer}* about your referral.",
        State.WON: f":trophy: Your referral for *{customer}* was won by {mention(actor_id)}"
        f"{worth}! You've been credited.",
        State.LOST: f"Your referral for *{customer}* was lost.",
        State.NOT_A_FIT: f"Your referral for *{customer}* turned out not to be a fit.",
        State.NEW: f"Your referral for *{customer}* is now with {owner}.",
    }[state]
    if referral.close_reason and state in CLOSED:
        # At most 500 typed characters: quoted whole, never cut.
        text += f" {mention(actor_id)} says: “{safe_mrkdwn(referral.close_reason)}”"
    return text + " Thanks for passing it on."


def referrer_update(
    referral: ReferralInfo, actor_id: str, currency: str | None = None
) -> tuple[str, list[dict]]:
    """The referrer's DM at each change of state."""
    return text_message(referrer_update_text(referral, actor_id, currency))


def referral_won_post(
    referral: ReferralInfo, currency: str | None = None
) -> tuple[str, list[dict]]:
    """The recognition channel celebrates the person who passed the referral."""
    referrer, rep = mention(referral.referrer_id), mention(referral.owner_id or "")
    customer = safe_mrkdwn(referral.customer)
    headline = f":tada: {referrer} spotted it, {rep} closed it: *{customer}* is won!"
    if referral.deal_value is not None:
        headline += f" ({money(referral.deal_value, currency)})"
    story = PRIVATE_PLACEHOLDER if referral.is_private else clip(safe_mrkdwn(referral.context), 600)
    blocks = [
        mrkdwn_section(headline),
        context_block(f"The referral: {story}"),
        context_block("Everybody sells: pass yours with `/referral`."),
    ]
    return f"{referrer} spotted it, {rep} closed it: {customer} is won!", blocks


def _undelivered(problem: str, what: str, where: str, channel: str | None = None) -> str:
    """Why `what` did not reach `where` ("in <#C…>", "to <@U…>") and what helps: an invite
    only when Slack says the bot is not in `channel`, the logged fault for a message too
    large, else Slack's own error code."""
    verb, done = ("post", "posted") if channel else ("send", "sent")
    if problem in TOO_LARGE:
        return f"{what} could not be {done} {where} (the problem has been logged)"
    if channel and problem in NOT_IN_CHANNEL:
        return f"I couldn't {verb} {what} {where}: please invite me to <#{channel}>"
    code = truncate(safe_mrkdwn(problem or "unknown error").replace("`", "'"), 100)
    return f"I couldn't {verb} {what} {where}: Slack answered `{code}`"


def referral_sent(
    referral: ReferralInfo, problem: str | None, skipped_owner: str | None = None
) -> tuple[str, list[dict]]:
    """The referrer's note once the referral is saved: where it went, or what failed.

    `problem` is Slack's error code when its card could not be posted (None: posted);
    `skipped_owner` is the person they chose who can't take referrals, so it went to the
    queue instead.
    """
    owner, channel = referral.owner_id, referral.queue_channel_id
    if problem is None:
        where = f"is with {mention(owner)}" if owner else f"is in <#{channel}> for a rep to claim"
    elif owner:
        where = "is saved, but " + _undelivered(problem, "it", f"to {mention(owner)}")
        if problem not in TOO_LARGE:
            where += (
                f"; an admin can hand it to another rep with "
                f"`/sells referrals reassign {referral.id} @rep`"
            )
    else:
        where = "is saved, but " + _undelivered(problem, "it", f"in <#{channel}>", channel)
    customer = safe_mrkdwn(referral.customer)
    return text_message(
        f":incoming_envelope: {_skipped(skipped_owner)}Your referral for *{customer}* {where}."
    )


def referral_not_sent(skipped_owner: str | None) -> tuple[str, list[dict]]:
    """No rep to send it to and no queue to post it in: nothing was saved."""
    return text_message(
        _skipped(skipped_owner) + "Nothing was sent: there is no referrals channel."
    )


def _skipped(owner: str | None) -> str:
    return f"{mention(owner)} can't take referrals, so it went to the queue. " if owner else ""


def celebration_not_posted(
    referral: ReferralInfo, channel: str, problem: str
) -> tuple[str, list[dict]]:
    """The rep who marked a referral won, when its celebration could not be posted."""
    customer = safe_mrkdwn(referral.customer)
    why = _undelivered(problem, "the celebration", f"in <#{channel}>", channel)
    return text_message(f"The win for *{customer}* is saved, but {why}.")


def card_not_sent(referral: ReferralInfo, problem: str) -> tuple[str, list[dict]]:
    """The rep who claimed a referral, when its working card could not reach their DM."""
    customer = safe_mrkdwn(referral.customer)
    why = _undelivered(problem, "its card", "to you")
    return text_message(f"Referral #{referral.id} for *{customer}* is yours, but {why}.")


def age_label(seconds: float) -> str:
    """How long, as people say it: "under an hour", "1 hour", "47 hours", "3 days"."""
    hours = int(seconds // 3600)
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return plural(hours, "hour")
    return plural(hours // 24, "day")


def referrals_message(
    passed: Sequence[ReferralInfo], owned: Sequence[ReferralInfo], now: datetime
) -> tuple[str, list[dict]]:
    """`/sells referrals`: the ones I passed and the ones I hold, with state and age.

    Each list shows its first LIST_LIMIT and says how many more; a list too long for one
    section goes on in the next, split between lines.
    """
    blocks = [
        header_block("Your referrals"),
        *mrkdwn_sections("*Passed by you*\n" + _list_lines(passed, now, holder=True)),
        *mrkdwn_sections("*Held by you*\n" + _list_lines(owned, now, holder=False)),
        context_block("Pass a new one with `/referral`."),
    ]
    return "Your referrals", blocks


def referral_list(
    passed: Sequence[ReferralInfo], owned: Sequence[ReferralInfo], now: datetime
) -> list[dict]:
    """The blocks of `referrals_message`, for callers that bring their own text."""
    _, blocks = referrals_message(passed, owned, now)
    return blocks


def _list_lines(rows: Sequence[ReferralInfo], now: datetime, *, holder: bool) -> str:
    """One line per referral; `holder` names who holds each (else who passed it)."""
    if not rows:
        return "_none_"
    lines = []
    for r in rows[:LIST_LIMIT]:
        state = State(r.state)
        if holder:
            person = mention(r.owner_id) if r.owner_id else "the queue"
        else:
            person = mention(r.referrer_id)
        age = age_label((now - r.created_at).total_seconds())
        lines.append(
            f"{STATE_EMOJI[state]} #{r.id} *{safe_mrkdwn(r.customer)}*: "
            f"{STATE_LABELS[state]} · {person} · {age} old"
        )
    if len(rows) > LIST_LIMIT:
        lines.append(f"_…and {len(rows) - LIST_LIMIT} more._")
    return "\n".join(lines)


def refusal_text(outcome: MoveOutcome, target: State | None, viewer: str | None = None) -> str:
    """Why a click or command changed nothing, in words a rep understands; `viewer`, who
    reads it, hears "with you" rather than their own name."""
    referral = outcome.referral
    if referral is None:
        return "That referral no longer exists."
    current = STATE_LABELS[State(referral.state)].lower()
    wanted = STATE_LABELS[target].lower() if target else ""
    owner = mention(referral.owner_id) if referral.owner_id else None
    if owner and target is None:  # a reassignment to the rep who already holds it
        already = f"Nothing to do: {owner} already holds this referral."
    elif owner:
        held = "with you" if viewer == referral.owner_id else f"held by {owner}"
        already = f"Nothing to do: this referral is already {current} and {held}."
    else:
        already = f"Nothing to do: this referral is already {current}."
    return {
        Refused.NOT_OWNER: f"Only {owner}, who holds this referral, can move it."
        if owner
        else "Claim this referral first.",
        Refused.ALREADY: already,
        Refused.BACKWARDS: f"This referral is {current}; it can't go back to {wanted}.",
        Refused.CLOSED: f"This referral is closed ({current}); it can't change any more.",
        Refused.CLAIMED: f"{owner or 'Someone else'} claimed this referral first.",
        Refused.NOT_ADMIN: ADMINS_ONLY,
        Refused.NEEDS_REASON: f"Please say briefly why it is {wanted}.",
        Refused.NOT_FOUND: "That referral no longer exists.",
    }[outcome.refused or Refused.NOT_FOUND]


def refusal(
    outcome: MoveOutcome, target: State | None, viewer: str | None = None
) -> tuple[str, list[dict]]:
    """The note to the person (`viewer`) whose click or form changed nothing."""
    return text_message(refusal_text(outcome, target, viewer))


def admins_only() -> tuple[str, list[dict]]:
    """A Reassign button clicked by someone who is not an admin."""
    return text_message(ADMINS_ONLY)


def reassign_text(outcome: MoveOutcome | None, problem: str | None = None) -> str:
    """The admin's answer to a reassignment; None when the person chosen can't take it.
    `problem` is Slack's error code when the new owner's card could not be sent."""
    if outcome is None:
        return "Choose an active person to hand the referral to."
    referral = outcome.referral
    if not outcome.moved or referral is None:
        return refusal_text(outcome, None)
    customer = safe_mrkdwn(referral.customer)
    owner = mention(referral.owner_id or "")
    text = f"Referral #{referral.id} for *{customer}* is now with {owner}"
    if problem is not None:
        text += ", but " + _undelivered(problem, "its card", f"to {owner}")
    return text + "."


def _waiting(referral: ReferralInfo, now: datetime) -> str:
    since = referral.assigned_at or referral.created_at
    return age_label((now - since).total_seconds())


def _longest_waiting(late: Sequence[ReferralInfo]) -> list[ReferralInfo]:
    return sorted(late, key=lambda r: (r.assigned_at or r.created_at, r.id))


def _late_lines(lines: list[str]) -> str:
    """The first LATE_LIMIT lines, then how many more."""
    shown = lines[:LATE_LIMIT]
    if len(lines) > LATE_LIMIT:
        shown.append(f"_…and {len(lines) - LATE_LIMIT} more._")
    return "\n".join(shown)


def owner_reminder(late: Sequence[ReferralInfo], now: datetime) -> tuple[str, list[dict]]:
    """The owner's one reminder for the referrals that became late since the last one:
    which, from whom, for how long, and where their buttons are; the longest waiting first."""
    late = _longest_waiting(late)
    if len(late) == 1:
        [referral] = late
        return text_message(
            f":hourglass: The referral for *{safe_mrkdwn(referral.customer)}* from "
            f"{mention(referral.referrer_id)} has waited {_waiting(referral, now)} "
            "for you to accept it. Its card, with the buttons, is in this conversation."
        )
    head = f":hourglass: {plural(len(late), 'referral')} have waited for you to accept them."
    lines = [
        f"• *{safe_mrkdwn(r.customer)}* from {mention(r.referrer_id)}, {_waiting(r, now)}"
        for r in late
    ]
    body = f"{head}\n{_late_lines(lines)}\nTheir cards, with the buttons, are in this conversation."
    return head, mrkdwn_sections(body)


def manager_nudge(late: Sequence[ReferralInfo], now: datetime) -> tuple[str, list[dict]]:
    """The manager's one nudge for the referrals their reports left waiting: whose, and for
    how long; the longest waiting first."""
    late = _longest_waiting(late)
    if len(late) == 1:
        [referral] = late
        return text_message(
            f":wave: {mention(referral.owner_id or '')} has had the referral for "
            f"*{safe_mrkdwn(referral.customer)}* (from {mention(referral.referrer_id)}) for "
            f"{_waiting(referral, now)} without accepting it. Could you help them pick it up "
            "or ask an admin to reassign it?"
        )
    head = (
        f":wave: {plural(len(late), 'referral')} held by people you manage have waited "
        "without being accepted."
    )
    lines = [
        f"• {mention(r.owner_id or '')} has had *{safe_mrkdwn(r.customer)}* "
        f"(from {mention(r.referrer_id)}) for {_waiting(r, now)}"
        for r in late
    ]
    tail = "Could you help them pick these up, or ask an admin to reassign them?"
    return head, mrkdwn_sections(f"{head}\n{_late_lines(lines)}\n{tail}")

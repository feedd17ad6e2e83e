"""Block Kit for logging assists and wins: the modals and the messages that follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.blocks.kit import (
    PICKER_LIMIT,
    actions_block,
    button,
    checkbox_input,
    context_block,
    deal_value_input,
    fields_section,
    header_block,
    modal,
    mrkdwn_section,
    mrkdwn_sections,
    note_message,
    option,
    people_input,
    select_input,
    static_select,
    text_input,
    url_input,
)
from bot.blocks.text import (
    PRIVATE_PLACEHOLDER,
    kind_emoji,
    kind_label,
    mention,
    money,
    people_named,
    plural,
    safe_mrkdwn,
    stage_label,
    truncate,
)
from models.assists import (
    MAX_LENGTHS,
    AssistInfo,
    Kind,
    LimitReached,
    Refusal,
    Source,
    Stage,
)

ASSIST_MODAL = "assist_modal"
ASSIST_DETAILS_MODAL = "assist_details"
WIN_MODAL = "win_modal"
ADD_DETAILS_ACTION = "assist_add_details"
CUSTOMER_ENTERED_ACTION = "value"  # the win form's customer field, on Enter
# The stage picker on the confirmation of a quick `/assist @x …`: one click, no form.
STAGE_ACTION = "assist_set_stage"
OPEN_ASSIST_MODAL_ACTION = "assist_open_modal"
# The button on a credit's DM: the assist form, with the person who gave the credit chosen.
THANK_BACK_ACTION = "assist_thank_back"

# Kinds a person logs by hand; referrals, sessions and lessons have flows of their own.
LOGGABLE_KINDS = (Kind.ASSIST, Kind.SERVICE, Kind.INSIGHT, Kind.WIN)

USAGE = (
    "To log an assist, type `/assist` to open the form, or "
    "`/assist @someone what they did` to credit them right away."
)
REPEATED = "You sent this a moment ago too; it is recorded once, and nobody was told twice."

# How many characters a list of people may take in one block: Slack refuses a text over
# 3,000, and one win can credit hundreds of people. A notification (a message's top-level
# text) names fewer: it is read in a banner. Each reason nobody was credited names at most
# REFUSED_ROOM characters of people, so the four reasons fit one block together.
PEOPLE_ROOM = 2000
NOTIFICATION_ROOM = 400
REFUSED_ROOM = 500
# How much of a story a confirmation or a notification quotes; posts and DMs show it whole.
EXCERPT = 300
# The giver's name on the DM's button ("Thank Gina back"), within a button's 75 characters.
NAME_ROOM = 50
# Sources whose giver chose to credit someone, and may be thanked back for it.
THANKABLE = frozenset({Source.COMMAND, Source.MODAL, Source.REACTION})
# The header's room for a customer's name: "🏆 We won " and "!" take the rest of its 150.
HEADER_ROOM = 130
# What the win's note says when Slack could not be reached at all (no error code).
NO_ANSWER = "no_answer"
# Slack's answers to a post that was too large (in blocks or in text).
TOO_LARGE = frozenset({"invalid_blocks", "msg_too_long"})
# Its answers when the bot is not in the channel, or cannot see it (a private one).
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found"})


@dataclass(frozen=True)
class AssistFields:
    """What the assist form shows, prefilled when editing."""

    kind: str = Kind.ASSIST.value
    stage: str | None = None
    customer: str | None = None
    description: str = ""
    crm_url: str | None = None
    is_private: bool = False


def named(user_ids: Sequence[str], room: int = PEOPLE_ROOM) -> str:
    return people_named(user_ids, room)


def _stage_options() -> list[dict]:
    return [option(s.value, stage_label(s.value)) for s in Stage]


def _detail_inputs(fields: AssistFields) -> list[dict]:
    kinds = [option(k.value, kind_label(k.value)) for k in LOGGABLE_KINDS[:-1]]
    private = option("private", "Keep the details out of public posts")
    return [
        select_input("kind", "What kind of help", kinds, initial=fields.kind),
        select_input(
            "stage",
            "Stage of the sales loop",
            _stage_options(),
            initial=fields.stage,
            optional=True,
        ),
        text_input(
            "customer",
            "Customer or account",
            max_length=MAX_LENGTHS["customer"],
            initial=fields.customer,
            optional=True,
        ),
        text_input(
            "description",
            "What happened",
            max_length=MAX_LENGTHS["description"],
            initial=fields.description,
            multiline=True,
        ),
        url_input("crm_url", "CRM link", fields.crm_url),
        checkbox_input("privacy", "Privacy", private, ticked=fields.is_private),
    ]


@dataclass(frozen=True)
class FromMessage:
    """What the "Log as assist" shortcut found in a message, for the form: never its words."""

    channel_id: str
    message_ts: str
    permalink: str | None
    recipients: tuple[str, ...] = ()  # preselected: its author and the people it mentions
    suggested: tuple[str, ...] = ()  # shown, not chosen: the giver wrote the message
    customer: str | None = None  # a known customer the message names
    is_private: bool = False  # posted in a private channel, a group DM or a DM


def assist_modal(
    channel_id: str | None, recipients: Sequence[str] = (), *, message: FromMessage | None = None
) -> dict:
    """The `/assist` form: who helped, how, at which stage, for which customer. Opened from
    a message (`message`), it links the message and starts with what was found in it."""
    if message is None:
        fields = AssistFields(is_private=opened_privately(channel_id))
        found: list[dict] = []
        metadata: dict = {"channel_id": channel_id}
    else:
        channel_id, recipients = message.channel_id, message.recipients[:PICKER_LIMIT]
        private = message.is_private or opened_privately(channel_id)
        fields = AssistFields(customer=message.customer, is_private=private)
        found = _found_in_message(message)
        metadata = {
            "channel_id": channel_id,
            "message_ts": message.message_ts,
            "permalink": message.permalink,
        }
    return modal(
        ASSIST_MODAL,
        "Log an assist",
        [
            *found,
            people_input("recipients", "Who helped?", recipients),
            *_detail_inputs(fields),
        ],
        submit="Credit them",
        metadata=metadata,
    )


def _found_in_message(message: FromMessage) -> list[dict]:
    """The link to the message the form was opened from, and the people it names when the
    giver wrote it (to pick from, none chosen)."""
    link = f"<{message.permalink}|this message>" if message.permalink else "this message"
    blocks = [
        context_block(
            f"Logging help seen in {link}. The assist keeps the link, never the message's words."
        )
    ]
    if message.suggested:
        blocks.append(
            context_block(
                f"Mentioned in your message: {named(message.suggested, REFUSED_ROOM)}. "
                "Choose who helped."
            )
        )
    return blocks


def opened_privately(channel_id: str | None) -> bool:
    """Forms opened from a DM or group DM start with "keep it private" ticked."""
    return bool(channel_id) and channel_id[0] in "DG"


def assist_details_modal(info: AssistInfo, channel_id: str | None) -> dict:
    """Edit form for an assist logged quickly with `/assist @someone ...`."""
    fields = AssistFields(
        kind=info.kind,
        stage=info.stage,
        customer=info.customer,
        description=info.description,
        crm_url=info.crm_url,
        is_private=info.is_private,
    )
    return modal(
        ASSIST_DETAILS_MODAL,
        "Assist details",
        [context_block(f"Credited: {named(info.credited)}"), *_detail_inputs(fields)],
        submit="Save",
        metadata={"assist_id": info.id, "channel_id": channel_id},
    )


def win_modal(
    channel_id: str | None,
    currency: str | None = None,
    *,
    helpers: Sequence[str] = (),
    found_for: str | None = None,
) -> dict:
    """The `/win` form: the customer, the deal (in `currency`), the people who helped and
    the story. Enter in the customer field preselects `helpers`, the people credited for
    work on that customer this past year (`found_for`)."""
    quiet = option("private", "Celebrate without quoting the story")
    found = []
    if found_for is not None:
        found = [
            context_block(
                f"Preselected: {plural(len(helpers), 'person', 'people')} credited for work on "
                f"*{safe_mrkdwn(found_for)}* this past year. Remove anyone who did not help."
                if helpers
                else f"Nobody was credited for work on *{safe_mrkdwn(found_for)}* this past "
                "year: choose who helped."
            )
        ]
    blocks = [
        text_input(
            "customer",
            "Customer",
            max_length=MAX_LENGTHS["customer"],
            hint="Press Enter to preselect who helped with this customer this year.",
            dispatch=True,
        ),
        deal_value_input(currency),
        select_input(
            "stage", "Stage of the sales loop", _stage_options(), initial=Stage.SALE.value
        ),
        *found,
        people_input("recipients", "Who helped win it?", helpers[:PICKER_LIMIT]),
        text_input(
            "description",
            "The story",
            max_length=MAX_LENGTHS["description"],
            multiline=True,
            hint="What made the difference?",
        ),
        checkbox_input("privacy", "Privacy", quiet, ticked=opened_privately(channel_id)),
    ]
    return modal(
        WIN_MODAL,
        "Celebrate a win",
        blocks,
        submit="Celebrate",
        metadata={"channel_id": channel_id},
    )


def assist_usage() -> tuple[str, list[dict]]:
    """`/assist` with text but nobody named: the two ways to log an assist, and the form."""
    return USAGE, [
        mrkdwn_section(USAGE),
        actions_block([button(OPEN_ASSIST_MODAL_ACTION, "Open the form", style="primary")]),
    ]


# Why someone was not credited: for one person, and for several (named in a list).
REFUSALS = {
    Refusal.BOT: (
        "{who} is a bot; credits are for people.",
        "{who} are bots; credits are for people.",
    ),
    Refusal.DELETED: (
        "{who} has left the workspace and can't be credited.",
        "{who} have left the workspace and can't be credited.",
    ),
    Refusal.UNKNOWN: (
        "{who} isn't someone I can find in this workspace.",
        "{who} aren't people I can find in this workspace.",
    ),
}
SELF_REFUSED = "You can't credit yourself; credit the people who helped you."


def refusal_lines(refused: Sequence[tuple[str, Refusal]], limit: LimitReached | None) -> list[str]:
    """One plain sentence per reason nobody (or not everybody) was credited, naming the
    people it applies to ("@a, @b and 298 others are bots"), and the daily limit if hit."""
    by_reason: dict[Refusal, list[str]] = {}
    for user_id, reason in refused:
        by_reason.setdefault(reason, []).append(user_id)
    lines = []
    for reason, people in by_reason.items():
        if reason == Refusal.SELF:
            lines.append(SELF_REFUSED)
            continue
        one, several = REFUSALS[reason]
        lines.append((one if len(people) == 1 else several).format(who=named(people, REFUSED_ROOM)))
    if limit is not None:
        lines.append(
            f"You've reached today's limit of {plural(limit.limit, 'credit')} "
            f"({limit.given_today} given, {limit.remaining} left; "
            f"this would add {limit.requested}). "
            "Nothing was recorded: try again tomorrow, or credit fewer people."
        )
    return lines


def warning_text(lines: Sequence[str]) -> str:
    """A short warning for one person: every reason, on one line."""
    return ":warning: " + " ".join(lines)


def refusal_text(refused: Sequence[tuple[str, Refusal]], limit: LimitReached | None) -> str:
    """The giver's answer when nobody was credited: why not."""
    return warning_text(refusal_lines(refused, limit) or ["Nobody was credited."])


def join_in_limit_lines(emoji: str, limit: LimitReached) -> list[str]:
    """Why joining in on a recognition post recorded nothing: the daily limit."""
    return [
        f"Joining in counts as one of your {plural(limit.limit, 'credit')} a day, and you "
        f"have given {limit.given_today} today, so your :{emoji}: credited nobody.",
        "Remove it and add it again tomorrow to join in.",
    ]


def reaction_lost_lines(emoji: str, why: str) -> list[str]:
    """Why a reaction's credit was given up on, and how to try again."""
    return [
        f"I couldn't record your :{emoji}: on that message ({why}).",
        "Remove the reaction and add it again to try once more.",
    ]


def _summary(info: AssistInfo, show_unset_stage: bool = True, currency: str | None = None) -> str:
    parts = [f"{kind_emoji(info.kind)} {kind_label(info.kind)}"]
    if info.stage or show_unset_stage:
        parts.append(stage_label(info.stage))
    if info.customer:
        parts.append(safe_mrkdwn(info.customer))
    if info.deal_value is not None:
        parts.append(money(info.deal_value, currency))
    return " · ".join(parts)


def _detail_actions(info: AssistInfo) -> dict:
    elements: list[dict] = []
    if not info.stage:
        stages = [option(f"{info.id}:{s.value}", stage_label(s.value)) for s in Stage]
        elements.append(static_select(STAGE_ACTION, stages, "Which stage of the loop?"))
    elements.append(button(ADD_DETAILS_ACTION, "Add details", value=str(info.id)))
    return actions_block(elements)


def _quoted(description: str, limit: int | None = None) -> str:
    """A story as a quote, safe to post, shortened to `limit` characters at a word break."""
    text = safe_mrkdwn(description)
    return f"“{truncate(text, limit) if limit else text}”"


def assist_confirmation(
    info: AssistInfo,
    refused: Sequence[tuple[str, Refusal]] = (),
    *,
    offer_details: bool,
    repeated: bool = False,
    currency: str | None = None,
) -> tuple[str, list[dict]]:
    """Ephemeral answer to the giver: what was recorded, what was not, and a way to add details.

    `repeated`: the same assist came in again (a retry); it was recorded once."""
    text = f":white_check_mark: You credited {named(info.credited)}"
    if info.description:
        text += f" for {_quoted(info.description, EXCERPT)}"
    blocks = [mrkdwn_section(text), context_block(_summary(info, currency=currency))]
    if repeated:
        blocks.append(context_block(REPEATED))
    if notes := refusal_lines(refused, None):
        blocks.append(context_block("\n".join(notes)))
    if offer_details:
        blocks.append(_detail_actions(info))
    return text, blocks


def details_saved(info: AssistInfo, currency: str | None = None) -> tuple[str, list[dict]]:
    """The giver's answer once the details form is saved: the assist as it now stands."""
    _, blocks = assist_confirmation(info, offer_details=False, currency=currency)
    return "Saved the details of your assist.", blocks


def _credit_headline(info: AssistInfo) -> str:
    """What the credited person is told: who credited them, and for what."""
    giver = mention(info.giver_id)
    if info.source == Source.REACTION:
        # Never the message's words, and never a private conversation's name.
        link = f"<{info.permalink}|your message>" if info.permalink else "your message"
        where = f" in <#{info.channel_id}>" if info.channel_id and not info.is_private else ""
        return f"{giver} reacted to {link}{where} to credit you for it"
    if info.kind == Kind.LESSON:
        return f"{giver} shared a lesson from a loud mistake you were part of"
    if info.kind == Kind.WIN and info.customer:
        return f"{giver} credited you for helping win *{safe_mrkdwn(info.customer)}*"
    return f"{giver} credited you"


def thank_back_button(info: AssistInfo, giver_name: str | None) -> dict:
    """[Thank Gina back]: opens the assist form with the giver chosen."""
    label = f"Thank {truncate(giver_name, NAME_ROOM)} back" if giver_name else "Thank them back"
    return button(THANK_BACK_ACTION, label, value=info.giver_id)


def credit_notice(
    info: AssistInfo, currency: str | None = None, giver_name: str | None = None
) -> tuple[str, list[dict]]:
    """The DM a credited person receives: who credited them and for what, the story whole,
    and one next step: a button to thank the giver back."""
    emoji = kind_emoji(info.kind)
    if info.source == Source.SESSION:
        said = f"{emoji} Thanks for presenting! You {safe_mrkdwn(info.description)}; that's a session credit."
        return truncate(said, 1000), mrkdwn_sections(said)
    headline = f"{emoji} {_credit_headline(info)}"
    quote = info.description and info.source != Source.REACTION
    text = f"{headline}: {_quoted(info.description, EXCERPT)}" if quote else headline
    said = f"{headline}: {_quoted(info.description)}" if quote else headline
    blocks = [
        *mrkdwn_sections(said),
        context_block(_summary(info, show_unset_stage=False, currency=currency)),
    ]
    if info.permalink and info.source != Source.REACTION:
        blocks.append(context_block(f"Logged from <{info.permalink}|a message>."))
    if info.source in THANKABLE and info.kind != Kind.LESSON:
        blocks.append(actions_block([thank_back_button(info, giver_name)]))
    return text, blocks


def win_celebration(info: AssistInfo, currency: str | None = None) -> tuple[str, list[dict]]:
    """The public post for a customer win, its story whole (over several sections if it
    must be); private stories are not quoted."""
    fields = [f"*Stage*\n{stage_label(info.stage)}"]
    if info.deal_value is not None:
        fields.append(f"*Deal value*\n{money(info.deal_value, currency)}")
    story = (
        [mrkdwn_section(PRIVATE_PLACEHOLDER)]
        if info.is_private
        else mrkdwn_sections(safe_mrkdwn(info.description))
    )
    customer = info.customer or "a customer"
    blocks = [
        # The header is plain text, and keeps its "!" however long the customer's name.
        header_block(f"🏆 We won {truncate(customer, HEADER_ROOM)}!"),
        *story,
        fields_section(fields),
        context_block(f"Thanks to {named(info.credited)} · logged by {mention(info.giver_id)}"),
    ]
    thanks = named(info.credited, NOTIFICATION_ROOM)
    return f":trophy: We won {safe_mrkdwn(customer)}! Thanks to {thanks}", blocks


def celebration_note(channel: str | None, error: str | None = None) -> str:
    """What became of the win's public post, for the person who logged it. `error`:
    Slack's error code, or NO_ANSWER when Slack could not be reached."""
    if not channel:
        return (
            "No recognition channel is set up (RECOGNITION_CHANNEL), so the win was not "
            "posted; the win and the credits are recorded."
        )
    if error is None:
        return f"Celebrated in <#{channel}>."
    if error in NOT_IN_CHANNEL:
        return (
            f"I couldn't post the win: please invite me to <#{channel}>. "
            "The win and the credits are recorded."
        )
    if error in TOO_LARGE:
        return (
            f"The win could not be posted in <#{channel}>: Slack refused the post as too "
            "large, a fault on our side that has been logged. The win and the credits are "
            "recorded."
        )
    if error == NO_ANSWER:
        return (
            f"I couldn't reach Slack to post the win in <#{channel}> (this has been logged). "
            "The win and the credits are recorded."
        )
    return (
        f"Slack refused the post in <#{channel}> (`{safe_mrkdwn(error)}`). "
        "The win and the credits are recorded."
    )


def with_note(message: tuple[str, list[dict] | None], note: str) -> tuple[str, list[dict]]:
    """`message` with a short note after it, in its text and as a last line."""
    text, blocks = message
    return f"{text} {note}", [*(blocks or []), context_block(note)]


def format_money(value: Decimal, currency: str | None = None) -> str:
    return money(value, currency)


def queued_assist_message(recipient_ids: Sequence[str]) -> tuple[str, list[dict]]:
    """`/assist @ana …` while the bot is swamped: stored, and recorded a little later."""
    return note_message(
        f"I'm busy right now, so your assist for {named(recipient_ids, NOTIFICATION_ROOM)} "
        "is queued: it will be recorded within a few minutes and I'll confirm it here. "
        "No need to send it again."
    )


def queue_refused_message() -> tuple[str, list[dict]]:
    """`/assist @ana …` while the bot is swamped and cannot even store it."""
    return note_message(
        "I'm swamped right now and could not take your assist, so nothing was recorded. "
        "Please send it again in a minute."
    )


def queued_assist_lost_text(recipient_ids: Sequence[str], description: str, why: str) -> str:
    """A queued `/assist` that could not be recorded after all: what to send again."""
    return (
        f"Sorry: your queued assist for {named(recipient_ids, NOTIFICATION_ROOM)} "
        f"(“{truncate(safe_mrkdwn(description), EXCERPT)}”) could not be recorded "
        f"({truncate(safe_mrkdwn(why), EXCERPT)}). Please send it again with `/assist`."
    )

"""Block Kit for logging assists and wins: the modals and the messages that follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.blocks.kit import (
    actions_block,
    button,
    checkbox_input,
    context_block,
    deal_value_input,
    fields_section,
    header_block,
    modal,
    mrkdwn_section,
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
from models.assists import MAX_LENGTHS, AssistInfo, Kind, LimitReached, Refusal, Stage

ASSIST_MODAL = "assist_modal"
ASSIST_DETAILS_MODAL = "assist_details"
WIN_MODAL = "win_modal"
ADD_DETAILS_ACTION = "assist_add_details"
# The stage picker on the confirmation of a quick `/assist @x …`: one click, no form.
STAGE_ACTION = "assist_set_stage"
OPEN_ASSIST_MODAL_ACTION = "assist_open_modal"

# Kinds a person logs by hand; referrals, sessions and lessons have flows of their own.
LOGGABLE_KINDS = (Kind.ASSIST, Kind.SERVICE, Kind.INSIGHT, Kind.WIN)

USAGE = (
    "To log an assist, type `/assist` to open the form, or "
    "`/assist @someone what they did` to credit them right away."
)
REPEATED = "You sent this a moment ago too; it is recorded once, and nobody was told twice."

# How many characters a list of people, or of refusals, may take in one block: Slack
# refuses a text over 3,000, and one win can credit hundreds of people.
PEOPLE_ROOM = 2000
NOTES_ROOM = 2000


@dataclass(frozen=True)
class AssistFields:
    """What the assist form shows, prefilled when editing."""

    kind: str = Kind.ASSIST.value
    stage: str | None = None
    customer: str | None = None
    description: str = ""
    crm_url: str | None = None
    is_private: bool = False


def _lines_within(lines: Sequence[str], room: int) -> str:
    """`lines`, one a line, as many as fit in `room` characters, then how many were left."""
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > room - 60:
            break
        kept.append(line)
    if left := len(lines) - len(kept):
        kept.append(f"…and {plural(left, 'more person', 'more people')} couldn't be credited.")
    return "\n".join(kept)


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


def assist_modal(channel_id: str | None, recipients: Sequence[str] = ()) -> dict:
    """The `/assist` form: who helped, how, at which stage, for which customer."""
    fields = AssistFields(is_private=opened_privately(channel_id))
    return modal(
        ASSIST_MODAL,
        "Log an assist",
        [people_input("recipients", "Who helped?", recipients), *_detail_inputs(fields)],
        submit="Credit them",
        metadata={"channel_id": channel_id},
    )


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
        [context_block(f"Credited: {people_named(info.credited)}"), *_detail_inputs(fields)],
        submit="Save",
        metadata={"assist_id": info.id, "channel_id": channel_id},
    )


def win_modal(channel_id: str | None) -> dict:
    """The `/win` form: the customer, the deal, the people who helped and the story."""
    quiet = option("private", "Celebrate without quoting the story")
    blocks = [
        text_input("customer", "Customer", max_length=MAX_LENGTHS["customer"]),
        deal_value_input(),
        select_input(
            "stage", "Stage of the sales loop", _stage_options(), initial=Stage.SALE.value
        ),
        people_input("recipients", "Who helped win it?"),
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


def warning_text(lines: Sequence[str]) -> str:
    """A short warning for one person: every reason, on one line."""
    return ":warning: " + " ".join(lines)


def refusal_text(refused: Sequence[tuple[str, Refusal]], limit: LimitReached | None) -> str:
    """The giver's answer when nobody was credited: why not."""
    return warning_text(refusal_lines(refused, limit) or ["Nobody was credited."])


def reaction_lost_lines(emoji: str, why: str) -> list[str]:
    """Why a reaction's credit was given up on, and how to try again."""
    return [
        f"I couldn't record your :{emoji}: on that message ({why}).",
        "Remove the reaction and add it again to try once more.",
    ]


def _summary(info: AssistInfo, show_unset_stage: bool = True) -> str:
    parts = [f"{kind_emoji(info.kind)} {kind_label(info.kind)}"]
    if info.stage or show_unset_stage:
        parts.append(stage_label(info.stage))
    if info.customer:
        parts.append(safe_mrkdwn(info.customer))
    return " · ".join(parts)


def _detail_actions(info: AssistInfo) -> dict:
    elements: list[dict] = []
    if not info.stage:
        stages = [option(f"{info.id}:{s.value}", stage_label(s.value)) for s in Stage]
        elements.append(static_select(STAGE_ACTION, stages, "Which stage of the loop?"))
    elements.append(button(ADD_DETAILS_ACTION, "Add details", value=str(info.id)))
    return actions_block(elements)


def assist_confirmation(
    info: AssistInfo,
    refused: Sequence[tuple[str, Refusal]] = (),
    *,
    offer_details: bool,
    repeated: bool = False,
) -> tuple[str, list[dict]]:
    """Ephemeral answer to the giver: what was recorded, what was not, and a way to add details.

    `repeated`: the same assist came in again (a retry); it was recorded once."""
    text = f":white_check_mark: You credited {people_named(info.credited)}"
    if info.description:
        text += f" for “{truncate(safe_mrkdwn(info.description), 300)}”"
    blocks = [mrkdwn_section(text), context_block(_summary(info))]
    if repeated:
        blocks.append(context_block(REPEATED))
    if notes := refusal_lines(refused, None):
        blocks.append(context_block(_lines_within(notes, NOTES_ROOM)))
    if offer_details:
        blocks.append(_detail_actions(info))
    return text, blocks


def details_saved(info: AssistInfo) -> tuple[str, list[dict]]:
    """The giver's answer once the details form is saved: the assist as it now stands."""
    _, blocks = assist_confirmation(info, offer_details=False)
    return "Saved the details of your assist.", blocks


def credit_notice(info: AssistInfo) -> tuple[str, list[dict]]:
    """The DM a credited person receives: who credited them and for what."""
    emoji = kind_emoji(info.kind)
    if info.source == "session":
        text = f"{emoji} Thanks for presenting! You {safe_mrkdwn(info.description)}; that's a session credit."
        return text, [mrkdwn_section(text)]
    if info.source == "reaction":
        where = f" in <#{info.channel_id}>" if info.channel_id else ""
        link = f"<{info.permalink}|your message>" if info.permalink else "your message"
        text = f"{mention(info.giver_id)} reacted to {link}{where}: that's a credit to you"
    else:
        text = f"{mention(info.giver_id)} credited you"
    if info.kind == Kind.WIN and info.customer:
        text += f" for helping win *{safe_mrkdwn(info.customer)}*"
    if info.description:
        text += f": “{truncate(safe_mrkdwn(info.description), 500)}”"
    text = f"{emoji} {text}"
    return text, [mrkdwn_section(text), context_block(_summary(info, show_unset_stage=False))]


def win_celebration(info: AssistInfo) -> tuple[str, list[dict]]:
    """The public post for a customer win; private stories are not quoted."""
    thanks = people_named(info.credited)
    fields = [f"*Stage*\n{stage_label(info.stage)}"]
    if info.deal_value is not None:
        fields.append(f"*Deal value*\n{format_money(info.deal_value)}")
    story = (
        PRIVATE_PLACEHOLDER if info.is_private else truncate(safe_mrkdwn(info.description), 2500)
    )
    blocks = [
        header_block(f"🏆 We won {info.customer or 'a customer'}!"),
        mrkdwn_section(story),
        fields_section(fields),
        context_block(f"Thanks to {thanks} · logged by {mention(info.giver_id)}"),
    ]
    customer = safe_mrkdwn(info.customer or "a customer")
    return f":trophy: We won {customer}! Thanks to {thanks}", blocks


def celebration_note(channel: str | None, error: str | None = None) -> str:
    """What became of the win's public post, for the person who logged it."""
    if not channel:
        return "No recognition channel is set up (RECOGNITION_CHANNEL), so the win was not posted."
    if error:
        return f"I couldn't post in <#{channel}> ({error}); invite me there."
    return f"Celebrated in <#{channel}>."


def with_note(message: tuple[str, list[dict] | None], note: str) -> tuple[str, list[dict]]:
    """`message` with a short note after it, in its text and as a last line."""
    text, blocks = message
    return f"{text} {note}", [*(blocks or []), context_block(note)]


def format_money(value: Decimal, currency: str | None = None) -> str:
    return money(value, currency)

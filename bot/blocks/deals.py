"""Block Kit for deals won in the CRM: the owner's one-tap confirmation of who helped,
its reminder and the manager's ask, the edit form, and the revenue by department."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks.kit import (
    PICKER_LIMIT,
    actions_block,
    button,
    context_block,
    header_block,
    input_block,
    modal,
    mrkdwn_section,
    mrkdwn_sections,
    note_message,
    plain_text,
)
from bot.blocks.text import mention, money, people_named, plural, safe_mrkdwn, truncate
from models.deals import ChainLink, DealInfo, DepartmentRevenue, Help, HelpEvidence, PersonDeals

CONFIRM_ACTION = "crm_deal_confirm"
EDIT_ACTION = "crm_deal_edit"
EDIT_MODAL = "crm_deal_edit"
OPEN_ACTION = "crm_deal_open"
CHAIN_SHOWN = 20  # people listed with their reasons; the rest are counted


def deal_value(deal: DealInfo) -> str:
    return money(deal.amount, deal.currency) if deal.amount is not None else "no value given"


def _date(when: datetime) -> str:
    return f"{when:%-d %b}"


def reason(evidence: HelpEvidence, customer: str) -> str:
    """Why someone is in the chain, in a few words: "referred it (3 Oct)"."""
    if evidence.kind == Help.REFERRED:
        what = "referred it"
    elif evidence.kind == Help.CREDITED and evidence.detail:
        what = f"was credited for “{truncate(safe_mrkdwn(evidence.detail), 80)}”"
    elif evidence.kind == Help.CREDITED:
        what = "was credited for work on it"
    else:
        what = f"credited others for work on {safe_mrkdwn(customer)}"
    return f"{what} ({_date(evidence.when)})"


def chain_lines(deal: DealInfo, chain: Sequence[ChainLink]) -> str:
    lines = [
        f"• {mention(link.user_id)} {reason(link.evidence[0], deal.customer)}"
        for link in chain[:CHAIN_SHOWN]
    ]
    if (more := len(chain) - CHAIN_SHOWN) > 0:
        lines.append(f"…and {plural(more, 'more person', 'more people')}, all included.")
    return "\n".join(lines)


def deal_request(
    deal: DealInfo,
    chain: Sequence[ChainLink],
    *,
    for_owner: str | None = None,
    reminder: bool = False,
) -> tuple[str, list[dict]]:
    """The DM asking to confirm who helped win a deal. `for_owner`: the deal's owner, when
    their manager is asked instead; `reminder`: the one reminder, three days on."""
    customer = safe_mrkdwn(deal.customer)
    intro = f":trophy: *{safe_mrkdwn(deal.name)}* for *{customer}* is won ({deal_value(deal)})!"
    if for_owner:
        intro = (
            f"{intro} {mention(for_owner)} hasn't confirmed who helped in a week, so I'm "
            "asking you, as their manager."
        )
    elif reminder:
        intro = f":wave: A reminder: {intro}"
    if chain:
        ask = (
            f"I found {plural(len(chain), 'person', 'people')} who helped with {customer} this "
            "past year. Confirm, and each is credited and thanked, and the win is celebrated:"
        )
    else:
        ask = (
            f"I found nobody credited for {customer} this past year. Add who helped, or "
            "confirm to celebrate the win as it is:"
        )
    blocks = [mrkdwn_section(intro), mrkdwn_section(ask)]
    if chain:
        blocks += mrkdwn_sections(chain_lines(deal, chain))
    elements = [
        button(
            CONFIRM_ACTION,
            f"Confirm all {len(chain)}" if chain else "Celebrate the win",
            str(deal.id),
            style="primary",
        ),
        button(EDIT_ACTION, "Add or remove people", str(deal.id)),
    ]
    if deal.url:
        elements.append(button(OPEN_ACTION, "Open in the CRM", url=deal.url))
    blocks.append(actions_block(elements, block_id=f"deal-{deal.id}"))
    return f"{deal.name} for {deal.customer} is won: who helped?", blocks


def deal_edit_modal(deal: DealInfo, chain: Sequence[ChainLink]) -> dict:
    """Who helped, preselected from the chain: remove anyone, add anyone missing."""
    chosen = [link.user_id for link in chain[:PICKER_LIMIT]]
    element: dict = {"type": "multi_users_select", "placeholder": plain_text("Choose people")}
    if chosen:
        element["initial_users"] = chosen
    note = f"*{safe_mrkdwn(deal.name)}* for *{safe_mrkdwn(deal.customer)}*, {deal_value(deal)}."
    if len(chain) > PICKER_LIMIT:
        note += f" The {PICKER_LIMIT} most involved of {len(chain)} are preselected."
    return modal(
        EDIT_MODAL,
        "Who helped win it?",
        [mrkdwn_section(note), input_block("helpers", "People to credit", element, optional=True)],
        submit="Confirm",
        metadata={"deal": deal.id},
    )


def deal_confirmed(
    deal: DealInfo, credited: Sequence[str], posted_note: str
) -> tuple[str, list[dict]]:
    """What replaces the request once it is confirmed."""
    who = people_named(list(credited), room=2000) if credited else "nobody else"
    text = (
        f":white_check_mark: Confirmed: *{safe_mrkdwn(deal.name)}* for "
        f"*{safe_mrkdwn(deal.customer)}* ({deal_value(deal)}) credits {who}."
    )
    return text, [mrkdwn_section(text), context_block(posted_note)]


def deal_refusal(why: str) -> tuple[str, list[dict]]:
    return note_message(why)


def revenue_blocks(rows: Sequence[DepartmentRevenue], label: str, shown: int = 15) -> list[dict]:
    """Sourced and influenced revenue per department, biggest first."""
    if not rows:
        return [mrkdwn_section(f"*Revenue, {label}*\nNo deals from the CRM yet.")]
    lines = [
        f"• *{safe_mrkdwn(r.department)}*: sourced {money(r.sourced, r.currency)} "
        f"({plural(r.deals_sourced, 'deal')}), influenced {money(r.influenced, r.currency)} "
        f"({plural(r.deals_influenced, 'deal')})"
        for r in rows[:shown]
    ]
    if (more := len(rows) - shown) > 0:
        lines.append(f"…and {plural(more, 'more department')}.")
    return [
        header_block(f"Revenue, {label}"),
        *mrkdwn_sections("\n".join(lines)),
        context_block(
            "Sourced: deals that came from a department's referral. Influenced: deals whose "
            "confirmed helpers include someone from it; each deal counts whole for every such "
            "department, never split, so the figures add up to more than the total."
        ),
    ]


def person_deals_line(deals: PersonDeals, label: str) -> str | None:
    """ "You helped win 3 deals worth 120,000 EUR this quarter"; None for none."""
    if not deals.count:
        return None
    worth = " and ".join(money(value, currency) for currency, value in deals.totals)
    return f"You helped win {plural(deals.count, 'deal')} worth {worth} {label}."


def unowned_deals_lines(deals: Sequence[DealInfo], shown: int = 10) -> str:
    """For admins: deals whose owner's email nobody in Slack has."""
    lines = [
        f"• *{safe_mrkdwn(d.name)}* ({safe_mrkdwn(d.customer)}): no one in Slack has "
        f"`{safe_mrkdwn(d.owner_email)}`"
        for d in deals[:shown]
    ]
    if (more := len(deals) - shown) > 0:
        lines.append(f"…and {plural(more, 'more deal')}.")
    return "\n".join(lines)

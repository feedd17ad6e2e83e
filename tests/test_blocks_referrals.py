"""Every referral builder, fed plain data up to the largest a person can type, checked with
slack_sdk's block models and Slack's documented limits, and for what a person would notice."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import bot.blocks.referrals as builders
from bot.blocks.referrals import (
    admins_only,
    age_label,
    card_not_sent,
    celebration_not_posted,
    closing_modal,
    manager_nudge,
    owner_reminder,
    reason_modal,
    reassign_modal,
    reassign_text,
    referral_card,
    referral_list,
    referral_modal,
    referral_not_sent,
    referral_sent,
    referral_won_post,
    referrals_message,
    referrer_update,
    referrer_update_text,
    refusal,
    refusal_text,
    won_modal,
)
from bot.blocks.text import safe_mrkdwn
from models.referrals import REFERRAL_LENGTHS, MoveOutcome, ReferralInfo, Refused, State
from tests.slack_limits import assert_message_ok, assert_view_ok

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
ANA, GINA, BEN = "UANA000001", "UGINA00001", "UBEN000001"
QUEUE = "CQUEUE0001"

WORDS = "They asked about SSO for 400 seats, a sandbox for their EU team and invoicing by PO. "
LONG_CONTEXT = (WORDS * 30)[: REFERRAL_LENGTHS["context"]]
# Quoting turns each & < > into an escape: 1,500 typed characters become far more.
MARKUP_CONTEXT = ("<R&D> & <QA> " * 120)[: REFERRAL_LENGTHS["context"]]
LONG_CUSTOMER = ("Globex International Holdings Europe " * 5)[: REFERRAL_LENGTHS["customer"]]
LONG_REASON = ("They renewed with a competitor on a three-year deal. " * 10)[:500]
# The largest a customer, a reason and a contact can grow once quoted: markup everywhere.
MARKUP_CUSTOMER = ("R&D <Labs> & Co " * 20)[: REFERRAL_LENGTHS["customer"]]
MARKUP_REASON = ("<R&D> & <QA> " * 60)[: REFERRAL_LENGTHS["reason"]]
MARKUP_CONTACT = ("Hank <IT> & " * 30)[: REFERRAL_LENGTHS["contact"]]


def info(**changes) -> ReferralInfo:
    base = ReferralInfo(
        id=12,
        referrer_id=GINA,
        owner_id=ANA,
        customer="Globex",
        need="expansion",
        urgency="high",
        context="They asked about SSO for 400 seats",
        contact="Hank, IT lead",
        crm_url="https://crm.example.com/accounts/42",
        is_private=False,
        state=State.NEW.value,
        created_at=NOW - timedelta(hours=30),
        assigned_at=NOW - timedelta(hours=30),
        state_changed_at=NOW - timedelta(hours=30),
        close_reason=None,
        deal_value=None,
        team_id="T0TEAM0001",
    )
    return replace(base, **changes)


def largest(**changes) -> ReferralInfo:
    return info(
        **{
            "id": 987654,
            "customer": LONG_CUSTOMER,
            "context": LONG_CONTEXT,
            "contact": "Hank " * (REFERRAL_LENGTHS["contact"] // 5),
            "crm_url": "https://crm.example.com/" + "a" * (REFERRAL_LENGTHS["crm_url"] - 24),
            "deal_value": Decimal("999999999999.99"),
            **changes,
        }
    )


def buttons(blocks: list[dict]) -> list[str]:
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def green(blocks: list[dict]) -> list[str]:
    """The buttons styled primary: the one next step."""
    return [
        e["text"]["text"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("style") == "primary"
    ]


def styled(blocks: list[dict]) -> set[str | None]:
    return {e.get("style") for b in blocks if b["type"] == "actions" for e in b["elements"]}


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


# --- the form and the modals ---


@pytest.mark.parametrize("has_queue", [True, False])
@pytest.mark.parametrize("channel", [None, "CGENERAL01", "D0DM000001"])
def test_the_referral_form(has_queue, channel):
    view = referral_modal(channel, has_queue=has_queue)
    assert_view_ok(view)
    assert view["callback_id"] == "referral_modal"
    assert json.loads(view["private_metadata"]) == {"channel_id": channel}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        "customer",
        "need",
        "urgency",
        "context",
        "contact",
        "crm_url",
        "owner",
        "privacy",
    ]
    assert {b["element"]["action_id"] for b in inputs.values()} == {"value"}
    assert inputs["context"]["element"]["max_length"] == REFERRAL_LENGTHS["context"]
    assert inputs["urgency"]["element"]["initial_option"]["value"] == "normal"
    # Without a queue the rep is required; from a DM the privacy box starts ticked.
    assert inputs["owner"]["optional"] is has_queue
    assert ("initial_options" in inputs["privacy"]["element"]) is (channel == "D0DM000001")


@pytest.mark.parametrize("target", [State.LOST, State.NOT_A_FIT, State.WON])
@pytest.mark.parametrize("make", [info, largest])
def test_the_closing_forms(target, make):
    referral = make()
    view = closing_modal(referral, target)
    assert_view_ok(view)
    assert json.loads(view["private_metadata"]) == {"id": referral.id, "state": target.value}
    field = next(b for b in view["blocks"] if b["type"] == "input")
    if target == State.WON:
        assert view == won_modal(referral)
        assert (view["callback_id"], field["block_id"]) == ("referral_won", "deal_value")
        assert field["optional"] is True
    else:
        assert view == reason_modal(referral, target)
        assert (view["callback_id"], field["block_id"]) == ("referral_reason", "reason")
        assert field["element"]["max_length"] == REFERRAL_LENGTHS["reason"]


@pytest.mark.parametrize("make", [info, largest])
def test_the_reassign_form(make):
    view = reassign_modal(make())
    assert_view_ok(view)
    assert view["callback_id"] == "referral_reassign"
    assert json.loads(view["private_metadata"]) == {"id": make().id}
    [owner] = view["blocks"]
    assert (owner["block_id"], owner["element"]["type"]) == ("owner", "users_select")


# --- the card ---

DM_BUTTONS = {
    State.NEW: ["Accept", "Contacted", "Won", "Lost", "Not a fit"],
    State.ACCEPTED: ["Contacted", "Won", "Lost", "Not a fit"],
    State.CONTACTED: ["Won", "Lost", "Not a fit"],
    State.WON: [],
    State.LOST: [],
    State.NOT_A_FIT: [],
}
# The green button is the next step, never Won on a referral nobody has accepted yet.
NEXT_STEP = {
    State.NEW: ["Accept"],
    State.ACCEPTED: ["Contacted"],
    State.CONTACTED: ["Won"],
    State.WON: [],
    State.LOST: [],
    State.NOT_A_FIT: [],
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("make", [info, largest])
def test_the_owners_card_offers_only_forward_moves(state, make):
    closed = state in {State.WON, State.LOST, State.NOT_A_FIT}
    referral = make(state=state.value, close_reason=LONG_REASON if closed else None)
    message = referral_card(referral, public=False)
    assert_message_ok(message)
    assert buttons(message[1]) == DM_BUTTONS[state]
    assert green(message[1]) == NEXT_STEP[state]
    assert styled(message[1]) <= {"primary", None}  # the others are plain
    retired = referral_card(referral, public=False, retired=True)
    assert_message_ok(retired)
    assert buttons(retired[1]) == [] and "handed to someone else" in json.dumps(retired[1])


@pytest.mark.parametrize("state", list(State))
def test_the_queue_post_offers_claim_until_someone_holds_it(state):
    waiting = referral_card(info(state=state.value, owner_id=None), public=True)
    held = referral_card(info(state=state.value), public=True)
    assert_message_ok(waiting)
    assert_message_ok(held)
    open_ = state in {State.NEW, State.ACCEPTED, State.CONTACTED}
    assert buttons(waiting[1]) == (["Claim", "Reassign"] if open_ else [])
    assert buttons(held[1]) == (["Reassign"] if open_ else [])


def test_a_new_referral_card_tells_the_owner_who_passed_it():
    text, _ = referral_card(info(), public=False)
    assert text == f"<@{GINA}> passed you a referral: Globex (expansion or upsell, high urgency)"
    assert referral_card(info(), public=True)[0] == "Referral #12 for Globex: New"


def status(blocks: list[dict]) -> str:
    return next(
        b["elements"][0]["text"]
        for b in blocks
        if b["type"] == "context" and "since" in b["elements"][0]["text"]
    )


@pytest.mark.parametrize("state", [State.NEW, State.ACCEPTED, State.WON])
def test_the_owners_own_card_says_it_is_with_them_and_the_others_name_the_holder(state):
    referral = info(state=state.value)
    mine = status(referral_card(referral, public=False)[1])
    assert " · with you · " in mine and ANA not in mine
    queue = status(referral_card(referral, public=True)[1])
    assert f" · held by <@{ANA}> · " in queue
    # The card of an owner it was taken from names who holds it now.
    retired = status(referral_card(replace(referral, owner_id=BEN), public=False, retired=True)[1])
    assert f" · held by <@{BEN}> · " in retired
    waiting = status(referral_card(replace(referral, owner_id=None), public=True)[1])
    assert "waiting for a rep to claim it" in waiting


@pytest.mark.parametrize("make", [info, largest])
def test_a_private_referrals_context_and_any_contact_stay_off_the_public_card(make):
    referral = make(is_private=True, context="the CFO said budget doubles")
    public = json.dumps(referral_card(referral, public=True))
    assert "budget doubles" not in public and "Details are private" in public
    assert referral.contact not in public
    assert "budget doubles" in json.dumps(referral_card(referral, public=False))


@pytest.mark.parametrize("context", [LONG_CONTEXT, MARKUP_CONTEXT])
def test_the_longest_context_is_shown_whole_never_cut_mid_word(context):
    text, blocks = referral_card(largest(context=context), public=False)
    assert_message_ok((text, blocks))
    shown = section_texts(blocks)
    assert len(shown) > 1 if len(safe_mrkdwn(context)) > 2900 else len(shown) == 1
    assert " ".join(shown).split() == safe_mrkdwn(context).split()


def test_a_card_without_context_says_so():
    _, blocks = referral_card(info(context=""), public=False)
    assert "_no context given_" in section_texts(blocks)


def test_the_header_of_the_longest_customer_ends_at_a_word():
    _, blocks = referral_card(largest(), public=False)
    header = blocks[0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")
    assert header[:-1].rstrip().split()[-1] in LONG_CUSTOMER.split()


# --- what the referrer, the channel and the reps hear ---


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("make", [info, largest])
def test_the_referrer_hears_each_move(state, make):
    closed = state in {State.WON, State.LOST, State.NOT_A_FIT}
    referral = make(state=state.value, close_reason=LONG_REASON if closed else None)
    text, blocks = referrer_update(referral, ANA)
    assert_message_ok((text, blocks))
    assert text == referrer_update_text(referral, ANA) and text.endswith(
        "Thanks for passing it on."
    )
    if closed:
        assert "They renewed with a competitor" in text and len(text) < 1000


@pytest.mark.parametrize("make", [info, largest])
def test_the_won_post_celebrates_without_private_words(make):
    message = referral_won_post(make(state="won", deal_value=Decimal("25000")))
    assert_message_ok(message)
    assert "spotted it" in message[0] and "25,000" in json.dumps(message[1])
    secret = referral_won_post(make(state="won", is_private=True, context="budget doubles"))
    assert_message_ok(secret)
    assert "budget doubles" not in json.dumps(secret) and "private conversation" in str(secret)


def test_the_won_post_shortens_a_long_story_at_a_word():
    _, blocks = referral_won_post(largest(state="won", context=MARKUP_CONTEXT))
    story = blocks[1]["elements"][0]["text"]
    assert story.endswith("…") and story.count("&") == story.count(";")


@pytest.mark.parametrize("problem", [None, "not_in_channel"])
@pytest.mark.parametrize("owner", [ANA, None])
@pytest.mark.parametrize("skipped", [None, BEN])
def test_the_referrer_hears_where_it_went(problem, owner, skipped):
    referral = largest(owner_id=owner, queue_channel_id=None if owner else QUEUE)
    text, blocks = referral_sent(referral, problem, skipped)
    assert_message_ok((text, blocks))
    assert safe_mrkdwn(LONG_CUSTOMER) in text
    assert ("couldn't" in text) is (problem is not None)
    assert (f"<@{BEN}> can't take referrals" in text) is (skipped is not None)
    if owner is None:
        assert f"<#{QUEUE}>" in text


def test_with_nowhere_to_send_it_nothing_is_sent():
    text, blocks = referral_not_sent(BEN)
    assert_message_ok((text, blocks))
    assert text.endswith("Nothing was sent: there is no referrals channel.")
    assert referral_not_sent(None)[0] == "Nothing was sent: there is no referrals channel."


def test_my_referrals_lists_both_kinds():
    passed = [info(id=1), info(id=2, owner_id=None)]
    owned = [info(id=3, referrer_id=BEN)]
    text, blocks = referrals_message(passed, owned, NOW)
    assert_message_ok((text, blocks))
    assert referral_list(passed, owned, NOW) == blocks
    assert "*Globex*: New · <@UANA000001>" in blocks[1]["text"]["text"]
    assert "the queue" in blocks[1]["text"]["text"]
    assert "<@UBEN000001> · 30 hours old" in blocks[2]["text"]["text"]
    assert "_none_" in json.dumps(referrals_message([], [], NOW)[1])


def test_two_hundred_referrals_of_the_longest_customer_fit_and_say_how_many_more():
    many = [largest(id=n, state=list(State)[n % 6].value) for n in range(200)]
    text, blocks = referrals_message(many, many, NOW)
    assert_message_ok((text, blocks))
    shown = "\n".join(section_texts(blocks))
    assert shown.count("_…and 180 more._") == 2
    lines = [line for line in shown.splitlines() if line.startswith(":")]
    assert len(lines) == 2 * 20
    assert all(safe_mrkdwn(LONG_CUSTOMER) in line for line in lines)  # no line cut


@pytest.mark.parametrize("refused", list(Refused))
@pytest.mark.parametrize("owner", [ANA, None])
def test_every_refusal_is_explained(refused, owner):
    outcome = MoveOutcome(largest(owner_id=owner, state="contacted"), refused, State.CONTACTED)
    text, blocks = refusal(outcome, State.ACCEPTED)
    assert_message_ok((text, blocks))
    assert text == refusal_text(outcome, State.ACCEPTED)
    gone = refusal(MoveOutcome(None, Refused.NOT_FOUND), State.WON)
    assert gone[0] == "That referral no longer exists."


def test_admins_only_and_the_reassign_answers():
    assert_message_ok(admins_only())
    assert admins_only()[0] == "Only admins can reassign referrals."
    moved = MoveOutcome(largest(owner_id=BEN), None, State.NEW, previous_owner=ANA)
    assert reassign_text(moved).endswith(f"is now with <@{BEN}>.")
    refused = MoveOutcome(info(), Refused.NOT_ADMIN, State.NEW)
    assert reassign_text(refused) == "Only admins can reassign referrals."
    assert reassign_text(None) == "Choose an active person to hand the referral to."


@pytest.mark.parametrize("make", [info, largest])
def test_the_owner_reminder_and_the_manager_nudge(make):
    referral = make(assigned_at=NOW - timedelta(days=3))
    reminder = owner_reminder([referral], NOW)
    nudge = manager_nudge([referral], NOW)
    assert_message_ok(reminder)
    assert_message_ok(nudge)
    assert "has waited 3 days" in reminder[0] and "buttons" in reminder[0]
    assert f"<@{ANA}> has had the referral" in nudge[0] and "without accepting it" in nudge[0]


def test_300_late_referrals_are_one_reminder_and_one_nudge_that_say_how_many_more():
    late = [
        largest(id=n, customer=MARKUP_CUSTOMER, assigned_at=NOW - timedelta(hours=49 + n))
        for n in range(300)
    ]
    for build in (owner_reminder, manager_nudge):
        text, blocks = build(late, NOW)
        assert_message_ok((text, blocks))
        shown = "\n".join(section_texts(blocks))
        lines = [line for line in shown.splitlines() if line.startswith("• ")]
        assert len(lines) == 15 and "_…and 285 more._" in shown
        assert text.startswith((":hourglass: 300 referrals", ":wave: 300 referrals"))
        # The longest waiting first, every customer whole.
        assert "14 days" in lines[0] and "2 days" not in lines[0]
        assert all(safe_mrkdwn(MARKUP_CUSTOMER) in line for line in lines)
    two = owner_reminder(late[:2], NOW)[1]
    assert "2 referrals have waited" in section_texts(two)[0] and "more" not in str(two)


def test_ages_read_as_people_say_them():
    hours = (59 * 60, 3600, 5 * 3600, 47 * 3600, 50 * 3600, 24 * 3600 * 400)
    assert [age_label(s) for s in hours] == [
        "under an hour",
        "1 hour",
        "5 hours",
        "47 hours",
        "2 days",
        "400 days",
    ]


def test_every_public_builder_is_checked_here():
    public = {
        name
        for name, value in inspect.getmembers(builders, inspect.isfunction)
        if value.__module__ == builders.__name__ and not name.startswith("_")
    }
    assert public <= set(globals()), sorted(public - set(globals()))


# --- money in the workspace's currency ---


def test_deal_values_name_the_currency():
    won = largest(state="won", deal_value=Decimal("120000"))
    [field] = [b for b in won_modal(won, "EUR")["blocks"] if b["type"] == "input"]
    assert field["label"]["text"] == "Deal value (EUR)"
    assert closing_modal(won, State.WON, "EUR") == won_modal(won, "EUR")
    card = json.dumps(referral_card(won, public=False, currency="EUR")[1])
    assert "*Deal value*\\n120,000 EUR" in card
    assert (
        "*Globex* is won! (120,000 EUR)"
        in referral_won_post(info(**_won()), "EUR")[1][0]["text"]["text"]
    )
    update = referrer_update_text(info(**_won()), ANA, "EUR")
    assert f"was won by <@{ANA}>, a deal of 120,000 EUR! You've been credited." in update
    # Without a value, nothing about money is said.
    assert "deal of" not in referrer_update_text(info(state="won"), ANA, "EUR")
    assert "(" not in referral_won_post(info(state="won"), "EUR")[1][0]["text"]["text"]


def _won() -> dict:
    return {"state": "won", "deal_value": Decimal("120000")}


# --- what Slack refused, told truly ---

REFUSED = [
    # (Slack's error, is it the queue?, what the referrer reads after "is saved, but ")
    ("not_in_channel", True, f"I couldn't post it in <#{QUEUE}>: please invite me to <#{QUEUE}>."),
    (
        "channel_not_found",
        True,
        f"I couldn't post it in <#{QUEUE}>: please invite me to <#{QUEUE}>.",
    ),
    (
        "invalid_blocks",
        True,
        f"it could not be posted in <#{QUEUE}> (the problem has been logged).",
    ),
    ("msg_too_long", True, f"it could not be posted in <#{QUEUE}> (the problem has been logged)."),
    ("is_archived", True, f"I couldn't post it in <#{QUEUE}>: Slack answered `is_archived`."),
    ("msg_too_long", False, f"it could not be sent to <@{ANA}> (the problem has been logged)."),
    (
        "not_in_channel",
        False,
        f"I couldn't send it to <@{ANA}>: Slack answered `not_in_channel`; an admin can hand "
        "it to another rep with `/sells referrals reassign 12 @rep`.",
    ),
    (
        "user_disabled",
        False,
        f"I couldn't send it to <@{ANA}>: Slack answered `user_disabled`; an admin can hand "
        "it to another rep with `/sells referrals reassign 12 @rep`.",
    ),
]


@pytest.mark.parametrize("error, queue, told", REFUSED)
def test_the_referrer_hears_why_slack_refused_the_card(error, queue, told):
    referral = info(owner_id=None, queue_channel_id=QUEUE) if queue else info()
    text, blocks = referral_sent(referral, error)
    assert_message_ok((text, blocks))
    assert text == f":incoming_envelope: Your referral for *Globex* is saved, but {told}"


def test_an_odd_error_is_named_without_breaking_the_text():
    text, _ = referral_sent(info(), "weird `code` <!channel> " + "x" * 300)
    assert "`weird 'code' " in text and "<!channel>" not in text and len(text) < 500


@pytest.mark.parametrize(
    "error, told",
    [
        ("not_in_channel", "I couldn't post the celebration in <#CRECOG0001>: please invite me"),
        ("msg_too_long", "the celebration could not be posted in <#CRECOG0001> (the problem"),
        ("ratelimited", "I couldn't post the celebration in <#CRECOG0001>: Slack answered"),
    ],
)
@pytest.mark.parametrize("make", [info, largest])
def test_the_rep_hears_why_the_celebration_was_not_posted(make, error, told):
    text, blocks = celebration_not_posted(make(state="won"), "CRECOG0001", error)
    assert_message_ok((text, blocks))
    assert text.startswith("The win for *") and "is saved, but " + told in text


@pytest.mark.parametrize("make", [info, largest])
def test_the_claimer_and_the_admin_hear_when_the_card_did_not_reach_the_rep(make):
    referral = make(owner_id=BEN)
    text, blocks = card_not_sent(referral, "invalid_blocks")
    assert_message_ok((text, blocks))
    assert text.endswith(
        "is yours, but its card could not be sent to you (the problem has been logged)."
    )
    moved = MoveOutcome(referral, None, State.NEW, previous_owner=ANA)
    told = reassign_text(moved, "user_disabled")
    assert told.endswith(
        f"is now with <@{BEN}>, but I couldn't send its card to <@{BEN}>: Slack answered `user_disabled`."
    )


def test_a_refusal_tells_the_holder_it_is_with_them():
    outcome = MoveOutcome(info(state="accepted"), Refused.ALREADY, State.ACCEPTED)
    assert refusal_text(outcome, State.ACCEPTED, ANA) == (
        "Nothing to do: this referral is already accepted and with you."
    )
    assert refusal_text(outcome, State.ACCEPTED, BEN).endswith(f"and held by <@{ANA}>.")
    # Reassigning to the rep who holds it: the admin hears who that is.
    assert reassign_text(outcome) == f"Nothing to do: <@{ANA}> already holds this referral."


def test_the_referrer_reads_the_whole_reason():
    text = referrer_update_text(largest(state="lost", close_reason=LONG_REASON), ANA)
    assert f"“{LONG_REASON}”" in text


# --- the largest of every builder, at the sizes of a real company ---


def biggest(**changes) -> ReferralInfo:
    """Every field at its longest, and the text that grows most once quoted."""
    return largest(
        **{
            "customer": MARKUP_CUSTOMER,
            "context": MARKUP_CONTEXT,
            "contact": MARKUP_CONTACT,
            "deal_value": Decimal("999999999999.99"),
            "queue_channel_id": QUEUE,
            **changes,
        }
    )


def closed(state: State, **changes) -> ReferralInfo:
    return biggest(state=state.value, close_reason=MARKUP_REASON, **changes)


HELD = [closed(list(State)[n % 6], id=9_000_000 + n) for n in range(500)]
LATE = [biggest(id=9_000_000 + n, assigned_at=NOW - timedelta(hours=49 + n)) for n in range(300)]
CURRENCY = "EUR"

# Each public builder: every way of calling it at its largest (a message or a view).
LARGEST = {
    "referral_modal": lambda: [
        referral_modal(c, has_queue=q) for c in ("D0DM000001", None) for q in (True, False)
    ],
    "reason_modal": lambda: [reason_modal(biggest(), t) for t in (State.LOST, State.NOT_A_FIT)],
    "won_modal": lambda: [won_modal(biggest(), CURRENCY)],
    "closing_modal": lambda: [
        closing_modal(biggest(), t, CURRENCY) for t in (State.WON, State.LOST)
    ],
    "reassign_modal": lambda: [reassign_modal(biggest())],
    "referral_card": lambda: [
        referral_card(closed(s, owner_id=o, is_private=p), public=pub, retired=r, currency=CURRENCY)
        for s in State
        for o in (ANA, None)
        for p in (True, False)
        for pub in (True, False)
        for r in (True, False)
    ],
    "referrer_update": lambda: [referrer_update(closed(s), ANA, CURRENCY) for s in State],
    "referrer_update_text": lambda: [
        (referrer_update_text(closed(s), ANA, CURRENCY), None) for s in State
    ],
    "referral_won_post": lambda: [
        referral_won_post(biggest(state="won", is_private=p), CURRENCY) for p in (True, False)
    ],
    "referral_sent": lambda: [
        referral_sent(biggest(owner_id=o, queue_channel_id=None if o else QUEUE), e, s)
        for o in (ANA, None)
        for e in (None, "not_in_channel", "msg_too_long", "x" * 300)
        for s in (None, BEN)
    ],
    "referral_not_sent": lambda: [referral_not_sent(s) for s in (None, BEN)],
    "celebration_not_posted": lambda: [
        celebration_not_posted(biggest(state="won"), RECOGNITION_ID, e)
        for e in ("not_in_channel", "x" * 300)
    ],
    "card_not_sent": lambda: [card_not_sent(biggest(), e) for e in ("msg_too_long", "x" * 300)],
    "referrals_message": lambda: [referrals_message(HELD, HELD, NOW)],
    "referral_list": lambda: [("Your referrals", referral_list(HELD, HELD, NOW))],
    "refusal": lambda: [
        refusal(MoveOutcome(biggest(owner_id=o), r, State.NEW), t, ANA)
        for r in Refused
        for o in (ANA, None)
        for t in (State.NOT_A_FIT, None)
    ],
    "refusal_text": lambda: [
        (refusal_text(MoveOutcome(biggest(), r, State.NEW), State.WON), None) for r in Refused
    ],
    "admins_only": lambda: [admins_only()],
    "reassign_text": lambda: [
        (reassign_text(MoveOutcome(biggest(), None, State.NEW), e), None) for e in (None, "x" * 300)
    ],
    "owner_reminder": lambda: [owner_reminder(LATE, NOW), owner_reminder(LATE[:1], NOW)],
    "manager_nudge": lambda: [manager_nudge(LATE, NOW), manager_nudge(LATE[:1], NOW)],
    "age_label": lambda: [(age_label(s), None) for s in (0, 3600, 10**9)],
}
RECOGNITION_ID = "CRECOG0001"


def size(payload) -> tuple[int, int]:
    """(blocks, characters): the top-level text and the JSON of the blocks, or of the view."""
    if isinstance(payload, dict):
        return len(payload["blocks"]), len(json.dumps(payload, ensure_ascii=False))
    text, blocks = payload
    return len(blocks or []), len(text) + len(json.dumps(blocks or [], ensure_ascii=False))


@pytest.mark.parametrize("name", sorted(LARGEST))
def test_the_largest_of_every_builder_is_within_slacks_limits(name):
    payloads = LARGEST[name]()
    for payload in payloads:
        if isinstance(payload, dict):
            assert_view_ok(payload)
        else:
            assert_message_ok(payload)
        assert "None" not in json.dumps(payload)  # no missing value shown as words
    blocks, characters = max(size(p) for p in payloads)
    assert blocks <= 50 and characters < 40_000


def test_every_public_builder_has_its_largest_case():
    public = {
        name
        for name, value in inspect.getmembers(builders, inspect.isfunction)
        if value.__module__ == builders.__name__ and not name.startswith("_")
    }
    assert public == set(LARGEST), sorted(public ^ set(LARGEST))


def test_nothing_at_its_largest_is_cut_mid_word():
    referral = biggest()
    header = referral_card(referral, public=False)[1][0]["text"]["text"]
    label = reassign_modal(referral)["blocks"][0]["label"]["text"]
    story = referral_won_post(referral)[1][1]["elements"][0]["text"]
    for shortened, whole in [
        (header, f"Referral #{referral.id}: {MARKUP_CUSTOMER}"),
        (label, f"New owner for {MARKUP_CUSTOMER}"),
        (story, f"The referral: {safe_mrkdwn(MARKUP_CONTEXT)}"),
    ]:
        assert shortened.endswith("…")
        kept = shortened[:-1].rstrip()
        assert whole.startswith(kept) and whole[len(kept)] == " "
    # Lists keep every customer whole and say how many more.
    text = "\n".join(section_texts(referrals_message(HELD, HELD, NOW)[1]))
    lines = [line for line in text.splitlines() if line.startswith(":")]
    assert len(lines) == 40 and all(safe_mrkdwn(MARKUP_CUSTOMER) in line for line in lines)
    assert text.count("_…and 480 more._") == 2

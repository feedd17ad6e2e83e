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


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("make", [info, largest])
def test_the_owners_card_offers_only_forward_moves(state, make):
    closed = state in {State.WON, State.LOST, State.NOT_A_FIT}
    referral = make(state=state.value, close_reason=LONG_REASON if closed else None)
    message = referral_card(referral, public=False)
    assert_message_ok(message)
    assert buttons(message[1]) == DM_BUTTONS[state]
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
    assert (
        text
        == f"<@{GINA}> passed you a referral: Globex (expansion or upsell, high :fire: urgency)"
    )
    assert referral_card(info(), public=True)[0] == "Referral #12 for Globex: New"


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
    assert "<@UBEN000001> · 30 h old" in blocks[2]["text"]["text"]
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
    reminder = owner_reminder(referral, NOW)
    nudge = manager_nudge(referral, NOW)
    assert_message_ok(reminder)
    assert_message_ok(nudge)
    assert "has waited 3 days" in reminder[0] and "buttons" in reminder[0]
    assert f"<@{ANA}> has had the referral" in nudge[0] and "without accepting it" in nudge[0]


def test_ages_read_as_people_say_them():
    assert [age_label(s) for s in (59 * 60, 5 * 3600, 47 * 3600, 50 * 3600)] == [
        "under an hour",
        "5 h",
        "47 h",
        "2 days",
    ]


def test_every_public_builder_is_checked_here():
    public = {
        name
        for name, value in inspect.getmembers(builders, inspect.isfunction)
        if value.__module__ == builders.__name__ and not name.startswith("_")
    }
    assert public <= set(globals()), sorted(public - set(globals()))

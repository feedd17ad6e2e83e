"""Every builder of bot/blocks/assists.py, at everyday and at extreme sizes, checked
against what Slack accepts (slack_sdk's block models and the documented limits)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.blocks.assists import (
    ADD_DETAILS_ACTION,
    ASSIST_DETAILS_MODAL,
    ASSIST_MODAL,
    OPEN_ASSIST_MODAL_ACTION,
    STAGE_ACTION,
    WIN_MODAL,
    assist_confirmation,
    assist_details_modal,
    assist_modal,
    assist_usage,
    celebration_note,
    credit_notice,
    details_saved,
    format_money,
    opened_privately,
    people_named,
    reaction_lost_lines,
    refusal_lines,
    refusal_text,
    warning_text,
    win_celebration,
    win_modal,
    with_note,
)
from bot.blocks.text import PRIVATE_PLACEHOLDER
from models.assists import MAX_LENGTHS, AssistInfo, LimitReached, Refusal
from tests.slack_limits import SECTION_TEXT, assert_message_ok, assert_view_ok

GIVER = "UGIVER0001"
CROWD = tuple(f"U{n:09d}" for n in range(300))  # one win can thank a whole department
# 1,500 characters, with text Slack would read as markup and a would-be broadcast.
STORY = ("R&D <Labs> tuned the demo for <!here> & the CFO; " * 40)[: MAX_LENGTHS["description"]]
CUSTOMER = ("Acme & <Sons> " * 20)[: MAX_LENGTHS["customer"]]


def assist(**changes: object) -> AssistInfo:
    """A quick assist from the giver to Ana, as the builders receive it."""
    base = AssistInfo(
        id=41,
        giver_id=GIVER,
        kind="assist",
        stage=None,
        customer=None,
        description="tuned the demo for Acme",
        crm_url=None,
        deal_value=None,
        source="command",
        channel_id="CGENERAL01",
        permalink=None,
        is_private=False,
        credited=("UANA000001",),
    )
    return replace(base, **changes)


def crowded(**changes: object) -> AssistInfo:
    """The largest assist a form lets through: every field full, 300 people credited."""
    full = {
        "id": 2_147_483_647,
        "kind": "win",
        "stage": "sale",
        "customer": CUSTOMER,
        "description": STORY,
        "crm_url": "https://crm.example.com/deals/" + "9" * 400,
        "deal_value": Decimal("999999999999.99"),
        "source": "modal",
        "credited": CROWD,
    }
    return assist(**{**full, **changes})


def texts(value: object) -> list[str]:
    """Every text object's text, at any depth of a message or view."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") in {"mrkdwn", "plain_text"} else []
        return own + [t for item in value.values() for t in texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    return []


def assert_fits(message: tuple[str, list[dict] | None]) -> None:
    """assert_message_ok, plus Slack's 3,000 characters for any text object (a context
    block's text too, which slack_sdk's models do not check)."""
    assert_message_ok(message)
    assert [t for t in texts(message[1]) if len(t) > SECTION_TEXT] == []


def whole_mentions(text: str) -> bool:
    """No mention cut short: each `<@` is closed by its `>`."""
    return text.count("<@") == len(re.findall(r"<@[UW][A-Z0-9]+>", text))


def test_the_assist_form_fits_and_starts_private_only_in_a_dm():
    in_dm = assist_modal("DGINA00001", CROWD)
    assert_view_ok(in_dm)
    assert in_dm["callback_id"] == ASSIST_MODAL
    blocks = {b["block_id"]: b for b in in_dm["blocks"]}
    assert blocks["recipients"]["element"]["initial_users"] == list(CROWD)
    assert "initial_options" in blocks["privacy"]["element"]
    assert all(b["element"]["action_id"] == "value" for b in in_dm["blocks"])

    in_channel = assist_modal("CGENERAL01")
    assert_view_ok(in_channel)
    privacy = next(b for b in in_channel["blocks"] if b["block_id"] == "privacy")
    assert "initial_options" not in privacy["element"]
    assert [opened_privately(c) for c in ("DX", "GX", "CX", None)] == [True, True, False, False]


def test_the_details_form_is_prefilled_and_summarises_a_crowd():
    view = assist_details_modal(crowded(is_private=True), "CGENERAL01")
    assert_view_ok(view)
    assert view["callback_id"] == ASSIST_DETAILS_MODAL
    assert json.loads(view["private_metadata"]) == {
        "assist_id": 2_147_483_647,
        "channel_id": "CGENERAL01",
    }
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["description"]["element"]["initial_value"] == STORY
    assert blocks["customer"]["element"]["initial_value"] == CUSTOMER
    assert blocks["stage"]["element"]["initial_option"]["value"] == "sale"
    assert "initial_options" in blocks["privacy"]["element"]
    credited = view["blocks"][0]["elements"][0]["text"]
    assert credited.startswith(f"Credited: <@{CROWD[0]}>, <@{CROWD[1]}>")
    assert re.search(r" and \d+ others$", credited) and whole_mentions(credited)
    assert len(credited) <= SECTION_TEXT


def test_the_win_form_fits_and_starts_private_only_in_a_dm():
    for channel, private in (("DGINA00001", True), ("CGENERAL01", False), (None, False)):
        view = win_modal(channel)
        assert_view_ok(view)
        assert view["callback_id"] == WIN_MODAL and view["submit"]["text"] == "Celebrate"
        blocks = {b["block_id"]: b for b in view["blocks"]}
        assert blocks["stage"]["element"]["initial_option"]["value"] == "sale"
        assert blocks["deal_value"]["element"]["type"] == "number_input"
        assert ("initial_options" in blocks["privacy"]["element"]) is private


def test_the_usage_offers_the_form():
    text, blocks = assist_usage()
    assert_fits((text, blocks))
    assert "/assist @someone what they did" in text
    assert blocks[-1]["elements"][0]["action_id"] == OPEN_ASSIST_MODAL_ACTION


def test_a_confirmation_names_the_people_credited_and_offers_details():
    text, blocks = assist_confirmation(assist(), offer_details=True)
    assert_fits((text, blocks))
    assert text == ":white_check_mark: You credited <@UANA000001> for “tuned the demo for Acme”"
    picker, details = blocks[-1]["elements"]
    assert picker["action_id"] == STAGE_ACTION
    assert [o["value"] for o in picker["options"]] == [
        "41:pre-sale",
        "41:sale",
        "41:post-sale",
        "41:resale",
    ]
    assert (details["action_id"], details["value"]) == (ADD_DETAILS_ACTION, "41")

    _, staged = assist_confirmation(assist(stage="sale"), offer_details=True)
    assert [e["type"] for e in staged[-1]["elements"]] == ["button"]  # picked: no picker


def test_a_confirmation_for_a_crowd_with_refusals_and_a_retry_fits():
    refused = [(f"W{n:09d}", Refusal.UNKNOWN) for n in range(300)]
    text, blocks = assist_confirmation(crowded(), refused, offer_details=True, repeated=True)
    assert_fits((text, blocks))
    assert text.startswith(f":white_check_mark: You credited <@{CROWD[0]}>, <@{CROWD[1]}>")
    assert re.search(r" and \d+ others for “", text) and whole_mentions(text)
    assert "&lt;Labs&gt;" in text and "<!here>" not in text  # quoted, never markup
    notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert any("recorded once" in n for n in notes)
    assert any(re.search(r"and \d+ more people couldn't be credited", n) for n in notes)


def test_details_saved_shows_the_assist_as_it_now_stands():
    text, blocks = details_saved(crowded(stage="resale"))
    assert_fits((text, blocks))
    assert text == "Saved the details of your assist."
    assert "Resale" in blocks[1]["elements"][0]["text"]
    assert all(b["type"] != "actions" for b in blocks)


@pytest.mark.parametrize("source", ["command", "modal", "reaction", "session"])
def test_a_credit_notice_says_who_credited_whom_for_what(source):
    for info in (
        assist(source=source),
        crowded(source=source, permalink="https://acme.slack.com/archives/C1/p1"),
    ):
        text, blocks = credit_notice(info)
        assert_fits((text, blocks))
        assert "<!here>" not in text
        if source == "session":
            assert "Thanks for presenting!" in text
        else:
            assert f"<@{GIVER}>" in text
    assert "your message" in credit_notice(assist(source="reaction"))[0]
    won = credit_notice(crowded(customer="Acme"))[0]
    assert "for helping win *Acme*" in won


def test_a_win_post_for_a_crowd_fits_and_thanks_them_without_cutting_a_name():
    text, blocks = win_celebration(crowded())
    assert_fits((text, blocks))
    assert text.startswith(":trophy: We won Acme &amp; &lt;Sons&gt;")
    thanks = blocks[-1]["elements"][0]["text"]
    assert thanks.startswith(f"Thanks to <@{CROWD[0]}>, <@{CROWD[1]}>")
    assert re.search(r" and \d+ others · logged by <@UGIVER0001>$", thanks)
    assert whole_mentions(thanks) and whole_mentions(text)
    assert blocks[2]["fields"][1]["text"] == "*Deal value*\n999,999,999,999.99"


def test_a_private_win_story_is_not_quoted():
    text, blocks = win_celebration(crowded(is_private=True, credited=("UANA000001",)))
    assert_fits((text, blocks))
    assert "tuned the demo" not in str(blocks) and "tuned the demo" not in text
    assert blocks[1]["text"]["text"] == PRIVATE_PLACEHOLDER
    assert blocks[-1]["elements"][0]["text"] == "Thanks to <@UANA000001> · logged by <@UGIVER0001>"


def test_the_giver_is_told_what_became_of_the_win_post():
    notes = [
        celebration_note(None),
        celebration_note("CWINS00001", "not_in_channel"),
        celebration_note("CWINS00001"),
    ]
    assert "No recognition channel is set up" in notes[0]
    assert "invite me there" in notes[1]
    assert notes[2] == "Celebrated in <#CWINS00001>."
    for note in notes:
        text, blocks = with_note(assist_confirmation(crowded(), offer_details=False), note)
        assert_fits((text, blocks))
        assert text.endswith(note) and blocks[-1]["elements"][0]["text"] == note
        assert_fits(with_note(("Nobody was credited.", None), note))


def test_refusals_say_why_in_plain_words():
    limit = LimitReached(limit=5, given_today=4, requested=3)
    lines = refusal_lines([(GIVER, Refusal.SELF), ("UBOT000001", Refusal.BOT)], limit)
    assert lines[0].startswith("You can't credit yourself")
    assert "<@UBOT000001> is a bot" in lines[1]
    assert "limit of 5 credits (4 given, 1 left; this would add 3)" in lines[2]
    crowd = [(user_id, Refusal.DELETED) for user_id in CROWD]
    for text in (refusal_text(crowd, limit), refusal_text([], None)):
        assert_fits((text, None))
        assert text.startswith(":warning: ")
    assert refusal_text([], None) == ":warning: Nobody was credited."
    lost = warning_text(reaction_lost_lines("handshake", "Slack did not answer"))
    assert_fits((lost, None))
    assert ":handshake:" in lost and "add it again" in lost


def test_a_list_of_people_is_summarised_to_fit_never_cut():
    assert people_named(()) == ""
    assert people_named(("UA",)) == "<@UA>"
    assert people_named(("UA", "UB", "UC")) == "<@UA>, <@UB> and <@UC>"
    for room in (40, 200, 2000):
        named = people_named(CROWD, room)
        assert len(named) <= room and whole_mentions(named)
        shown = named.count("<@")
        assert named.endswith(f" and {300 - shown} others")


def test_money_reads_as_people_write_it():
    assert format_money(Decimal("48000")) == "48,000"
    assert format_money(Decimal("48000.50")) == "48,000.5"
    assert format_money(Decimal("0.25")) == "0.25"

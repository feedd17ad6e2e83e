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
    THANK_BACK_ACTION,
    WIN_MODAL,
    FromMessage,
    assist_confirmation,
    assist_details_modal,
    assist_modal,
    assist_usage,
    celebration_note,
    credit_notice,
    details_saved,
    format_money,
    join_in_limit_lines,
    named,
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
from bot.blocks.lessons import lesson_modal
from bot.blocks.text import PRIVATE_PLACEHOLDER, safe_mrkdwn
from models.assists import MAX_LENGTHS, AssistInfo, LimitReached, Refusal
from tests.slack_limits import SECTION_TEXT, assert_message_ok, assert_view_ok

GIVER = "UGIVER0001"
CROWD = tuple(f"U{n:09d}" for n in range(300))  # one win can thank a whole department
WORKSPACE = tuple(f"W{n:010d}" for n in range(10_000))  # everyone in a large company
# 1,500 characters, with text Slack would read as markup and a would-be broadcast.
STORY = ("R&D <Labs> tuned the demo for <!here> & the CFO; " * 40)[: MAX_LENGTHS["description"]]
# 1,500 characters that grow the most when escaped for Slack (& is 5 characters as &amp;).
DENSE = ("R&D&Co " * 300)[: MAX_LENGTHS["description"]].strip()
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


LONG_LINK = "https://acme.slack.com/archives/C1/p" + "1" * 460


def from_message(**changes: object) -> FromMessage:
    base = FromMessage(
        channel_id="CGENERAL01",
        message_ts="1700000000.000700",
        permalink="https://acme.slack.com/archives/CGENERAL01/p1700000000000700",
        recipients=("UANA000001", "UBEN000001"),
        customer="Acme, Inc.",
    )
    return replace(base, **changes)


def test_the_assist_form_from_a_message_links_it_and_starts_from_what_it_found():
    view = assist_modal(None, message=from_message())
    assert_view_ok(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        "recipients",
        "kind",
        "stage",
        "customer",
        "description",
        "crm_url",
        "privacy",
    ]
    assert inputs["recipients"]["element"]["initial_users"] == ["UANA000001", "UBEN000001"]
    assert inputs["customer"]["element"]["initial_value"] == "Acme, Inc."
    assert "initial_options" not in inputs["privacy"]["element"]
    [found] = [b for b in view["blocks"] if b["type"] == "context"]
    link = "<https://acme.slack.com/archives/CGENERAL01/p1700000000000700|this message>"
    assert link in found["elements"][0]["text"]
    assert json.loads(view["private_metadata"]) == {
        "channel_id": "CGENERAL01",
        "message_ts": "1700000000.000700",
        "permalink": "https://acme.slack.com/archives/CGENERAL01/p1700000000000700",
    }

    mine = assist_modal(None, message=from_message(recipients=(), suggested=CROWD, permalink=None))
    assert_view_ok(mine)
    assert (
        "initial_users"
        not in next(b for b in mine["blocks"] if b.get("block_id") == "recipients")["element"]
    )
    said = " ".join(b["elements"][0]["text"] for b in mine["blocks"] if b["type"] == "context")
    assert "Logging help seen in this message." in said
    assert (
        "Mentioned in your message: <@U000000000>" in said and "others. Choose who helped." in said
    )

    private = assist_modal(None, message=from_message(is_private=True))
    assert (
        "initial_options"
        in next(b for b in private["blocks"] if b.get("block_id") == "privacy")["element"]
    )


def test_a_join_in_over_the_limit_says_why_and_what_to_do():
    [why, what] = join_in_limit_lines("handshake", LimitReached(10, 10, 1))
    assert why == (
        "Joining in counts as one of your 10 credits a day, and you have given 10 today, "
        "so your :handshake: credited nobody."
    )
    assert what == "Remove it and add it again tomorrow to join in."


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
    [refused_note] = [n for n in notes if "find in this workspace" in n]
    assert re.fullmatch(
        r"<@W000000000>, <@W000000001>, .* and \d+ others aren't people I can find in this workspace\.",
        refused_note,
    )
    assert whole_mentions(refused_note)


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
        celebration_note("CWINS00001", "channel_not_found"),
        celebration_note("CWINS00001", "invalid_blocks"),
        celebration_note("CWINS00001", "msg_too_long"),
        celebration_note("CWINS00001", "restricted_action"),
        celebration_note("CWINS00001", "no_answer"),
        celebration_note("CWINS00001"),
    ]
    assert "No recognition channel is set up" in notes[0]
    for note in notes[1:3]:
        assert "invite me to <#CWINS00001>" in note and "the credits are recorded" in note
    for note in notes[3:5]:
        assert "could not be posted" in note and "has been logged" in note
        assert "The win and the credits are recorded." in note and "invite" not in note
    assert "Slack refused" in notes[5] and "`restricted_action`" in notes[5]
    assert "credits are recorded" in notes[5] and "invite" not in notes[5]
    assert "couldn't reach Slack" in notes[6] and "invite" not in notes[6]
    assert notes[-1] == "Celebrated in <#CWINS00001>."
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
    several = refusal_lines([("UBOT000001", Refusal.BOT), ("UBOT000002", Refusal.BOT)], None)
    assert several == ["<@UBOT000001> and <@UBOT000002> are bots; credits are for people."]
    assert refusal_lines([(GIVER, Refusal.SELF)], LimitReached(1, 1, 1))[1].startswith(
        "You've reached today's limit of 1 credit (1 given, 0 left"
    )
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
    assert format_money(Decimal("48000.50")) == "48,000.50"  # cents in full, as on an invoice
    assert format_money(Decimal("0.25")) == "0.25"


def test_named_never_says_1_others():
    two = ("UAAAAAAAAA", "UBBBBBBBBB")
    assert named(two, 30) == "<@UAAAAAAAAA> and 1 other"
    assert named(CROWD, 40).endswith(" others")


# The largest case of every builder: 300 helpers on one win, 10,000 people at once, a
# 1,500-character story that escaping makes longer, a 150-character customer, every refusal.
EVERYONE_REFUSED = [
    (user_id, reason) for user_id, reason in zip(WORKSPACE, list(Refusal) * 2500, strict=True)
]
LARGEST_MESSAGES = {
    "usage": lambda: assist_usage(),
    "confirmation": lambda: assist_confirmation(
        crowded(description=DENSE), EVERYONE_REFUSED, offer_details=True, repeated=True
    ),
    "confirmation, 10,000 credited": lambda: assist_confirmation(
        crowded(credited=WORKSPACE), offer_details=True, currency="EUR"
    ),
    "details saved": lambda: details_saved(crowded(description=DENSE, stage=None), "EUR"),
    "win confirmation with its note": lambda: with_note(
        assist_confirmation(crowded(description=DENSE), EVERYONE_REFUSED, offer_details=False),
        celebration_note("CWINS00001", "restricted_action"),
    ),
    "credit notice": lambda: credit_notice(crowded(description=DENSE), "EUR", "N" * 80),
    "credit notice, reaction": lambda: credit_notice(
        crowded(source="reaction", permalink="https://acme.slack.com/archives/C1/p" + "1" * 400)
    ),
    "credit notice, from a message": lambda: credit_notice(
        crowded(source="modal", description=DENSE, permalink=LONG_LINK), "EUR", "N" * 80
    ),
    "join in over the limit": lambda: (
        warning_text(join_in_limit_lines("a" * 100, LimitReached(1000, 1000, 1))),
        None,
    ),
    "credit notice, session": lambda: credit_notice(crowded(source="session", description=DENSE)),
    "credit notice, lesson": lambda: credit_notice(crowded(kind="lesson", description=DENSE)),
    "win post": lambda: win_celebration(crowded(description=DENSE), "EUR"),
    "win post, 10,000 credited": lambda: win_celebration(crowded(credited=WORKSPACE), "EUR"),
    "refusal": lambda: (
        refusal_text(EVERYONE_REFUSED, LimitReached(1000, 1000, 10_000)),
        None,
    ),
    "reaction lost": lambda: (
        warning_text(reaction_lost_lines("a" * 100, "Slack did not answer")),
        None,
    ),
}
LARGEST_VIEWS = {
    "assist form": lambda: assist_modal("DGINA00001", CROWD),
    "assist form from a message": lambda: assist_modal(
        None,
        message=from_message(
            permalink=LONG_LINK, recipients=WORKSPACE, suggested=WORKSPACE, customer=CUSTOMER
        ),
    ),
    "details form": lambda: assist_details_modal(
        crowded(description=DENSE, credited=WORKSPACE), "CGENERAL01"
    ),
    "win form": lambda: win_modal("DGINA00001", "EUR"),
    "lesson form": lambda: lesson_modal("CGENERAL01"),
}


@pytest.mark.parametrize("name", LARGEST_MESSAGES)
def test_the_largest_message_of_every_builder_fits(name):
    text, blocks = LARGEST_MESSAGES[name]()
    assert_fits((text, blocks))
    # Read in a notification banner: a summary, never the whole crowd or the whole story.
    assert len(text) <= 4000 and whole_mentions(text)
    for said in [text, *texts(blocks)]:
        assert whole_mentions(said) and not re.search(r"&[a-z]*…", said)  # no cut escape


@pytest.mark.parametrize("name", LARGEST_VIEWS)
def test_the_largest_view_of_every_builder_fits(name):
    view = LARGEST_VIEWS[name]()
    assert_view_ok(view)
    assert all(whole_mentions(t) for t in texts(view["blocks"]))


def test_a_win_post_shows_the_whole_story_over_several_sections_and_keeps_its_header():
    _, blocks = win_celebration(crowded(description=DENSE))
    header = blocks[0]["text"]["text"]
    assert header.startswith("🏆 We won Acme & <Sons>") and header.endswith("…!")
    assert not header[:-2].endswith(("&", "<", " "))  # ends at a word break
    story = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert len(story) > 1
    words = " ".join(story).split()
    assert words == safe_mrkdwn(DENSE).split()  # every word, none cut


def test_a_credit_dm_quotes_the_whole_story_and_its_notification_an_excerpt():
    text, blocks = credit_notice(crowded(description=DENSE))
    shown = " ".join(t for b in blocks if b["type"] == "section" for t in texts(b))
    assert safe_mrkdwn(DENSE).split()[-1] + "”" in shown
    assert len(text) < 800 and text.endswith("…”")


def test_deal_values_carry_the_currency():
    win = crowded(deal_value=Decimal("48000"), customer="Acme")
    _, post = win_celebration(win, "EUR")
    assert post[-2]["fields"][1]["text"] == "*Deal value*\n48,000 EUR"
    _, confirmation = assist_confirmation(win, offer_details=False, currency="EUR")
    assert confirmation[1]["elements"][0]["text"] == ":trophy: Win · Sale · Acme · 48,000 EUR"
    _, dm = credit_notice(win, "EUR")
    assert "48,000 EUR" in dm[-2]["elements"][0]["text"]
    labels = [b["label"]["text"] for b in win_modal(None, "EUR")["blocks"]]
    assert "Deal value (EUR)" in labels


def test_a_reaction_dm_says_what_the_giver_credited_you_for():
    link = "https://acme.slack.com/archives/CGENERAL01/p1"
    public = credit_notice(assist(source="reaction", description="", permalink=link))[0]
    assert public == (
        f":handshake: <@{GIVER}> reacted to <{link}|your message> in <#CGENERAL01> "
        "to credit you for it"
    )
    private = assist(source="reaction", permalink=link, is_private=True, channel_id="GSECRET01")
    text, blocks = credit_notice(private)
    assert text == f":handshake: <@{GIVER}> reacted to <{link}|your message> to credit you for it"
    assert "GSECRET01" not in str(blocks) and "tuned the demo" not in str(blocks)
    unlinked = credit_notice(assist(source="reaction", permalink=None, is_private=True))[0]
    assert unlinked.endswith("reacted to your message to credit you for it")


def test_a_credit_dm_offers_to_thank_the_giver_back():
    _, blocks = credit_notice(assist(), giver_name="Gina")
    [button] = blocks[-1]["elements"]
    assert (button["action_id"], button["value"]) == (THANK_BACK_ACTION, GIVER)
    assert button["text"]["text"] == "Thank Gina back"
    _, unnamed = credit_notice(assist(source="reaction"))
    assert unnamed[-1]["elements"][0]["text"]["text"] == "Thank them back"
    long_name = credit_notice(assist(), giver_name="Maximiliana " * 10)[1][-1]["elements"][0]
    assert long_name["text"]["text"].endswith("… back") and len(long_name["text"]["text"]) <= 75
    for quiet in (assist(source="session"), assist(kind="lesson", source="modal")):
        assert all(b["type"] != "actions" for b in credit_notice(quiet, giver_name="Gina")[1])


def test_a_lesson_dm_says_a_lesson_was_shared():
    text, _ = credit_notice(assist(kind="lesson", description="Monthly plans: nobody bought."))
    assert text == (
        f":books: <@{GIVER}> shared a lesson from a loud mistake you were part of: "
        "“Monthly plans: nobody bought.”"
    )


@pytest.mark.parametrize("count", [1, 2, 3])
def test_counts_read_right_for_one_and_for_several(count):
    people = CROWD[:count]
    said = [
        *refusal_lines([(p, r) for p in people for r in Refusal if r != Refusal.SELF], None),
        refusal_text([], LimitReached(count, count, count)),
        assist_confirmation(crowded(credited=people), offer_details=False)[0],
        win_celebration(crowded(credited=people))[0],
        named(people, 30),
    ]
    for text in said:
        assert not re.search(r"\b1 (people|credits|others|more people)\b", text), text
        assert not re.search(r"\b([02-9]|\d\d+) (person|credit|other)\b", text), text

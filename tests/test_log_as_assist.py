"""The message shortcut "Log as assist": the assist form, started from a message (its link,
its author and the people it mentions, a known customer it names), kept private where
the message was, and recorded with the message's link but never its words."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.assists import Assist, AssistDraft, record_assist, revoke_assist
from models.base import utcnow
from models.customers import customer_named_in, known_customers
from models.people import PersonInfo, save_person
from models.referrals import Need, ReferralDraft, create_referral
from tests.slack_standin import BOT_USER_ID, TEAM_ID
from tests.workspace import ANA, BEN, BOT, GENERAL, GINA, SECRET

TS = "1700000000.000700"
LINK = f"https://test.slack.com/archives/{GENERAL}/p1700000000000700"
# Words of the message that must never reach the form, the database or a post.
SECRET_WORDS = "zebra-budget"


def learn_customer(sessions, customer: str, *, days_ago: int = 10, referral: bool = False):
    """A customer the bot knows of: named by an assist (or a referral) `days_ago`."""
    when = utcnow() - timedelta(days=days_ago)
    with sessions.begin() as session:
        if referral:
            draft = ReferralDraft(TEAM_ID, BEN, customer, Need.EXPANSION, context="x")
            saved, _ = create_referral(session, draft)
            saved.created_at = when
            return
        record_assist(
            session,
            AssistDraft(TEAM_ID, BEN, [ANA], customer=customer, description="helped"),
            {ANA: PersonInfo(ANA, "Ana")},
            limit=None,
            now=when,
        )


def opened_form(standin, nth: int = 1) -> dict:
    """The form the nth shortcut opened (waiting for it: the app opens it on a thread)."""
    return standin.wait_for("views.open", count=nth)[nth - 1].args["view"]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def context_text(view: dict) -> str:
    return " ".join(
        e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]
    )


def form_values(view: dict, recipients: list[str], private: bool = False) -> dict:
    """The form as submitted: what it was opened with, the people chosen, a description."""
    customer = block(view, "customer")["element"].get("initial_value")
    return {
        "recipients": {"type": "multi_users_select", "selected_users": recipients},
        "kind": {"type": "static_select", "selected_option": {"value": "assist"}},
        "stage": {"type": "static_select", "selected_option": None},
        "customer": {"type": "plain_text_input", "value": customer},
        "description": {"type": "plain_text_input", "value": "answered the security review"},
        "crm_url": {"type": "url_text_input", "value": None},
        "privacy": {
            "type": "checkboxes",
            "selected_options": [{"value": "private"}] if private else [],
        },
    }


def test_the_shortcut_opens_the_form_started_from_the_message(slack, standin, sessions):
    learn_customer(sessions, "Acme, Inc.")
    text = f"<@{BEN}> and I got the ACME renewal over the line, {SECRET_WORDS} and all"
    response = slack.message_shortcut(text, author=ANA, ts=TS)
    assert response.status == 200 and response.body == ""
    view = opened_form(standin)

    assert view["callback_id"] == "assist_modal"
    assert block(view, "recipients")["element"]["initial_users"] == [ANA, BEN]
    assert block(view, "customer")["element"]["initial_value"] == "Acme, Inc."
    assert f"<{LINK}|this message>" in context_text(view)
    assert "initial_options" not in block(view, "privacy")["element"]  # a public channel
    assert "initial_value" not in block(view, "description")["element"]
    assert "initial_value" not in block(view, "crm_url")["element"]  # for CRM links only
    assert SECRET_WORDS not in json.dumps(view)
    metadata = json.loads(view["private_metadata"])
    assert metadata == {"channel_id": GENERAL, "message_ts": TS, "permalink": LINK}


def test_on_your_own_message_the_people_are_suggested_not_chosen(slack, standin):
    slack.message_shortcut(f"Thanks <@{ANA}> and <@{BEN}> for the demo", author=GINA)
    view = opened_form(standin)
    assert "initial_users" not in block(view, "recipients")["element"]
    assert f"Mentioned in your message: <@{ANA}> and <@{BEN}>" in context_text(view)


def test_the_giver_is_never_chosen_nor_the_bot_nor_a_known_bot(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(BOT, "Deploybot", is_bot=True))
    text = f"<@{GINA}> <@{BOT}> <@{BOT_USER_ID}> and <@{BEN}>: the pilot is live"
    slack.message_shortcut(text, author=ANA)
    view = opened_form(standin)
    assert block(view, "recipients")["element"]["initial_users"] == [ANA, BEN]


def test_a_bots_message_chooses_only_the_people_it_mentions(slack, standin):
    slack.message_shortcut(f"Deploy done by <@{BEN}>", author=None)
    assert block(opened_form(standin), "recipients")["element"]["initial_users"] == [BEN]


@pytest.mark.parametrize("channel", [SECRET, "DGINA00001", "GGROUPDM01"])
def test_from_a_private_conversation_the_form_starts_private(slack, standin, channel):
    slack.message_shortcut(f"<@{BEN}> helped", author=ANA, channel=channel)
    view = opened_form(standin)
    assert block(view, "privacy")["element"]["initial_options"][0]["value"] == "private"
    assert json.loads(view["private_metadata"])["channel_id"] == channel


def test_submitting_it_credits_the_people_chosen_with_the_messages_link(slack, standin, sessions):
    learn_customer(sessions, "Acme, Inc.")
    slack.message_shortcut(f"acme is live, {SECRET_WORDS}", author=ANA, ts=TS)
    view = opened_form(standin)
    # Whoever the giver chooses: here Ben too, whom the message does not name.
    response = slack.view_submission(
        "assist_modal",
        form_values(view, [ANA, BEN]),
        private_metadata=view["private_metadata"],
    )
    assert response.status == 200 and response.body == ""
    slack.settle()

    with sessions() as session:
        assist = session.scalars(select(Assist).where(Assist.source == "modal")).one()
        assert sorted(c.recipient_id for c in assist.credits) == [ANA, BEN]
        assert (assist.permalink, assist.message_ts, assist.channel_id) == (LINK, TS, GENERAL)
        assert (assist.customer, assist.is_private) == ("Acme, Inc.", False)
        assert SECRET_WORDS not in assist.description
    dm = standin.delivered(ANA)[-1].args
    assert f"<{LINK}|a message>" in json.dumps(dm["blocks"])
    assert all(SECRET_WORDS not in json.dumps(c.args) for c in standin.calls("chat.postMessage"))


def test_a_form_from_a_private_channel_is_recorded_private_whatever_the_box(
    slack, standin, sessions
):
    slack.message_shortcut(f"<@{BEN}> helped", author=ANA, channel=SECRET)
    view = opened_form(standin)
    slack.view_submission(
        "assist_modal",
        form_values(view, [BEN], private=False),  # the box unticked by hand
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert assist.is_private is True
        assert assist.permalink == f"https://test.slack.com/archives/{SECRET}/p1700000000000700"


@pytest.mark.parametrize(
    "overrides",
    [
        {"message": "not an object"},
        {"message": ["a", "list"]},
        {"trigger_id": None},
        {"trigger_id": ""},
        {"channel": "CGENERAL01"},
        {"channel": {"id": "<script>"}},
        {"message": {"type": "message", "text": "hi"}},  # no ts
        {"message": {"type": "message", "ts": TS, "text": 42}},
        {"message": {"type": "message", "ts": TS, "user": {"id": ANA}}},
    ],
)
def test_a_forged_shortcut_is_refused_never_a_500(slack, standin, overrides):
    response = slack.message_shortcut("hi", author=ANA, overrides=overrides)
    slack.settle()
    assert response.status == 400
    assert standin.calls("views.open") == []


@pytest.mark.parametrize(
    "metadata",
    [
        {"channel_id": GENERAL, "message_ts": "yesterday", "permalink": LINK},
        {"channel_id": GENERAL, "message_ts": TS, "permalink": "javascript:alert(1)"},
        {"channel_id": GENERAL, "message_ts": TS, "permalink": "https://x.example/|evil"},
        {"channel_id": GENERAL, "message_ts": TS, "permalink": ["a"]},
    ],
)
def test_a_forged_link_in_the_form_is_refused(slack, standin, sessions, metadata):
    view = {"blocks": [{"block_id": "customer", "element": {}}]}
    response = slack.view_submission(
        "assist_modal", form_values(view, [BEN]), private_metadata=json.dumps(metadata)
    )
    slack.settle()
    assert response.status == 400
    with sessions() as session:
        assert session.scalars(select(Assist)).all() == []


# -- known customers -------------------------------------------------------------------------


def test_a_customer_is_found_by_whole_words_in_any_case(slack, standin, sessions):
    learn_customer(sessions, "Globex", referral=True)
    learn_customer(sessions, "Initech")
    slack.message_shortcut("GLOBEX wants 400 more seats, unlike initechnology", author=ANA)
    assert block(opened_form(standin), "customer")["element"]["initial_value"] == "Globex"
    slack.message_shortcut("initechnology is not a customer", author=ANA)
    assert "initial_value" not in block(opened_form(standin, 2), "customer")["element"]


def test_known_customers_are_those_of_the_last_twelve_months(sessions):
    learn_customer(sessions, "Acme", days_ago=30)
    learn_customer(sessions, "Umbrella", days_ago=400)
    learn_customer(sessions, "Globex", days_ago=5, referral=True)
    learn_customer(sessions, "Hooli", days_ago=1)
    with sessions.begin() as session:
        hooli = session.scalars(select(Assist).where(Assist.customer == "Hooli")).one()
        revoke_assist(session, hooli)
    with sessions() as session:
        known = known_customers(session, TEAM_ID, utcnow() - timedelta(days=365))
    assert known == ["Globex", "Acme"]  # the most recently used first


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the acme renewal", "Acme Corp"),
        ("ACME's renewal", "Acme Corp"),
        ("acmeville is not it", None),
        ("First National Bank of Acme", "First National Bank"),  # the longest name
        ("<@UACME00001> and <#CACME00001|acme>", None),  # mentions and channels aren't read
        ("see <https://crm.example/acme|the deal>", None),  # nor a link's address
        ("see <https://crm.example/x|the Acme deal>", "Acme Corp"),  # its label is
        ("R&amp;D at AT&amp;T", "AT&T"),
    ],
)
def test_customer_named_in(text, found):
    customers = ["Acme Corp", "First National Bank", "AT&T", "R", "Globex"]
    assert customer_named_in(text, customers) == found

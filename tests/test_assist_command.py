"""`/assist`: the quick form with a mention, and the modal."""

from __future__ import annotations

from sqlalchemy import select

from models.assists import Assist, Credit
from tests.workspace import ANA, BEN, GINA


def test_assist_with_mention_records_and_confirms(slack, standin, sessions):
    response = slack.command("/assist", f"<@{ANA}|ana> tuned the demo for Acme")
    assert response.status == 200

    confirmation = standin.wait_for("respond")[0].args
    assert confirmation["response_type"] == "ephemeral"
    assert f"You credited <@{ANA}>" in confirmation["text"]
    assert "tuned the demo for Acme" in confirmation["text"]
    buttons = [e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Add details"]

    dm = standin.wait_for("chat.postMessage")[0].args
    assert dm["channel"] == ANA
    assert f"<@{GINA}> credited you" in dm["text"]

    with sessions() as session:
        credit = session.scalars(select(Credit)).one()
        assert (credit.giver_id, credit.recipient_id, credit.kind) == (GINA, ANA, "assist")
        assert credit.assist.source == "command"


def test_assist_with_no_text_opens_the_modal(slack, standin):
    assert slack.command("/assist", "").status == 200
    view = standin.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "assist_modal"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[:2] == ["Who helped?", "What kind of help"]


def test_self_credit_is_refused_with_an_explanation(slack, standin, sessions):
    slack.command("/assist", f"<@{GINA}> did it all myself")
    answer = standin.wait_for("respond")[0].args["text"]
    assert "can't credit yourself" in answer
    with sessions() as session:
        assert session.scalars(select(Assist)).all() == []


def test_modal_submission_credits_everyone_chosen(slack, standin, sessions):
    response = slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [ANA, BEN]},
            "kind": {"type": "static_select", "selected_option": {"value": "insight"}},
            "stage": {"type": "static_select", "selected_option": {"value": "pre-sale"}},
            "customer": {"type": "plain_text_input", "value": "Acme"},
            "description": {"type": "plain_text_input", "value": "found the integration gap"},
            "crm_url": {"type": "url_text_input", "value": None},
            "privacy": {"type": "checkboxes", "selected_options": []},
        },
        private_metadata='{"channel_id": "CGENERAL01"}',
    )
    assert response.status == 200
    assert response.body == ""
    dms = standin.wait_for("chat.postMessage", 2)
    assert {c.args["channel"] for c in dms} == {ANA, BEN}
    standin.wait_for("chat.postEphemeral")
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert (assist.kind, assist.stage, assist.customer, assist.source) == (
            "insight",
            "pre-sale",
            "Acme",
            "modal",
        )
        assert sorted(c.recipient_id for c in assist.credits) == sorted([ANA, BEN])

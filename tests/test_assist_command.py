"""`/assist`: the quick form with a mention, and the modal."""

from __future__ import annotations

from sqlalchemy import select

from models.assists import Assist, Credit
from tests.workspace import ANA, BEN, GENERAL, GINA


def test_assist_with_mention_records_and_confirms(slack, standin, sessions):
    response = slack.command("/assist", f"<@{ANA}|ana> tuned the demo for Acme")
    assert response.status == 200

    confirmation = standin.wait_for("respond")[0].args
    assert confirmation["response_type"] == "ephemeral"
    assert f"You credited <@{ANA}>" in confirmation["text"]
    assert "tuned the demo for Acme" in confirmation["text"]
    [stage, details] = [
        e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert stage["placeholder"]["text"] == "Which stage of the loop?"
    assert [o["text"]["text"] for o in stage["options"]] == [
        "Pre-sale",
        "Sale",
        "Post-sale",
        "Resale",
    ]
    assert details["text"]["text"] == "Add details"

    dm = standin.wait_for("chat.postMessage")[0].args
    assert dm["channel"] == ANA
    assert f"<@{GINA}> credited you" in dm["text"]

    with sessions() as session:
        credit = session.scalars(select(Credit)).one()
        assert (credit.giver_id, credit.recipient_id, credit.kind) == (GINA, ANA, "assist")
        assert credit.assist.source == "command"


def test_the_people_named_first_are_credited_and_later_mentions_stay_in_the_story(
    slack, standin, sessions
):
    slack.command("/assist", f"<@{ANA}>, <@{GINA}> and <@{BEN}>: tuned the demo", user=GINA)
    slack.command("/assist", f"<@{ANA}> tuned the demo that <@{BEN}> built for Acme")
    slack.command("/assist", f"thanks <@{BEN}> for the Acme pricing sheet")
    slack.settle()

    with sessions() as session:
        assists = session.scalars(select(Assist)).all()
        found = {a.description: sorted(c.recipient_id for c in a.credits) for a in assists}
    assert found == {
        "tuned the demo": [ANA, BEN],  # Gina can't credit herself; the others are credited
        f"tuned the demo that <@{BEN}> built for Acme": [ANA],
        f"thanks <@{BEN}> for the Acme pricing sheet": [BEN],
    }


def test_the_stage_picked_on_the_confirmation_is_saved_and_shown(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> <@{BEN}> answered the security questionnaire")
    picker = next(
        e
        for b in standin.wait_for("respond")[0].args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    )
    post_sale = next(o["value"] for o in picker["options"] if o["text"]["text"] == "Post-sale")

    slack.select_action(picker["action_id"], post_sale, user=BEN)  # not the giver
    slack.settle()
    assert "Only the person who logged" in standin.calls("respond")[-1].args["text"]
    slack.select_action(picker["action_id"], post_sale)
    slack.settle()

    redrawn = standin.calls("respond")[-1].args
    assert redrawn["replace_original"] is True
    assert "Post-sale" in redrawn["blocks"][1]["elements"][0]["text"]
    assert "static_select" not in str(redrawn["blocks"])  # picked: the picker is gone
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert assist.stage == "post-sale"
        assert [c.stage for c in assist.credits] == ["post-sale", "post-sale"]


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


def test_add_details_completes_a_quick_assist(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> joined the Acme call")
    slack.settle()
    button = next(
        e
        for b in standin.calls("respond")[0].args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    )
    slack.block_action(button["action_id"], button["value"])
    slack.settle()
    view = standin.calls("views.open")[0].args["view"]
    assert view["callback_id"] == "assist_details"
    description = next(b for b in view["blocks"] if b.get("block_id") == "description")
    assert description["element"]["initial_value"] == "joined the Acme call"

    slack.view_submission(
        "assist_details",
        {
            "kind": {"type": "static_select", "selected_option": {"value": "service"}},
            "stage": {"type": "static_select", "selected_option": {"value": "resale"}},
            "customer": {"type": "plain_text_input", "value": "Acme"},
            "description": {"type": "plain_text_input", "value": "joined the Acme renewal call"},
        },
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert (assist.kind, assist.stage, assist.customer) == ("service", "resale", "Acme")
        assert assist.credits[0].kind == "service"
    assert "Saved the details" in standin.calls("chat.postEphemeral")[-1].args["text"]


def test_only_the_giver_can_add_details(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> joined the Acme call")
    slack.settle()
    with sessions() as session:
        assist_id = session.scalars(select(Assist)).one().id
    slack.block_action("assist_add_details", str(assist_id), user=BEN)
    slack.settle()
    assert standin.calls("views.open") == []
    assert "Only the person who logged" in standin.calls("respond")[-1].args["text"]


def test_a_mention_without_a_description_asks_for_one(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}>")
    assert "Say what they did" in standin.wait_for("respond")[0].args["text"]
    with sessions() as session:
        assert session.scalars(select(Assist)).all() == []


def test_text_without_a_mention_explains_both_ways(slack, standin):
    slack.command("/assist", "helped a lot")
    answer = standin.wait_for("respond")[0].args
    assert "/assist @someone what they did" in answer["text"]
    slack.block_action("assist_open_modal")
    assert standin.wait_for("views.open")[0].args["view"]["callback_id"] == "assist_modal"


def test_forms_opened_from_a_dm_start_private(slack, standin):
    for command, channel in (
        ("/assist", "DGINA00001"),
        ("/win", "DGINA00001"),
        ("/assist", GENERAL),
    ):
        slack.command(command, "", channel=channel)
        slack.settle()
    views = [c.args["view"] for c in standin.calls("views.open")]
    privacy = [next(b for b in v["blocks"] if b.get("block_id") == "privacy") for v in views]
    assert ["initial_options" in p["element"] for p in privacy] == [True, True, False]

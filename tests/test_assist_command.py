"""`/assist`: the quick form with a mention, and the modal."""

from __future__ import annotations

import re

import pytest
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


def thank_back_button(dm: dict) -> dict:
    return next(
        e
        for b in dm["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "assist_thank_back"
    )


def test_the_credit_dm_offers_to_thank_the_giver_back_with_the_form(slack, standin):
    slack.command("/assist", f"<@{ANA}> tuned the demo for Acme")
    slack.settle()
    [dm] = standin.delivered(ANA)
    button = thank_back_button(dm.args)
    assert button["text"]["text"] == "Thank Gina back" and button["value"] == GINA

    # Ana, from her DM; then Ben, who was shown the DM: both get the form, Gina chosen.
    for user in (ANA, BEN):
        assert slack.block_action(button["action_id"], button["value"], user=user).status == 200
        slack.settle()
        view = standin.calls("views.open")[-1].args["view"]
        assert view["callback_id"] == "assist_modal"
        who = next(b for b in view["blocks"] if b["block_id"] == "recipients")
        assert who["element"]["initial_users"] == [GINA]
        privacy = next(b for b in view["blocks"] if b["block_id"] == "privacy")
        assert "initial_options" not in privacy["element"]  # a thank-you is not secret
    # Gina herself (a forwarded DM): the form, with nobody she can't credit chosen.
    slack.block_action(button["action_id"], button["value"], user=GINA)
    slack.settle()
    who = next(
        b
        for b in standin.calls("views.open")[-1].args["view"]["blocks"]
        if b["block_id"] == "recipients"
    )
    assert "initial_users" not in who["element"]


@pytest.mark.parametrize("value", ["", "1 OR 1=1", "<@UGINA00001>", "U" + "A" * 40, "ugina00001"])
def test_a_forged_thank_back_value_is_refused_never_a_500(slack, standin, value):
    response = slack.block_action("assist_thank_back", value, user=ANA)
    slack.settle()
    assert response.status == 400
    assert standin.calls("views.open") == []


def test_a_quick_assist_for_300_people_offers_details_within_slacks_limits(
    make_app, standin, listeners, sessions
):
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests

    crowd = [f"UHELP{n:05d}" for n in range(300)]
    for user_id in crowd:
        standin.add_user(user_id, f"Helper {user_id}")
    slack = SlackRequests(
        make_app(daily_credit_limit=1000), standin, SIGNING_SECRET, listeners.settle
    )
    slack.command("/assist", " ".join(f"<@{u}>" for u in crowd) + " rebuilt the demo overnight")
    slack.settle()
    confirmation = standin.calls("respond")[0].args
    assert re.search(r"You credited <@UHELP00000>, .* and \d+ others for", confirmation["text"])
    button = next(
        e
        for b in confirmation["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    )
    slack.block_action(button["action_id"], button["value"])
    slack.settle()
    view = standin.calls("views.open")[0].args["view"]
    credited = view["blocks"][0]["elements"][0]["text"]
    assert re.fullmatch(r"Credited: <@UHELP00000>, .* and \d+ others", credited)
    with sessions() as session:
        assert len(session.scalars(select(Credit)).all()) == 300
    standin.quiet()
    assert len(standin.delivered()) == 300 and standin.state.invalid == []

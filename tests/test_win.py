"""`/win`: the modal, the celebration in the recognition channel, and the helpers' credits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from models.assists import Assist
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.workspace import ANA, BEN, GINA, RECOGNITION


def win_values(
    story: str = "Ben's demo closed it", value: str | None = "48000", private: bool = False
):
    return {
        "customer": {"type": "plain_text_input", "value": "Acme Corp"},
        "deal_value": {"type": "number_input", "value": value},
        "stage": {"type": "static_select", "selected_option": {"value": "sale"}},
        "recipients": {"type": "multi_users_select", "selected_users": [ANA, BEN]},
        "description": {"type": "plain_text_input", "value": story},
        "privacy": {
            "type": "checkboxes",
            "selected_options": [{"value": "private"}] if private else [],
        },
    }


def celebration(standin):
    posts = [c for c in standin.calls("chat.postMessage") if c.args["channel"] == RECOGNITION]
    assert len(posts) == 1, posts
    return posts[0].args


def test_win_opens_a_modal(slack, standin):
    slack.command("/win")
    view = standin.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "win_modal"
    assert view["submit"]["text"] == "Celebrate"


def test_a_win_is_celebrated_and_every_helper_credited(slack, standin, sessions):
    response = slack.view_submission(
        "win_modal", win_values(), private_metadata='{"channel_id": "CGENERAL01"}'
    )
    assert response.status == 200
    slack.settle()

    post = celebration(standin)
    blocks = str(post["blocks"])
    assert "We won Acme Corp" in blocks
    assert "48,000" in blocks
    assert "Ben's demo closed it" in blocks
    assert f"<@{ANA}> and <@{BEN}>" in post["text"]
    dms = {c.args["channel"] for c in standin.calls("chat.postMessage")} - {RECOGNITION}
    assert dms == {ANA, BEN}
    note = standin.calls("chat.postEphemeral")[0].args
    assert note["user"] == GINA and f"Celebrated in <#{RECOGNITION}>" in note["text"]

    with sessions() as session:
        win = session.scalars(select(Assist)).one()
        assert (win.kind, win.customer, win.deal_value, win.stage) == (
            "win",
            "Acme Corp",
            Decimal("48000.00"),
            "sale",
        )
        assert sorted(c.recipient_id for c in win.credits) == sorted([ANA, BEN])


def test_a_private_win_story_is_not_quoted(slack, standin):
    slack.view_submission(
        "win_modal", win_values(story="the CFO told us in confidence", private=True)
    )
    slack.settle()
    blocks = str(celebration(standin)["blocks"])
    assert "in confidence" not in blocks
    assert "in a private conversation" in blocks


def test_broadcast_mentions_in_a_story_ping_nobody(slack, standin):
    slack.view_submission(
        "win_modal", win_values(story="<!channel> we did it <!here|here> <@UANA000001>")
    )
    slack.settle()
    post = celebration(standin)
    story = post["blocks"][1]["text"]["text"]
    assert "<!channel>" not in str(post) and "<!here" not in str(post)
    assert story.startswith("@\u200bchannel we did it")
    assert "<@UANA000001>" in story


def test_a_bad_deal_value_is_a_field_error(slack, standin, sessions):
    response = slack.view_submission("win_modal", win_values(value="-5"))
    assert '"deal_value"' in response.body and "zero or more" in response.body
    slack.settle()
    assert standin.calls("chat.postMessage") == []


def test_without_a_recognition_channel_the_giver_is_told(make_app, standin, listeners):
    slack = SlackRequests(
        make_app(recognition_channel=None), standin, SIGNING_SECRET, listeners.settle
    )
    slack.view_submission("win_modal", win_values())
    slack.settle()
    note = standin.calls("chat.postEphemeral")
    text = (note[0].args if note else standin.calls("chat.postMessage")[-1].args)["text"]
    assert "No recognition channel is set up" in text


def test_when_the_bot_is_not_in_the_channel_the_giver_is_asked_to_invite_it(slack, standin):
    standin.add_channel(RECOGNITION, "everybody-sells", member=False)
    slack.view_submission(
        "win_modal", win_values(), private_metadata='{"channel_id": "CGENERAL01"}'
    )
    slack.settle()
    note = standin.calls("chat.postEphemeral")[0].args["text"]
    assert "invite me there" in note


def test_a_win_is_not_held_to_the_daily_limit(make_app, standin, listeners, sessions):
    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    response = slack.view_submission("win_modal", win_values())
    assert response.body == ""
    slack.settle()
    with sessions() as session:
        assert len(session.scalars(select(Assist)).one().credits) == 2
    celebration(standin)

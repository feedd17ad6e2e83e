"""`/win`: the modal, the celebration in the recognition channel, and the helpers' credits."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.blocks.text import safe_mrkdwn
from models.assists import Assist
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.workspace import ANA, BEN, GENERAL, GINA, RECOGNITION


def win_values(
    story: str = "Ben's demo closed it",
    value: str | None = "48000",
    private: bool = False,
    helpers: list[str] | None = None,
    customer: str = "Acme Corp",
):
    return {
        "customer": {"type": "plain_text_input", "value": customer},
        "deal_value": {"type": "number_input", "value": value},
        "stage": {"type": "static_select", "selected_option": {"value": "sale"}},
        "recipients": {"type": "multi_users_select", "selected_users": helpers or [ANA, BEN]},
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
    assert f"invite me to <#{RECOGNITION}>" in note


def test_a_win_is_not_held_to_the_daily_limit(make_app, standin, listeners, sessions):
    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    response = slack.view_submission("win_modal", win_values())
    assert response.body == ""
    slack.settle()
    with sessions() as session:
        assert len(session.scalars(select(Assist)).one().credits) == 2
    celebration(standin)


def credits_recorded(sessions) -> int:
    with sessions() as session:
        return sum(len(a.credits) for a in session.scalars(select(Assist)))


@pytest.mark.parametrize(
    ("error", "said", "not_said"),
    [
        ("not_in_channel", [f"invite me to <#{RECOGNITION}>"], ["Slack refused"]),
        ("channel_not_found", [f"invite me to <#{RECOGNITION}>"], ["Slack refused"]),
        ("invalid_blocks", ["could not be posted", "has been logged"], ["invite me"]),
        ("msg_too_long", ["could not be posted", "has been logged"], ["invite me"]),
        ("restricted_action", ["Slack refused", "`restricted_action`"], ["invite me"]),
    ],
)
def test_a_win_that_could_not_be_posted_is_explained_for_what_went_wrong(
    slack, standin, sessions, error, said, not_said
):
    standin.fail_posts_to(RECOGNITION, error)
    slack.view_submission(
        "win_modal", win_values(), private_metadata=json.dumps({"channel_id": GENERAL})
    )
    slack.settle()

    [note] = standin.calls("chat.postEphemeral")
    assert note.args["user"] == GINA
    for words in [*said, "the credits are recorded"]:
        assert words in note.args["text"], note.args["text"]
    for words in not_said:
        assert words not in note.args["text"]
    assert standin.delivered(RECOGNITION) == []
    assert credits_recorded(sessions) == 2 and {c.args["channel"] for c in standin.delivered()} == {
        ANA,
        BEN,
    }


def test_a_win_shows_its_value_in_the_workspace_currency(make_app, standin, listeners):
    slack = SlackRequests(make_app(currency="EUR"), standin, SIGNING_SECRET, listeners.settle)
    slack.command("/win")
    slack.view_submission(
        "win_modal", win_values(), private_metadata=json.dumps({"channel_id": GENERAL})
    )
    slack.settle()

    form = standin.calls("views.open")[0].args["view"]
    assert "Deal value (EUR)" in [b["label"]["text"] for b in form["blocks"]]
    fields = next(b["fields"] for b in celebration(standin)["blocks"] if "fields" in b)
    assert fields[1]["text"] == "*Deal value*\n48,000 EUR"
    assert "48,000 EUR" in json.dumps(standin.calls("chat.postEphemeral")[0].args["blocks"])
    for helper in (ANA, BEN):
        [dm] = standin.delivered(helper)
        assert "48,000 EUR" in json.dumps(dm.args["blocks"])


def test_a_win_with_300_helpers_is_posted_confirmed_and_told_within_slacks_limits(
    standin, slack, sessions
):
    helpers = [f"UHELP{n:05d}" for n in range(300)]
    for user_id in helpers:
        standin.add_user(user_id, f"Helper {user_id}")
    # The giver's answer can't be shown where the form was opened: it comes as a DM instead.
    standin.add_channel("CQUIET0001", "quiet", member=False)
    story = ("R&D <Labs> & the CFO's team tuned the demo " * 40)[:1500]
    slack.view_submission(
        "win_modal",
        win_values(story=story, helpers=helpers, customer=("Acme & <Sons> " * 20)[:150]),
        private_metadata=json.dumps({"channel_id": "CQUIET0001"}),
    )
    slack.settle()
    standin.quiet()

    assert credits_recorded(sessions) == 300
    post = celebration(standin)
    thanks = post["blocks"][-1]["elements"][0]["text"]
    assert re.search(r"and \d+ others · logged by", thanks) and thanks.count("<@") < 300
    story_shown = " ".join(b["text"]["text"] for b in post["blocks"][1:-2])
    assert story_shown.split() == safe_mrkdwn(story).split()  # the whole story, every word
    [to_giver] = standin.delivered(GINA)
    assert re.search(r"You credited <@UHELP00000>, .* and \d+ others", to_giver.args["text"])
    assert f"Celebrated in <#{RECOGNITION}>" in to_giver.args["text"]
    assert len({c.args["channel"] for c in standin.delivered()} & set(helpers)) == 300
    # The stand-in refuses, as Slack would, any of these over Slack's limits; none was.
    assert standin.state.invalid == []

"""The rules that protect people and data, each seen from Slack."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from models.assists import (
    Assist,
    AssistDraft,
    Credit,
    GivingLimit,
    record_assist,
    remaining_today,
    reserve_credits,
)
from models.base import utcnow
from models.people import PersonInfo
from tests.conftest import POSTGRES_URL
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, BOT, GINA, GONE, SECRET


def credits(sessions) -> list[Credit]:
    with sessions() as session:
        return list(session.scalars(select(Credit).where(Credit.revoked_at.is_(None))))


def answer(standin) -> str:
    return standin.wait_for("respond")[-1].args["text"]


def test_bots_deleted_and_unknown_users_are_never_credited(slack, standin, sessions):
    slack.command("/assist", f"<@{BOT}> <@{GONE}> <@UNOBODY001> helped with the rollout")
    text = answer(standin)
    assert f"<@{BOT}> is a bot" in text
    assert f"<@{GONE}> has left the workspace" in text
    assert "<@UNOBODY001> isn't someone I can find" in text
    assert credits(sessions) == []


def test_some_refused_others_credited_says_both(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> <@{BOT}> fixed the quote")
    text = standin.wait_for("respond")[0].args
    assert f"You credited <@{ANA}>" in text["text"]
    assert any(f"<@{BOT}> is a bot" in str(block) for block in text["blocks"])
    assert [c.recipient_id for c in credits(sessions)] == [ANA]


def test_the_daily_giving_limit_is_explained_and_nothing_is_half_recorded(
    make_app, standin, listeners, sessions
):
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests

    slack = SlackRequests(make_app(daily_credit_limit=2), standin, SIGNING_SECRET, listeners.settle)
    slack.command("/assist", f"<@{ANA}> first")
    slack.settle()
    slack.command("/assist", f"<@{ANA}> <@{BEN}> second, two people")
    slack.settle()
    text = standin.calls("respond")[-1].args["text"]
    assert "today's limit of 2 credits" in text
    assert "1 left" in text
    assert len(credits(sessions)) == 1

    slack.command("/assist", f"<@{BEN}> third, one person fits")
    slack.settle()
    assert len(credits(sessions)) == 2


def test_a_reaction_past_the_daily_limit_is_explained(make_app, standin, listeners, sessions):
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests

    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    slack.reaction(True, user=GINA, author=ANA, ts="1.1")
    slack.reaction(True, user=GINA, author=BEN, ts="1.2")
    slack.settle()
    assert len(credits(sessions)) == 1
    [note] = standin.calls("chat.postEphemeral")
    assert "today's limit of 1 credit " in note.args["text"]


def test_text_from_a_private_channel_is_kept_for_the_giver_but_marked_private(
    slack, standin, sessions
):
    slack.command("/assist", f"<@{ANA}> shared the secret pricing", channel=SECRET)
    slack.settle()
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert assist.is_private is True
        assert assist.description == "shared the secret pricing"


def test_unknown_conversations_are_treated_as_private(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> helped in a DM", channel="DDIRECT0001")
    slack.command("/assist", f"<@{BEN}> helped somewhere odd", channel="CUNKNOWN01")
    slack.settle()
    with sessions() as session:
        assert [a.is_private for a in session.scalars(select(Assist))] == [True, True]


def test_over_long_modal_text_gets_a_field_error_naming_the_limit(slack, sessions):
    response = slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [ANA]},
            "kind": {"type": "static_select", "selected_option": {"value": "assist"}},
            "description": {"type": "plain_text_input", "value": "x" * 1501},
            "customer": {"type": "plain_text_input", "value": "y" * 151},
        },
    )
    assert response.status == 200
    body = response.body
    assert '"response_action": "errors"' in body
    assert "at most 1,500 characters (this has 1,501)" in body
    assert "at most 150 characters (this has 151)" in body
    slack.settle()
    assert credits(sessions) == []


def test_crediting_only_yourself_in_the_modal_is_a_field_error(slack, sessions):
    response = slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [GINA]},
            "description": {"type": "plain_text_input", "value": "me"},
        },
    )
    assert "can't credit yourself" in response.body


def test_every_row_carries_the_team_and_other_workspaces_stay_invisible(slack, standin, sessions):
    with sessions.begin() as session:
        for _ in range(3):
            record_assist(
                session,
                AssistDraft(
                    team_id="TOTHER0001", giver_id=GINA, recipient_ids=[BEN], description="x"
                ),
                {BEN: PersonInfo(BEN, "Ben elsewhere")},
                GivingLimit(per_day=10),
            )
    slack.command("/assist", f"<@{ANA}> helped here")
    slack.settle()
    slack.command("/sells", "leaderboard")
    slack.settle()
    board = str(standin.calls("respond")[-1].args["blocks"])
    assert f"<@{ANA}>: credited by 1 person (1 credit)" in board
    assert f"<@{BEN}>" not in board
    with sessions() as session:
        teams = {a.team_id for a in session.scalars(select(Assist))}
        assert teams == {TEAM_ID, "TOTHER0001"}
        assert {c.team_id for c in session.scalars(select(Credit))} == teams


def test_commands_are_acknowledged_before_any_slack_call(slack, standin, sessions):
    slow = standin.hold("users.info")
    response = slack.command("/assist", f"<@{ANA}> fixed the invoice")
    # Slack's users.info has not answered yet, and Slack already has its 200.
    assert response.status == 200
    assert standin.calls("respond") == []
    slow.set()
    standin.wait_for("respond")
    slack.settle()
    assert len(credits(sessions)) == 1


def test_a_bad_signature_is_rejected(slack, sessions):
    from slack_bolt import BoltRequest

    body = "command=%2Fassist&text=hi&team_id=T0TEST&user_id=UGINA00001"
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": "1700000000",
        "x-slack-signature": "v0=deadbeef",
    }
    assert slack.app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    assert credits(sessions) == []


def test_a_failure_after_the_ack_gets_a_friendly_answer_not_a_5xx(slack, standin):
    standin.fail("users.info", "fatal_error")
    response = slack.command("/assist", f"<@{ANA}> fixed the invoice")
    assert response.status == 200
    text = standin.wait_for("respond")[0].args["text"]
    assert "something went wrong" in text


def test_the_form_says_at_once_when_the_daily_limit_would_be_passed(
    make_app, standin, listeners, sessions
):
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests

    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    slack.command("/assist", f"<@{ANA}> first")
    slack.settle()
    response = slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [BEN]},
            "description": {"type": "plain_text_input", "value": "second"},
        },
    )
    errors = json.loads(response.body)["errors"]
    assert errors["recipients"] == "You can credit 0 more people today (the daily limit is 1)."


def test_a_known_bot_or_a_blank_description_is_a_field_error(slack, standin, sessions):
    slack.command("/assist", f"<@{BOT}> deployed it")  # the bot is now known to the directory
    slack.settle()
    response = slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [BOT]},
            "description": {"type": "plain_text_input", "value": "   "},
        },
    )
    errors = json.loads(response.body)["errors"]
    assert errors["recipients"] == "Deploybot is a bot and can't be credited."
    assert errors["description"].startswith("Say what they did")


def test_forms_opened_in_a_private_channel_are_private_even_unticked(slack, standin, sessions):
    """A private channel's ID starts with C like a public one's, so the form can't pre-tick
    its box there; what was typed in it is still never quoted in public."""
    from tests.test_referrals import form as referral_form
    from tests.test_win import win_values

    in_secret = json.dumps({"channel_id": SECRET})
    slack.view_submission(
        "win_modal",
        win_values(story="the CFO told us in the deal room"),
        private_metadata=in_secret,
    )
    slack.view_submission(
        "assist_modal",
        {
            "recipients": {"type": "multi_users_select", "selected_users": [ANA]},
            "kind": {"type": "static_select", "selected_option": {"value": "assist"}},
            "description": {"type": "plain_text_input", "value": "walked them through pricing"},
            "privacy": {"type": "checkboxes", "selected_options": []},
        },
        private_metadata=in_secret,
    )
    slack.view_submission(
        "referral_modal",
        referral_form(owner=None, context="budget doubles next year"),
        private_metadata=in_secret,
    )
    slack.settle()

    # The win is celebrated and the referral queued in channels, without their words.
    in_channels = json.dumps(
        [c.args for c in standin.calls("chat.postMessage") if c.args["channel"][0] == "C"]
    )
    assert "in a private conversation" in in_channels and "Details are private" in in_channels
    assert "deal room" not in in_channels and "budget doubles" not in in_channels
    with sessions() as session:
        assert [a.is_private for a in session.scalars(select(Assist).order_by(Assist.id))] == [
            True,
            True,
        ]


def test_a_lesson_past_the_daily_limit_is_a_field_error_and_the_story_is_not_lost(
    make_app, standin, listeners, sessions
):
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests
    from tests.test_culture_programs import lesson_values

    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    response = slack.view_submission("lesson_modal", lesson_values([ANA, BEN]))
    errors = json.loads(response.body)["errors"]
    assert errors == {"involved": "You can credit 1 more person today (the daily limit is 1)."}
    slack.settle()
    with sessions() as session:
        assert session.scalars(select(Assist)).all() == []

    assert slack.view_submission("lesson_modal", lesson_values([ANA])).body == ""
    slack.settle()
    assert [c.recipient_id for c in credits(sessions)] == [ANA]


def test_an_over_long_quick_assist_names_the_limit_as_the_form_does(slack, standin, sessions):
    slack.command("/assist", f"<@{ANA}> " + "tuned the demo " * 101)
    text = answer(standin)
    assert "has 1,514 characters; please use at most 1,500" in text
    assert credits(sessions) == []


@pytest.mark.skipif(not POSTGRES_URL, reason="two writers at once: SQLite serialises them")
def test_a_first_credit_of_the_day_is_not_refused_when_a_concurrent_one_creates_the_days_row(
    engine, sessions
):
    # Two workers credit for the same giver at once, on the giver's first credit of the day.
    # This one's claim finds no row; the other creates it and commits just before this one
    # looks the row up. That is a race, not the daily limit: the credit must go through.
    limit = GivingLimit(per_day=10)
    raced = []

    def other_worker_commits_first(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().startswith("UPDATE giving_days") and not raced:
            raced.append(True)
            with sessions.begin() as other:
                assert reserve_credits(other, TEAM_ID, GINA, 1, limit, utcnow()) is None

    event.listen(engine, "after_cursor_execute", other_worker_commits_first)
    try:
        with sessions.begin() as session:
            assert reserve_credits(session, TEAM_ID, GINA, 1, limit, utcnow()) is None
    finally:
        event.remove(engine, "after_cursor_execute", other_worker_commits_first)
    with sessions() as session:
        assert remaining_today(session, TEAM_ID, GINA, limit, utcnow()) == 8

"""App Home for an employee, a manager and an admin, kept fresh as their data changes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models.assists import AssistDraft, Kind, Stage, record_assist
from models.base import utcnow
from models.people import PersonInfo, find_person, save_person
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA

ADMIN = "UADMIN0001"


@pytest.fixture
def slack(make_app, standin, listeners) -> SlackRequests:
    standin.add_user(ADMIN, "Ada")
    app = make_app(admin_user_ids=frozenset({ADMIN}))
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


@pytest.fixture(autouse=True)
def org(sessions) -> None:
    with sessions.begin() as session:
        for user, name, department, manager in (
            (GINA, "Gina", "Support", BEN),
            (ANA, "Ana", "Sales", BEN),
            (BEN, "Ben", "Engineering", None),
            (ADMIN, "Ada", "Finance", None),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            person = find_person(session, TEAM_ID, user)
            person.department, person.manager_id = department, manager
        now = utcnow()
        for weeks_ago in (0, 1, 2):
            record_assist(
                session,
                AssistDraft(
                    TEAM_ID, ANA, [GINA], kind=Kind.SERVICE, stage=Stage.POST_SALE, description="x"
                ),
                {GINA: PersonInfo(GINA, "Gina")},
                limit=None,
                now=now - timedelta(weeks=weeks_ago),
            )


def open_home(slack, user) -> dict:
    slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"})
    slack.settle()
    published = [c.args for c in slack.standin.calls("views.publish") if c.args["user_id"] == user]
    return published[-1]["view"]


def test_an_employee_sees_their_record_streak_and_the_common_actions(slack):
    view = open_home(slack, GINA)
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home"
    assert "*This month*\\n" in text and "received · 0 given" in text
    assert "*All time*\\n3 received · 0 given" in text
    assert ":fire: 3 weeks in a row" in text
    buttons = [
        e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["Log an assist", "Pass a referral", "Schedule a session", "Share a lesson"]
    assert "My team" not in text and "Workspace health" not in text


def test_a_manager_also_sees_their_team(slack):
    text = json.dumps(open_home(slack, BEN))
    assert "My team" in text
    assert f"*Credited this week:* <@{GINA}>" in text
    assert f"*No credit in 30 days:* <@{ANA}>" in text
    assert "Workspace health" not in text


def test_an_admin_also_sees_workspace_health(slack):
    text = json.dumps(open_home(slack, ADMIN), ensure_ascii=False)
    assert "Workspace health" in text and "Everybody-sells index by month" in text
    assert "(to date): 25%" in text  # Support of four departments, this month
    assert "No contribution this month:* Engineering, Finance, Sales" in text


def test_home_buttons_open_their_forms(slack, standin):
    for action, callback in (
        ("assist_open_modal", "assist_modal"),
        ("home_referral", "referral_modal"),
        ("home_session", "session_modal"),
        ("home_lesson", "lesson_modal"),
    ):
        slack.interaction(
            {
                "type": "block_actions",
                "user": {"id": GINA, "team_id": TEAM_ID},
                "trigger_id": "t",
                "container": {"type": "view", "view_id": "V1"},
                "view": {"id": "V1", "type": "home"},
                "actions": [{"type": "button", "action_id": action, "value": "home"}],
            }
        )
        slack.settle()
        assert standin.calls("views.open")[-1].args["view"]["callback_id"] == callback


def test_the_home_is_refreshed_when_someone_credits_you(slack, standin):
    open_home(slack, ANA)
    before = len(standin.calls("views.publish"))
    slack.command("/assist", f"<@{ANA}> closed the loop with Acme", user=GINA)
    slack.settle()
    refreshed = [c.args for c in standin.calls("views.publish")[before:]]
    # Only Ana has opened her Home: she is refreshed, Gina (who never opened it) is not.
    assert [r["user_id"] for r in refreshed] == [ANA]
    assert "*This month*\\n1 received" in json.dumps(refreshed[0]["view"])

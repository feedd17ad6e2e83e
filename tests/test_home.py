"""App Home for an employee, a manager and an admin, kept fresh as their data changes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models.assists import AssistDraft, Kind, Stage, record_assist
from models.base import utcnow
from models.deliveries import claim
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
    assert f"*Credited this week* (1 of your 2 reports): <@{GINA}>" in text
    assert f"*No credit in 30 days* (1 of your 2 reports): <@{ANA}>" in text
    assert "Workspace health" not in text


def test_an_admin_also_sees_workspace_health(slack):
    text = json.dumps(open_home(slack, ADMIN), ensure_ascii=False)
    assert "Workspace health" in text and "Everybody-sells index by month" in text
    assert "(to date): 25%" in text  # Support of four departments, this month
    assert "No contribution this month:* Engineering, Finance and Sales" in text
    # Ana (Sales) credited Gina (Support) this week: the other two are worth a word, privately.
    assert (
        "*Quiet for 7 days* (no credit given or received): Engineering and Finance. "
        "Worth a word with their managers" in text
    )


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


def month_label(when) -> str:
    return f"{when:%b %Y}"


def index_line(view: dict) -> str:
    return next(
        b["text"]["text"]
        for b in view["blocks"]
        if b.get("text", {}).get("text", "").startswith("*Everybody-sells index by month:*")
    )


def test_the_admin_home_shows_no_month_before_the_bot_was_installed(slack):
    """The first credit was two weeks ago: months before that had nothing to measure, so
    they show nothing (not 0%)."""
    now = utcnow()
    line = index_line(open_home(slack, ADMIN))
    assert month_label(now - timedelta(weeks=2)) in line and "(to date)" in line
    for months_back in (2, 3, 4, 5):
        assert month_label(now - timedelta(days=31 * months_back)) not in line


def test_the_install_claim_counts_from_when_it_is_earlier(slack, sessions):
    with sessions.begin() as session:
        claim(session, TEAM_ID, "installed", utcnow() - timedelta(days=70))
    now = utcnow()
    line = index_line(open_home(slack, ADMIN))
    assert f"{month_label(now - timedelta(days=70))}: 0%" in line  # installed, nobody credited
    assert month_label(now - timedelta(days=160)) not in line


def test_a_manager_sees_everyone_credited_this_week_not_the_first_ten(slack, sessions):
    reports = [f"UREPORT{n:03d}" for n in range(12)]
    with sessions.begin() as session:
        for n, user in enumerate(reports):
            save_person(session, TEAM_ID, PersonInfo(user, f"Report {n}"))
            find_person(session, TEAM_ID, user).manager_id = BEN
            record_assist(
                session,
                AssistDraft(TEAM_ID, ANA, [user], description=f"helped on call {n}"),
                {user: PersonInfo(user, f"Report {n}")},
                limit=None,
            )
    text = json.dumps(open_home(slack, BEN))
    assert "*Credited this week* (13 of your 14 reports): " in text  # Gina and the twelve
    assert all(f"<@{user}>" in text for user in reports)

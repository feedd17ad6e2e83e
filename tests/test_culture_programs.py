"""Onboarding, the department directory, the customer-passion pulse and lessons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.slack.client import build_client
from jobs.onboarding import run_pulse
from jobs.recognition import Recognition, run_digest
from models.assists import Assist, Credit
from models.departments import DESCRIPTION_LENGTH, describe
from models.people import PersonInfo, find_person, save_person
from models.pulse import PulseAnswer, choose_people, record_asked
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, BOT, GENERAL, GINA, SECRET

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


@pytest.fixture
def org(sessions) -> None:
    with sessions.begin() as session:
        for user, name, department, manager in (
            (GINA, "Gina", "Support", BEN),
            (ANA, "Ana", "Sales", None),
            (BEN, "Ben", "Support", None),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            person = find_person(session, TEAM_ID, user)
            person.department, person.manager_id = department, manager


def user_object(user_id: str, name: str, is_bot: bool = False) -> dict:
    return {
        "id": user_id,
        "name": name,
        "is_bot": is_bot,
        "deleted": False,
        "profile": {"real_name": name},
    }


def test_a_new_person_is_welcomed_once_with_the_department_directory(slack, standin, org):
    slack.command(
        "/sells", "dept describe support: we keep customers happy enough to renew", user=BEN
    )
    slack.settle()
    assert "Saved. New people will read: *Support*" in standin.calls("respond")[-1].args["text"]

    for event_id in ("EvJoin1", "EvJoin2"):
        slack.event(
            {"type": "team_join", "user": user_object("UNEW000001", "Nia")}, event_id=event_id
        )
        slack.settle()
    [welcome] = standin.delivered("UNEW000001")
    text = json.dumps(welcome.args["blocks"])
    assert "Here, everybody sells" in text
    assert "/assist @someone what they did" in text
    assert "*Support*: we keep customers happy enough to renew" in text
    assert "*Sales*: _no description yet_" in text


def test_bots_joining_are_not_welcomed(slack, standin):
    slack.event({"type": "team_join", "user": user_object("UBOTNEW001", "Bot", is_bot=True)})
    slack.settle()
    assert standin.delivered() == []


def test_only_managers_and_admins_describe_a_department(slack, standin, org):
    slack.command("/sells", "dept describe Support: we fix things", user=ANA)
    slack.settle()
    assert (
        standin.calls("respond")[-1].args["text"]
        == "Only managers in Support and admins can describe it."
    )
    slack.command("/sells", "dept describe Legal: we read contracts", user=BEN)
    slack.settle()
    assert "no department called “Legal”" in standin.calls("respond")[-1].args["text"]


def test_a_later_org_import_welcomes_the_people_it_adds(
    standin, database_url, monkeypatch, tmp_path, capsys
):
    from bot.cli import main

    standin.add_user("UNEW000001", "Nia", "nia@example.com")
    monkeypatch.chdir(tmp_path)
    for name, value in (
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_API_URL", standin.api_url),
        ("DATABASE_URL", database_url),
    ):
        monkeypatch.setenv(name, value)
    (tmp_path / "first.csv").write_text(
        "email,department,manager_email\ngina@example.com,Support,\nana@example.com,Sales,\n"
    )
    assert main(["org", "import", "first.csv"]) == 0
    assert standin.delivered() == []  # the first import is the whole company: no welcomes
    (tmp_path / "later.csv").write_text(
        "email,department,manager_email\ngina@example.com,Support,\nnia@example.com,Support,gina@example.com\n"
    )
    assert main(["org", "import", "later.csv"]) == 0
    assert "Sent a welcome DM to 1 new person." in capsys.readouterr().out
    assert [c.args["channel"] for c in standin.delivered()] == ["UNEW000001"]


@pytest.fixture
def job(settings, sessions) -> Recognition:
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")


def test_the_pulse_asks_a_few_people_and_nobody_again_within_the_cooldown(
    job, standin, sessions, org
):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(BOT, "Deploybot", is_bot=True))
    first = run_pulse(job, NOW, size=2, cooldown_weeks=8)
    again = run_pulse(job, NOW + timedelta(hours=1), size=2, cooldown_weeks=8)
    assert len(first.recipients) == 2 and again.sent == 0
    assert BOT not in first.recipients
    second_week = run_pulse(job, NOW + timedelta(weeks=1), size=2, cooldown_weeks=8)
    assert second_week.recipients == sorted({GINA, ANA, BEN} - set(first.recipients))
    third_week = run_pulse(job, NOW + timedelta(weeks=2), size=2, cooldown_weeks=8)
    assert third_week.sent == 0  # everyone was asked within the cooldown
    assert (
        "gets you excited about our customers"
        in standin.delivered(first.recipients[0])[0].args["text"]
    )


def test_a_shared_pulse_answer_features_in_the_digest(job, slack, standin, sessions, org):
    result = run_pulse(job, NOW, size=1, cooldown_weeks=8)
    person = result.recipients[0]
    button = standin.delivered(person)[0].args["blocks"][1]["elements"][0]
    slack.block_action("pulse_answer", button["value"], user=person)
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission(
        "pulse_modal",
        {
            "answer": {
                "type": "plain_text_input",
                "value": "Watching a customer ship faster because of us",
            },
            "share": {"type": "checkboxes", "selected_options": [{"value": "share"}]},
        },
        user=person,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        answer = session.scalars(select(PulseAnswer)).one()
        assert answer.share and answer.answer.startswith("Watching a customer")
    run_digest(job, datetime.now(UTC) + timedelta(minutes=1))
    post = json.dumps(standin.delivered(job.settings.recognition_channel)[-1].args["blocks"])
    assert "What excites us about our customers" in post and "ship faster because of us" in post


def lesson_values(involved: list[str], share: bool = True) -> dict:
    return {
        "experiment": {"type": "plain_text_input", "value": "Annual-only pricing for SMBs"},
        "happened": {"type": "plain_text_input", "value": "Trials halved."},
        "learned": {"type": "plain_text_input", "value": "Small teams need monthly plans."},
        "involved": {"type": "multi_users_select", "selected_users": involved},
        "share": {
            "type": "checkboxes",
            "selected_options": [{"value": "share"}] if share else [],
        },
    }


def test_a_lesson_credits_those_involved_and_is_never_ranked(slack, standin, sessions):
    slack.command("/sells", "lesson")
    slack.settle()
    assert standin.calls("views.open")[-1].args["view"]["callback_id"] == "lesson_modal"
    assert standin.calls("respond") == []  # the form opened; nothing to say in the channel
    assert slack.view_submission("lesson_modal", lesson_values([ANA])).body == ""
    slack.settle()
    with sessions() as session:
        credit = session.scalars(select(Credit)).one()
        assert (credit.kind, credit.recipient_id, credit.giver_id) == ("lesson", ANA, GINA)
    assert "loud mistake" in standin.delivered(GINA)[-1].args["text"]
    slack.command("/sells", "leaderboard")
    slack.settle()
    assert f"<@{ANA}>" not in json.dumps(standin.calls("respond")[-1].args["blocks"])


def test_a_lesson_of_your_own_is_kept_even_with_nobody_else_involved(slack, sessions):
    slack.view_submission("lesson_modal", lesson_values([]))
    slack.settle()
    with sessions() as session:
        lesson = session.scalars(select(Assist)).one()
        assert lesson.kind == "lesson" and lesson.credits == []
        assert "Small teams need monthly plans." in lesson.description


def share_box_ticked(view: dict) -> bool:
    [box] = [b for b in view["blocks"] if b.get("block_id") == "share"]
    return bool(box["element"].get("initial_options"))


def test_a_lesson_from_a_private_conversation_stays_private_unless_shared(
    slack, standin, sessions, job
):
    slack.command("/sells", "lesson", channel=SECRET)
    slack.command("/sells", "lesson", channel=GENERAL)
    slack.settle()
    private_form, public_form = (c.args["view"] for c in standin.calls("views.open"))
    assert not share_box_ticked(private_form) and share_box_ticked(public_form)

    meta = private_form["private_metadata"]
    slack.view_submission("lesson_modal", lesson_values([ANA], share=False), private_metadata=meta)
    slack.settle()
    run_digest(job, datetime.now(UTC) + timedelta(minutes=1))
    post = json.dumps(standin.delivered(job.settings.recognition_channel)[-1].args["blocks"])
    assert "Loud mistakes" in post and "in a private conversation" in post
    assert "monthly plans" not in post
    with sessions() as session:
        assert session.scalars(select(Assist)).one().is_private


def test_a_lesson_the_person_chose_to_share_is_quoted(slack, standin, job):
    slack.view_submission("lesson_modal", lesson_values([ANA], share=True))
    slack.settle()
    run_digest(job, datetime.now(UTC) + timedelta(minutes=1))
    post = json.dumps(standin.delivered(job.settings.recognition_channel)[-1].args["blocks"])
    assert "Small teams need monthly plans." in post


def test_a_big_directory_is_listed_whole_by_sells_dept_and_summed_up_in_the_welcome(
    slack, standin, sessions
):
    """122 departments with 300-character descriptions: `/sells dept` gives each its whole
    line over several sections; the welcome names a few and says where the rest are."""
    names = [f"Department of Customer Journeys no {n:03d}" for n in range(122)]
    with sessions.begin() as session:
        for n, name in enumerate(names):
            save_person(session, TEAM_ID, PersonInfo(f"UPERSON{n:03d}", f"Person {n}"))
            find_person(session, TEAM_ID, f"UPERSON{n:03d}").department = name
            text = (f"{name} helps sell: " + "we help. " * 30)[:DESCRIPTION_LENGTH]
            describe(session, TEAM_ID, name, text, GINA)
    slack.command("/sells", "dept", user=ANA)
    slack.settle()
    answer = standin.calls("respond")[-1].args  # Slack took it: no section over its limit
    assert answer["text"] == "How each team helps sell: 122 departments"
    lines = [line for b in answer["blocks"][1:] for line in b["text"]["text"].split("\n")]
    assert len(lines) == 122 and lines[-1].startswith(f"• *{names[-1]}*: ")

    slack.event({"type": "team_join", "user": user_object("UNEW000001", "Nia")})
    slack.settle()
    [welcome] = standin.delivered("UNEW000001")
    directory = welcome.args["blocks"][2]["text"]["text"].split("\n")
    shown = len(directory) - 2  # the heading, the teams, and how many more
    assert directory[-1] == f"…and {122 - shown} more: `/sells dept` lists them all."


def test_a_second_instance_running_the_same_week_asks_the_same_few_people(job, standin, sessions):
    # Instance A has drawn and recorded this week's three and is still sending them when
    # instance B's run starts: B must draw the same three, not three more.
    with sessions.begin() as session:
        for n in range(40):
            save_person(session, TEAM_ID, PersonInfo(f"UPULSE{n:04d}", f"Person {n}"))
    period = job.period(NOW)
    with sessions.begin() as session:
        drawn_by_a = choose_people(session, TEAM_ID, period, NOW, 3, timedelta(weeks=8))
        for user_id in drawn_by_a:
            record_asked(session, TEAM_ID, user_id, period, NOW)
    run_by_b = run_pulse(job, NOW + timedelta(minutes=1), size=3, cooldown_weeks=8)
    assert run_by_b.recipients == drawn_by_a
    with sessions() as session:
        assert len(session.scalars(select(PulseAnswer)).all()) == 3
    assert sum(len(standin.delivered(user_id)) for user_id in drawn_by_a) == 3

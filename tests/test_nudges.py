"""Manager nudges: each manager hears about their own reports, once per period."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.slack.client import build_client
from bot.slack.messages import delivery_metadata, post_message
from jobs.recognition import Recognition, run_nudges
from models.assists import AssistDraft, Credit, Kind, record_assist
from models.base import utcnow
from models.deliveries import claim, complete
from models.people import PersonInfo, find_person, save_person
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
LEAD = "ULEAD00001"  # manages Ana (sales) and Ben
HEAD = "UHEAD00001"  # manages Gina (support)


@pytest.fixture
def job(settings, sessions) -> Recognition:
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")


@pytest.fixture(autouse=True)
def org(sessions, standin) -> None:
    standin.add_user(LEAD, "Lee")
    standin.add_user(HEAD, "Hana")
    with sessions.begin() as session:
        for user, name, department, manager in (
            (ANA, "Ana", "Sales", LEAD),
            (BEN, "Ben", "Engineering", LEAD),
            (GINA, "Gina", "Support", HEAD),
            (LEAD, "Lee", "Sales", None),
            (HEAD, "Hana", "Support", None),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            person = find_person(session, TEAM_ID, user)
            person.department, person.manager_id = department, manager
        record_assist(
            session,
            AssistDraft(
                TEAM_ID,
                GINA,
                [ANA],
                kind=Kind.SERVICE,
                customer="Acme",
                description="fixed the Acme invoice",
            ),
            {ANA: PersonInfo(ANA, "Ana")},
            limit=None,
            now=NOW - timedelta(days=2),
        )


def nudge_to(standin, manager) -> list[dict]:
    return [c.args for c in standin.delivered(manager)]


def test_each_manager_hears_about_their_own_reports_and_nobody_else(job, standin):
    result = run_nudges(job, NOW)
    assert sorted(result.recipients) == sorted([LEAD, HEAD])
    [lead] = nudge_to(standin, LEAD)
    text = json.dumps(lead["blocks"])
    assert "fixed the Acme invoice" in text and "Say thanks" in text
    assert f"Not credited in 30 days* (1 of your 2 reports): <@{BEN}>" in text
    assert GINA not in text.replace(f"credited by <@{GINA}>", "")
    [head] = nudge_to(standin, HEAD)
    head_text = json.dumps(head["blocks"])
    assert f"Not credited in 30 days* (1 of your 1 report): <@{GINA}>" in head_text
    assert ANA not in head_text and BEN not in head_text


def test_a_second_run_in_the_period_sends_nothing(job, standin):
    run_nudges(job, NOW)
    again = run_nudges(job, NOW + timedelta(hours=1))
    assert again.sent == 0 and "already sent" in again.reason
    assert len(standin.delivered()) == 2


def test_a_failure_between_recipients_resumes_without_duplicates(job, standin):
    standin.fail_posts_to(HEAD, "fatal_error")
    first = run_nudges(job, NOW)
    assert (first.sent, first.failed) == (1, 1)
    second = run_nudges(job, NOW + timedelta(minutes=1))
    assert (second.sent, second.skipped) == (1, 1)
    assert len(nudge_to(standin, LEAD)) == 1 and len(nudge_to(standin, HEAD)) == 1


def test_a_crashed_fan_out_is_resumed_after_its_lease(job, standin, sessions):
    period = job.period(NOW)
    with sessions.begin() as session:  # the crashed instance had sent to Lee only
        claim(session, TEAM_ID, f"nudge-run:{period}", NOW, worker="crashed")
        claim(session, TEAM_ID, f"nudge:{period}:{LEAD}", NOW, worker="crashed")
        complete(session, TEAM_ID, f"nudge:{period}:{LEAD}", NOW)
    assert run_nudges(job, NOW + timedelta(minutes=5)).sent == 0
    resumed = run_nudges(job, NOW + timedelta(minutes=31))
    assert resumed.recipients == [HEAD]
    assert nudge_to(standin, LEAD) == []  # already sent before the crash: not sent twice


def test_rate_limited_answers_are_retried_until_delivered(job, standin):
    standin.throttle("chat.postMessage", 3, retry_after=0)
    result = run_nudges(job, NOW)
    assert (result.sent, result.failed) == (2, 0)
    assert len(standin.delivered()) == 2


def test_say_thanks_reaches_the_report_once(job, standin, slack, sessions):
    run_nudges(job, NOW)
    [lead] = nudge_to(standin, LEAD)
    button = next(
        b["accessory"]
        for b in lead["blocks"]
        if b.get("accessory", {}).get("action_id") == "nudge_thanks"
    )
    slack.block_action("nudge_thanks", button["value"], user=LEAD)
    slack.settle()
    slack.block_action("nudge_thanks", button["value"], user=LEAD)
    slack.settle()
    thanks = [c.args["text"] for c in standin.delivered(ANA) if "says thank you" in c.args["text"]]
    assert len(thanks) == 1 and f"<@{LEAD}>" in thanks[0] and "fixed the Acme invoice" in thanks[0]
    assert "already thanked" in standin.calls("respond")[-1].args["text"]
    slack.block_action("nudge_thanks", button["value"], user=HEAD)
    slack.settle()
    assert "only your own reports" in standin.calls("respond")[-1].args["text"]


def test_stop_and_snooze_pause_nudges_and_sells_nudges_on_resumes(job, standin, slack):
    slack.block_action("nudge_stop", "stop", user=LEAD)
    slack.settle()
    run_nudges(job, NOW)
    assert nudge_to(standin, LEAD) == [] and len(nudge_to(standin, HEAD)) == 1
    slack.command("/sells", "nudges on", user=LEAD)
    slack.settle()
    assert standin.calls("respond")[-1].args["text"] == "Weekly nudges are on."
    run_nudges(job, NOW + timedelta(days=7))
    assert len(nudge_to(standin, LEAD)) == 1


def test_snooze_says_until_when_and_skips_the_next_nudge(job, standin, slack):
    clicked = utcnow()
    slack.block_action("nudge_snooze", "snooze", user=LEAD)
    slack.settle()
    reply = standin.calls("respond")[-1].args
    assert reply["response_type"] == "ephemeral"
    # Slack shows the date in each reader's own time zone; the fallback is UTC.
    stamp = int(re.search(r"<!date\^(\d+)\^", reply["text"]).group(1))
    assert abs(stamp - (clicked + timedelta(days=7)).timestamp()) < 60
    assert reply["text"].startswith("Snoozed: no nudges until <!date^")
    assert "`/sells nudges on`" in reply["text"]

    run_nudges(job, clicked + timedelta(days=6, hours=23))
    assert nudge_to(standin, LEAD) == [] and len(nudge_to(standin, HEAD)) == 1
    run_nudges(job, clicked + timedelta(days=14))
    assert len(nudge_to(standin, LEAD)) == 1


def test_nudge_preview_prints_each_managers_own_reports(
    database_url, monkeypatch, tmp_path, capsys, standin, sessions
):
    from bot.cli import main

    # Quinn's one report was credited ten days ago: nothing new, nobody overlooked.
    with sessions.begin() as session:
        for user, name in (("UQUINN0001", "Quinn"), ("URAY000001", "Ray")):
            save_person(session, TEAM_ID, PersonInfo(user, name))
        find_person(session, TEAM_ID, "URAY000001").manager_id = "UQUINN0001"
        record_assist(
            session,
            AssistDraft(TEAM_ID, GINA, ["URAY000001"], description="helped"),
            {"URAY000001": PersonInfo("URAY000001", "Ray")},
            limit=None,
            now=utcnow() - timedelta(days=10),
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["nudge", "--preview"]) == 0
    out = capsys.readouterr().out
    assert "Quinn" not in out
    assert out.rstrip().endswith("(1 manager with nothing to say would be skipped.)")
    out = out.rsplit("(1 manager", 1)[0]
    _, hana, lee = out.split("=== To ")
    assert hana.startswith("Hana ===") and lee.startswith("Lee ===")
    assert "@Gina" in hana and "@Ana" not in hana and "@Ben" not in hana
    assert "@Ana, credited by @Gina" in lee and "@Ben" in lee
    assert standin.delivered() == []


def test_a_fan_out_whose_connection_drops_gives_the_run_back(job, standin):
    standin.drop("chat.postMessage", times=6)  # both nudges, through the client's retries
    first = run_nudges(job, NOW)
    assert (first.sent, first.failed) == (0, 2)
    second = run_nudges(job, NOW + timedelta(minutes=1))
    assert second.sent == 2, second.reason
    assert len(nudge_to(standin, LEAD)) == 1 and len(nudge_to(standin, HEAD)) == 1


def test_a_nudge_slack_took_before_its_sender_died_is_not_sent_again(job, standin, sessions):
    """Killed between Slack accepting Lee's nudge and recording it: the next run finds it
    in the DM (by the key in its metadata) and sends only Hana's."""
    period = job.period(NOW)
    key = f"nudge:{period}:{LEAD}"
    with sessions.begin() as session:
        claim(session, TEAM_ID, f"nudge-run:{period}", NOW, worker="killed")
        claim(session, TEAM_ID, key, NOW, worker="killed")
    post_message(
        job.client, channel=LEAD, text="Your week", metadata=delivery_metadata(key)
    )  # what the killed instance got out

    resumed = run_nudges(job, NOW + timedelta(minutes=31))

    assert resumed.recipients == [HEAD]
    assert len(nudge_to(standin, LEAD)) == 1 and len(nudge_to(standin, HEAD)) == 1
    [looked] = standin.calls("conversations.history")
    assert looked.args["channel"] == f"D{LEAD}"
    second = run_nudges(job, NOW + timedelta(minutes=32))
    assert second.sent == 0 and len(standin.delivered()) == 2


def credit(session, giver, recipients, when, kind=Kind.ASSIST, description="helped"):
    record_assist(
        session,
        AssistDraft(TEAM_ID, giver, recipients, kind=kind, description=description),
        {r: PersonInfo(r, r) for r in recipients},
        limit=None,
        now=when,
    )


def test_the_nudge_counts_every_credit_and_says_how_many_more(job, standin, sessions):
    """25 more credits for Ana this week (26 with the fixture's): the whole count, the
    latest ten assists, and how many more; not "10 credits" because ten are listed."""
    with sessions.begin() as session:
        for n in range(25):
            credit(session, GINA, [ANA], NOW - timedelta(hours=n + 1), description=f"call {n}")
    run_nudges(job, NOW)
    [lead] = nudge_to(standin, LEAD)
    shown = json.dumps(lead["blocks"])
    assert "*Thank them*: 26 credits your reports received this week." in shown
    assert "\\u2026and 16 more assists this week." in shown
    assert lead["text"].startswith("Your team, week 48: 26 credits to thank")
    lines = [b["text"]["text"] for b in lead["blocks"] if b.get("accessory")]
    assert len(lines) == 10 and "call 0" in lines[0]  # the latest first


def test_one_win_for_two_reports_is_one_line_and_one_thanks_reaches_both(
    job, standin, slack, sessions
):
    with sessions.begin() as session:
        credit(session, GINA, [ANA, BEN], NOW - timedelta(hours=1), Kind.WIN, "won Initech")
    run_nudges(job, NOW)
    [lead] = nudge_to(standin, LEAD)
    lines = [b for b in lead["blocks"] if "won Initech" in json.dumps(b)]
    assert len(lines) == 1  # not once per helper
    [line] = lines
    assert line["text"]["text"].startswith(f":trophy: <@{ANA}> and <@{BEN}>, credited by <@{GINA}>")
    assert line["accessory"]["text"]["text"] == "Say thanks to all"
    slack.block_action("nudge_thanks", line["accessory"]["value"], user=LEAD)
    slack.settle()
    for report in (ANA, BEN):
        thanks = [c for c in standin.delivered(report) if "says thank you" in c.args["text"]]
        assert len(thanks) == 1 and "won Initech" in thanks[0].args["text"]
    reply = standin.calls("respond")[-1].args["text"]
    assert reply == f":white_check_mark: Sent your thanks to <@{ANA}> and <@{BEN}>."


def test_a_lesson_is_in_the_nudge_without_a_thanks_button(job, standin, slack, sessions):
    with sessions.begin() as session:
        credit(session, GINA, [BEN], NOW - timedelta(hours=1), Kind.LESSON, "annual-only pricing")
        lesson_credit = session.scalars(select(Credit).where(Credit.kind == "lesson")).one().id
    run_nudges(job, NOW)
    [lead] = nudge_to(standin, LEAD)
    [line] = [b for b in lead["blocks"] if "annual-only pricing" in json.dumps(b)]
    assert "accessory" not in line and "shared a lesson from a loud mistake" in line["text"]["text"]
    slack.block_action("nudge_thanks", str(lesson_credit), user=LEAD)  # a hand-made click
    slack.settle()
    assert "never thanked as a score" in standin.calls("respond")[-1].args["text"]
    assert not [c for c in standin.delivered(BEN) if "says thank you" in c.args["text"]]


def test_a_quiet_department_is_named_only_to_its_own_managers(job, standin):
    """Engineering (Ben) neither gave nor received a credit this week; Lee manages Ben."""
    run_nudges(job, NOW)
    [lead] = nudge_to(standin, LEAD)
    assert (
        ":seedling: *Engineering* was quiet this week: no credit given or received in 7 days."
        in json.dumps(lead["blocks"])
    )
    [head] = nudge_to(standin, HEAD)
    assert "quiet this week" not in json.dumps(head["blocks"])

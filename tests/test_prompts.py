"""The weekly "Who helped you this week?" DM: who is asked, once a week across instances,
and what each of its buttons does."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks.prompts import PROMPT_CREDIT_ACTION, PROMPT_NOBODY_ACTION, PROMPT_STOP_ACTION
from bot.slack.client import build_client
from jobs.prompts import run_prompt
from jobs.recognition import Recognition
from models.assists import Assist, Credit
from models.deliveries import Delivery
from models.people import PersonInfo, find_person, save_person
from models.prompts import PromptAsk, PromptOptOut
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID, SlackStandIn
from tests.workspace import ANA, BEN, BOT, GINA, GONE

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # a Friday, 2026-W48
PERIOD = "2026-W48"
STAFF = [f"USTAFF{n:04d}" for n in range(12)]


def add_people(sessions, people: list[tuple[str, str]], **flags: bool) -> None:
    with sessions.begin() as session:
        for user_id, name in people:
            save_person(session, TEAM_ID, PersonInfo(user_id, name, **flags))
            find_person(session, TEAM_ID, user_id).department = "Support"


@pytest.fixture
def org(sessions) -> None:
    """Gina, Ana and Ben, a bot and someone who left: only the three can be asked."""
    add_people(sessions, [(GINA, "Gina"), (ANA, "Ana"), (BEN, "Ben")])
    add_people(sessions, [(BOT, "Deploybot")], is_bot=True)
    add_people(sessions, [(GONE, "Gone")], is_deleted=True)


def job_for(settings, sessions, worker: str = "test") -> Recognition:
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker=worker)


@pytest.fixture
def job(settings, sessions) -> Recognition:
    return job_for(settings, sessions)


def questions(standin: SlackStandIn) -> list:
    return [c for c in standin.delivered() if "Who helped you this week?" in c.args["text"]]


def asked(sessions, period: str = PERIOD) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(PromptAsk.user_id).where(PromptAsk.period == period)))


def click(
    slack: SlackRequests,
    action_id: str,
    value: str = PERIOD,
    user: str = GINA,
    values: dict | None = None,
    ts: str = "1764252000.000100",
    **changes: object,
):
    """A click on one of the question's buttons, with what the message's inputs hold."""
    channel = f"D{user[1:]}"
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM_ID},
        "channel": {"id": channel},
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
        "response_url": slack.standin.response_url("action"),
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "message": {"type": "message", "ts": ts},
        "state": {"values": {b: {"value": state} for b, state in (values or {}).items()}},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "prompt_buttons", "value": value}
        ],
        **changes,
    }
    return slack.interaction(payload)


def answer(people: list, kind: str = "service", note: str = "Took the Acme call with me") -> dict:
    return {
        "recipients": {"type": "multi_users_select", "selected_users": people},
        "kind": {"type": "static_select", "selected_option": {"value": kind}},
        "note": {"type": "plain_text_input", "value": note},
        "privacy": {"type": "checkboxes", "selected_options": [{"value": "private"}]},
    }


def last_answer(standin: SlackStandIn) -> dict:
    return standin.calls("respond")[-1].args


# -- who is asked, and how often ------------------------------------------------------------


def test_two_instances_at_once_ask_each_person_once_this_week(settings, sessions, standin):
    """Two schedulers on one database fire at the same tick: five people are asked, each
    exactly once, and a later run this week asks nobody."""
    add_people(sessions, [(user, f"Staff {n}") for n, user in enumerate(STAFF)])
    jobs = [job_for(settings, sessions, worker) for worker in ("one", "two")]
    standin.delay("chat.postMessage", 0.05)
    start = threading.Barrier(2)
    results = []

    def run(job: Recognition) -> None:
        start.wait()
        results.append(run_prompt(job, NOW, size=5, cooldown_weeks=6))

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    per_person = Counter(c.args["channel"] for c in questions(standin))
    assert sorted(per_person) == asked(sessions) and len(per_person) == 5
    assert set(per_person.values()) == {1}
    assert sorted(r.sent for r in results) == [0, 5]
    again = run_prompt(jobs[1], NOW + timedelta(hours=3), size=5, cooldown_weeks=6)
    assert again.sent == 0 and "already sent" in again.reason
    assert len(questions(standin)) == 5


def test_a_run_taken_over_mid_way_asks_the_same_people_and_nobody_twice(
    settings, sessions, standin
):
    """A slow run outlives its lease; the instance that takes it over draws the same five
    people (the draw is seeded by the week) and sends only what the first did not."""
    add_people(sessions, [(user, f"Staff {n}") for n, user in enumerate(STAFF)])
    short = replace(settings, run_lease_seconds=1, claim_lease_seconds=30)
    first, second = (job_for(short, sessions, w) for w in ("first", "second"))
    standin.delay("chat.postMessage", 0.4)  # five DMs: two seconds
    runner = threading.Thread(
        target=run_prompt, args=(first, NOW), kwargs={"size": 5, "cooldown_weeks": 6}
    )
    runner.start()
    time.sleep(1.3)
    assert runner.is_alive()
    taken_over = run_prompt(second, NOW + timedelta(seconds=1.3), size=5, cooldown_weeks=6)
    runner.join(timeout=30)

    assert not taken_over.reason  # it took the run over rather than skipping it
    per_person = Counter(c.args["channel"] for c in questions(standin))
    assert len(per_person) == 5 and set(per_person.values()) == {1}
    assert sorted(per_person) == asked(sessions)


def test_bots_people_who_left_and_those_asked_within_the_cooldown_are_never_chosen(
    job, sessions, standin, org
):
    weeks = [run_prompt(job, NOW + timedelta(weeks=n), size=2, cooldown_weeks=3) for n in range(4)]
    first, second, third, fourth = (set(w.recipients) for w in weeks)
    assert len(first) == 2 and first <= {GINA, ANA, BEN}
    assert second == {GINA, ANA, BEN} - first  # the one left
    assert third == set()  # everyone was asked in the last two weeks
    assert fourth == first  # three weeks on, they may be asked again
    assert all(BOT not in w.recipients and GONE not in w.recipients for w in weeks)


def test_no_question_when_the_size_is_zero(job, standin, org):
    result = run_prompt(job, NOW, size=0, cooldown_weeks=6)
    assert result.sent == 0 and "off" in result.reason
    assert questions(standin) == []


def test_the_scheduler_asks_on_friday_afternoon_by_default(settings, sessions, standin):
    from bot.runner import scheduled_jobs

    jobs = {j.id: j for j in scheduled_jobs(settings, sessions, build_client(settings))}
    fire = jobs["prompt"].trigger.get_next_fire_time(None, NOW - timedelta(days=1))
    assert fire == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


# -- the buttons ---------------------------------------------------------------------------


def test_the_question_has_a_picker_a_kind_a_note_and_three_buttons(job, standin, org):
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    [question] = [c for c in questions(standin) if c.args["channel"] == GINA]
    blocks = question.args["blocks"]
    inputs = {b["block_id"]: b["element"] for b in blocks if b["type"] == "input"}
    assert inputs["recipients"]["type"] == "multi_users_select"
    kinds = [o["value"] for o in inputs["kind"]["options"]]
    assert kinds == ["assist", "service", "insight", "win"]
    assert inputs["note"]["max_length"] == 200
    [buttons] = [b["elements"] for b in blocks if b["type"] == "actions"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Credit them", PERIOD),
        ("Nobody this week", PERIOD),
        ("Stop asking me", PERIOD),
    ]


def test_answering_credits_the_people_chosen_once_and_confirms_privately(
    slack, job, standin, sessions, org
):
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    for _ in range(2):  # a double click: one assist, one DM each
        assert click(slack, PROMPT_CREDIT_ACTION, values=answer([ANA, BEN])).status == 200
        slack.settle()
    with sessions() as session:
        credits = session.scalars(select(Credit).order_by(Credit.recipient_id)).all()
        assert [(c.giver_id, c.recipient_id, c.kind) for c in credits] == [
            (GINA, ANA, "service"),
            (GINA, BEN, "service"),
        ]
        [assist] = session.scalars(select(Assist)).all()
        assert (assist.source, assist.description) == ("modal", "Took the Acme call with me")
        assert assist.is_private  # the note was written in a DM: kept out of public posts
        row = session.scalar(select(PromptAsk).where(PromptAsk.user_id == GINA))
        assert (row.answer, row.assist_id) == ("credited", assist.id)
    confirmation = standin.calls("respond")[0].args
    assert confirmation["replace_original"] is True
    assert confirmation["text"].startswith(f":white_check_mark: You credited <@{ANA}> and <@{BEN}>")
    for person in (ANA, BEN):  # each told once that Gina credited them
        notices = [c for c in standin.delivered(person) if c not in questions(standin)]
        assert [n.args["text"] for n in notices] == [
            f":hammer_and_wrench: <@{GINA}> credited you: “Took the Acme call with me”"
        ]


def test_the_usual_rules_apply_to_an_answer(slack, job, standin, sessions, org):
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    for people, said in (
        ([], "Choose who helped you, or press *Nobody this week*."),
        ([GINA], "You can't credit yourself"),
        ([ANA], "Say in one line what they did."),
    ):
        values = answer(people, note="" if people == [ANA] else "x")
        click(slack, PROMPT_CREDIT_ACTION, values=values)
        slack.settle()
        reply = last_answer(standin)
        assert reply["replace_original"] is False and said in reply["text"], reply
    click(slack, PROMPT_CREDIT_ACTION, values=answer([BOT]))
    slack.settle()
    assert "is a bot" in last_answer(standin)["text"]  # the question stays for another try
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Credit)) == 0


def test_the_daily_limit_holds_for_an_answer(make_app, standin, listeners, job, sessions, org):
    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    click(slack, PROMPT_CREDIT_ACTION, values=answer([ANA, BEN]))
    slack.settle()
    assert "You can credit 1 more person today" in last_answer(standin)["text"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Credit)) == 0


def test_nobody_this_week_thanks_and_records_nothing(slack, job, standin, sessions, org):
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    assert click(slack, PROMPT_NOBODY_ACTION).status == 200
    slack.settle()
    reply = last_answer(standin)
    assert reply["replace_original"] is True and reply["text"].startswith("Thanks for answering")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 0
        row = session.scalar(select(PromptAsk).where(PromptAsk.user_id == GINA))
        assert (row.answer, row.assist_id) == ("nobody", None)


def test_stop_asking_me_is_for_good_until_sells_prompts_on(slack, job, standin, sessions, org):
    run_prompt(job, NOW, size=3, cooldown_weeks=1)
    click(slack, PROMPT_STOP_ACTION)
    slack.settle()
    reply = last_answer(standin)
    assert reply["replace_original"] is True and "`/sells prompts on`" in reply["text"]
    for week in range(1, 4):
        later = run_prompt(job, NOW + timedelta(weeks=week), size=3, cooldown_weeks=1)
        assert later.recipients == [ANA, BEN]

    slack.command("/sells", "prompts on")
    slack.settle()
    assert "you may be asked again" in last_answer(standin)["text"]
    back = run_prompt(job, NOW + timedelta(weeks=4), size=3, cooldown_weeks=1)
    assert GINA in back.recipients

    slack.command("/sells", "prompts off", user=ANA)
    slack.settle()
    with sessions() as session:
        assert session.scalars(select(PromptOptOut.user_id)).all() == [ANA]


def test_sells_help_and_a_wrong_word_name_the_subcommand(slack, standin):
    slack.command("/sells", "help")
    slack.command("/sells", "prompts maybe")
    slack.settle()
    help_text, usage = (json.dumps(c.args) for c in standin.calls("respond"))
    assert "/sells prompts on|off" in help_text
    assert "/sells prompts on` or `/sells prompts off" in usage


FORGED = {
    "a week that is not one": {"value": "DROP TABLE"},
    "a kind the question does not offer": {"values": answer([ANA], kind="lesson")},
    "people that are not IDs": {"values": answer([1])},
    "people that are not users": {"values": answer(["everyone"])},
    "a note that is a number": {
        "values": {**answer([ANA]), "note": {"type": "plain_text_input", "value": 42}}
    },
    "no message": {"container": {"type": "message"}},
    "a state that is not an object": {"state": []},
}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_forged_values_get_400_and_cause_nothing(slack, standin, sessions, org, forged):
    response = click(slack, PROMPT_CREDIT_ACTION, **{"values": answer([ANA]), **forged})
    slack.settle()
    assert response.status == 400, response.body
    assert standin.calls("respond") == [] and standin.delivered() == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 0


@pytest.mark.parametrize("action_id", [PROMPT_NOBODY_ACTION, PROMPT_STOP_ACTION])
def test_forged_weeks_on_the_other_buttons_get_400(slack, standin, sessions, org, action_id):
    assert click(slack, action_id, value="2026-W48; DROP").status == 400
    slack.settle()
    assert standin.calls("respond") == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PromptOptOut)) == 0


def test_each_dm_is_claimed_under_its_own_key(job, sessions, org):
    run_prompt(job, NOW, size=3, cooldown_weeks=6)
    with sessions() as session:
        keys = sorted(session.scalars(select(Delivery.key)))
    assert keys == sorted(
        [f"prompt:{PERIOD}:{user}" for user in (GINA, ANA, BEN)] + [f"prompt-run:{PERIOD}"]
    )

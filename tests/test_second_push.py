"""The second push: a department whose people stopped crediting each other gets its managers
one private brief, with the drop in numbers and three people they could thank."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.client import build_client
from jobs.recognition import Recognition
from jobs.second_push import push_key, push_window, run_second_push
from models.assists import AssistDraft, Kind, record_assist
from models.base import utcnow
from models.deliveries import claim, complete
from models.giving_drops import GivingDrop, giving_drops
from models.knowledge_sessions import KnowledgeSession, SessionPresenter
from models.nudges import ManagerThanks, set_nudges
from models.people import PersonInfo, find_person, save_person
from models.referrals import Referral
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID, SlackStandIn
from tests.workspace import RECOGNITION

NOW = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)  # a Monday
MANAGERS = {"Support": "UMSUP00001", "Engineering": "UMENG00001", "Finance": "UMFIN00001"}
MANAGERS["Legal"] = "UMLEG00001"
ADMIN = "UADMIN0001"


def staff(prefix: str, count: int) -> list[str]:
    return [f"U{prefix}{n:05d}" for n in range(count)]


SUPPORT, ENGINEERING = staff("SUP", 12), staff("ENG", 6)
FINANCE, LEGAL = staff("FIN", 5), staff("LEG", 2)


def add_department(session: Session, name: str, people: list[str], manager: str) -> None:
    for user_id in people:
        save_person(session, TEAM_ID, PersonInfo(user_id, f"{name} {user_id[-2:]}"))
        person = find_person(session, TEAM_ID, user_id)
        person.department, person.manager_id = name, manager


def credit(
    session: Session,
    giver: str,
    recipient: str,
    at: datetime,
    customer: str | None = None,
    kind: Kind = Kind.ASSIST,
) -> int:
    outcome = record_assist(
        session,
        AssistDraft(TEAM_ID, giver, [recipient], kind=kind, customer=customer, description="x"),
        {recipient: PersonInfo(recipient, "someone")},
        limit=None,
        now=at,
    )
    return outcome.assist.credits[0].id


def seed(sessions: sessionmaker[Session], now: datetime) -> None:
    """Twelve weeks of a company: Support credited a lot (7 people) and then little (2);
    Engineering steadily (the same 3); Finance never; Legal (2 people) a lot, then none."""
    with sessions.begin() as session:
        for name, people in (
            ("Support", SUPPORT),
            ("Engineering", ENGINEERING),
            ("Finance", FINANCE),
            ("Legal", LEGAL),
        ):
            add_department(session, name, people, MANAGERS[name])
        add_department(session, "Leadership", sorted(MANAGERS.values()), "UCEO000001")
        for n, giver in enumerate(SUPPORT[:7]):  # weeks 5 to 12 back: 7 of 12 gave
            for weeks in (5, 8, 11):
                credit(session, giver, ENGINEERING[0], now - timedelta(weeks=weeks, days=n % 5))
        for giver, days in ((SUPPORT[0], 3), (SUPPORT[1], 20), (SUPPORT[0], 25)):  # 2 of 12
            credit(session, giver, ENGINEERING[1], now - timedelta(days=days))
        for giver in ENGINEERING[:3]:
            for weeks in (1, 3, 6, 10):
                credit(session, giver, FINANCE[0], now - timedelta(weeks=weeks))
        for giver in LEGAL:
            credit(session, giver, FINANCE[1], now - timedelta(weeks=6))


def things_to_thank(sessions: sessionmaker[Session], now: datetime) -> None:
    """In Support: a referral, a session, a credit nobody answered; and two credits the
    management already answered (one of theirs, one thanked from a nudge)."""
    with sessions.begin() as session:
        session.add(
            Referral(
                team_id=TEAM_ID,
                referrer_id=SUPPORT[8],
                customer="Acme",
                need="expansion",
                created_at=now - timedelta(days=10),
                state_changed_at=now - timedelta(days=10),
            )
        )
        talk = KnowledgeSession(
            team_id=TEAM_ID,
            title="How we keep customers renewing",
            direction="build_to_sales",
            department="Support",
            starts_at=now - timedelta(days=12),
            ends_at=now - timedelta(days=12) + timedelta(hours=1),
            created_by=SUPPORT[9],
            state="held",
        )
        talk.presenters.append(SessionPresenter(team_id=TEAM_ID, user_id=SUPPORT[9]))
        session.add(talk)
        credit(session, ENGINEERING[3], SUPPORT[10], now - timedelta(days=5), customer="Globex")
        credit(session, MANAGERS["Support"], SUPPORT[11], now - timedelta(days=3))
        answered = credit(session, ENGINEERING[4], SUPPORT[7], now - timedelta(days=2))
        session.add(
            ManagerThanks(
                team_id=TEAM_ID,
                manager_id=MANAGERS["Support"],
                report_id=SUPPORT[7],
                credit_id=answered,
                created_at=now - timedelta(days=1),
            )
        )


@pytest.fixture
def company(sessions, standin: SlackStandIn) -> None:
    for manager in MANAGERS.values():
        standin.add_user(manager, f"Manager {manager[2:5]}")
    seed(sessions, NOW)
    things_to_thank(sessions, NOW)


@pytest.fixture
def job(settings, sessions) -> Recognition:
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")


def briefs(standin: SlackStandIn) -> list:
    return [c for c in standin.delivered() if c.args["text"].startswith(":seedling:")]


def test_only_the_department_that_gave_a_lot_then_little_is_fading(sessions, company):
    """Not Engineering (steady), Finance (never gave), Legal (2 people) nor Leadership."""
    with sessions() as session:
        assert giving_drops(session, TEAM_ID, NOW) == [GivingDrop("Support", 12, 2, 7)]


def test_its_managers_get_one_brief_with_the_numbers_and_three_people_to_thank(
    job, standin, company
):
    result = run_second_push(job, NOW)
    [brief] = briefs(standin)
    assert (
        result.recipients == [MANAGERS["Support"]] and brief.args["channel"] == result.recipients[0]
    )
    assert brief.args["text"] == (
        ":seedling: Support: 2 of 12 people credited someone in the last 4 weeks, "
        "down from 7 of 12 in the 8 weeks before."
    )
    lines = [b["text"]["text"] for b in brief.args["blocks"] if b.get("accessory")]
    assert lines == [
        f"• <@{SUPPORT[8]}> passed a referral for *Acme* on 20 Nov",
        f"• <@{SUPPORT[9]}> presented “How we keep customers renewing” on 18 Nov",
        f"• <@{SUPPORT[10]}> was credited by <@{ENGINEERING[3]}> for help with *Globex* on 25 Nov",
    ]
    buttons = [b["accessory"] for b in brief.args["blocks"] if b.get("accessory")]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("assist_thank_back", user) for user in SUPPORT[8:11]
    ]
    assert "*Three people you could thank*" in json.dumps(brief.args["blocks"])
    assert standin.delivered(RECOGNITION) == []  # nothing public


def test_thank_them_opens_the_assist_form_with_the_person_chosen(slack, job, standin, company):
    run_second_push(job, NOW)
    [brief] = briefs(standin)
    person = next(b["accessory"]["value"] for b in brief.args["blocks"] if b.get("accessory"))
    slack.block_action("assist_thank_back", person, user=MANAGERS["Support"])
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "assist_modal"
    assert view["blocks"][0]["element"]["initial_users"] == [person]


def test_a_second_run_within_eight_weeks_sends_nothing(job, standin, company):
    run_second_push(job, NOW)
    for later in (timedelta(hours=1), timedelta(days=1), timedelta(days=4)):
        assert run_second_push(job, NOW + later).sent == 0
    assert len(briefs(standin)) == 1


@pytest.mark.parametrize(("weeks_ago", "pushed"), [(7, False), (9, True)])
def test_a_push_in_the_previous_window_counts_for_eight_weeks(
    job, sessions, standin, company, weeks_ago, pushed
):
    """Windows are 8 weeks long, but a push late in one still holds off the next window's."""
    before = NOW - timedelta(weeks=weeks_ago)
    key = push_key(push_window(NOW) - 1, "Support")
    with sessions.begin() as session:
        claim(session, TEAM_ID, key, before)
        complete(session, TEAM_ID, key, before)
    run_second_push(job, NOW)
    assert bool(briefs(standin)) is pushed


def test_a_manager_who_stopped_nudges_gets_no_push(job, sessions, standin, company):
    with sessions.begin() as session:
        set_nudges(session, TEAM_ID, MANAGERS["Support"], stopped=True)
    assert run_second_push(job, NOW).sent == 0
    assert briefs(standin) == []


def test_a_department_of_500_gets_a_brief_slack_accepts(job, sessions, standin: SlackStandIn):
    """500 people, 300 of whom credited someone before and 10 lately, with the longest
    department name, customers and session titles: the stand-in refuses what Slack would."""
    department, manager = "D" * 99 + "&", "UMBIG00001"
    people = staff("BIG", 500)
    long = "Customer & <partner> " * 10
    standin.add_user(manager, "Big Manager")
    with sessions.begin() as session:
        add_department(session, department, people, manager)
        for n, giver in enumerate(people[:300]):
            credit(session, giver, people[n + 1], NOW - timedelta(weeks=6))
        for n, giver in enumerate(people[:10]):
            credit(session, giver, people[n + 300], NOW - timedelta(weeks=1), customer=long[:150])
        session.add(
            Referral(
                team_id=TEAM_ID,
                referrer_id=people[400],
                customer=long[:150],
                need="expansion",
                created_at=NOW - timedelta(days=2),
                state_changed_at=NOW - timedelta(days=2),
            )
        )
    run_second_push(job, NOW)
    [brief] = briefs(standin)
    assert "10 of 500 people credited someone" in brief.args["text"]
    assert len([b for b in brief.args["blocks"] if b.get("accessory")]) == 3


def test_the_scheduler_looks_at_half_past_ten_on_weekdays(settings, sessions, standin):
    from bot.runner import scheduled_jobs

    jobs = {j.id: j for j in scheduled_jobs(settings, sessions, build_client(settings))}
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    fire = jobs["second_push"].trigger.get_next_fire_time(None, saturday)
    assert fire == datetime(2026, 11, 30, 10, 30, tzinfo=UTC)


def test_the_admin_home_lists_the_department(make_app, standin, listeners, sessions):
    now = utcnow()
    seed(sessions, now)
    standin.add_user(ADMIN, "Ada")
    app = make_app(admin_user_ids=frozenset({ADMIN}))
    slack = SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)
    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "D1"})
    slack.settle()
    [home] = [c.args["view"] for c in standin.calls("views.publish")]
    text = json.dumps(home)
    assert (
        "*Fewer people crediting others* (in the last 4 weeks, against the 8 before): "
        "Support (2 of 12, down from 7)."
    ) in text
    assert "Engineering (" not in text and "Legal (" not in text
    assert briefs(standin) == []  # the Home says so; it sends nothing

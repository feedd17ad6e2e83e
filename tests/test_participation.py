"""Participation figures: giving and receiving per month and department, managers versus
peers, the help-flow map and session coverage, checked against figures worked out by hand on
a small org, against a plain-Python count on the sample company, and through the export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.commands.sample_company import build_sample_company
from models.assists import AssistDraft, Credit, Kind, get_assist, record_assist, revoke_assist
from models.culture import last_months
from models.giving_drops import AUTOMATIC
from models.knowledge_sessions import Direction, KnowledgeSession, SessionState
from models.participation import (
    MANAGERS,
    PEERS,
    help_flow,
    months_since,
    participation,
    session_coverage,
)
from models.people import Person, PersonInfo, find_person, save_person
from tests.slack_standin import TEAM_ID

NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, tzinfo=UTC)
JULY = datetime(2026, 7, 1, tzinfo=UTC)
# name: (department, manager); the people who manage someone are MIA, SUE and ED.
ORG = {
    "MIA": ("Sales", None),
    "ANA": ("Sales", "MIA"),
    "ALEX": ("Sales", "MIA"),
    "SUE": ("Support", None),
    "GINA": ("Support", "SUE"),
    "SAM": ("Support", "SUE"),
    "ED": ("Engineering", None),
    "BEN": ("Engineering", "ED"),
    "FAY": ("Finance", None),
    "ROBOT": ("Engineering", None),  # a bot: never counted
    "OLD": ("Engineering", "ED"),  # has left: never counted
}


def give(sessions, giver: str, recipients: list[str], when: datetime, kind=Kind.ASSIST) -> int:
    with sessions.begin() as session:
        outcome = record_assist(
            session,
            AssistDraft(TEAM_ID, giver, recipients, kind=kind, description="helped"),
            {r: PersonInfo(r, r) for r in recipients},
            limit=None,
            now=when,
        )
        return outcome.assist.id


def held(sessions, department: str, audience: str | None, direction: Direction, when, state=None):
    with sessions.begin() as session:
        session.add(
            KnowledgeSession(
                team_id=TEAM_ID,
                title="How it works",
                direction=direction.value,
                department=department,
                audience_department=audience,
                starts_at=when,
                ends_at=when + timedelta(hours=1),
                state=(state or SessionState.HELD).value,
                created_by="MIA",
            )
        )


@pytest.fixture
def small_org(sessions):
    """The credits and sessions whose figures are worked out by hand in the tests below."""
    with sessions.begin() as session:
        for user, (department, manager) in ORG.items():
            person = save_person(session, TEAM_ID, PersonInfo(user, user.title()))
            person.department, person.manager_id = department, manager
        find_person(session, TEAM_ID, "ROBOT").is_bot = True
        find_person(session, TEAM_ID, "OLD").is_deleted = True
    june = JUNE + timedelta(days=9)
    give(sessions, "GINA", ["ANA", "BEN"], june)
    give(sessions, "GINA", ["ANA"], june + timedelta(days=1))
    give(sessions, "SUE", ["GINA"], june + timedelta(days=2))
    give(sessions, "ANA", ["GINA"], june + timedelta(days=3), kind=Kind.REFERRAL)  # the bot's
    revoked = give(sessions, "BEN", ["SAM"], june + timedelta(days=4))
    give(sessions, "ED", ["OLD"], june + timedelta(days=5))
    give(sessions, "OLD", ["FAY"], june + timedelta(days=6))  # before Old left
    give(sessions, "ALEX", ["BEN"], JULY + timedelta(days=2))
    with sessions.begin() as session:
        revoke_assist(session, get_assist(session, TEAM_ID, revoked))
    held(sessions, "Support", None, Direction.BUILD_TO_SALES, june)
    held(sessions, "Sales", "engineering", Direction.SELL_TO_BUILDERS, june)
    held(sessions, "Engineering", None, Direction.BUILD_TO_SALES, JULY, SessionState.SCHEDULED)
    held(sessions, "Support", None, Direction.CUSTOMER_STORY, june)
    held(sessions, "Finance", None, Direction.BUILD_TO_SALES, NOW - timedelta(days=200))


def months(sessions):
    with sessions() as session:
        return participation(session, TEAM_ID, last_months(NOW, 2, UTC, to_date=True))


def test_giving_and_receiving_per_department_match_the_hand_count(small_org, sessions):
    june, july = months(sessions)
    figures = {
        name: (d.people, d.givers, d.credits_given, d.receivers, d.credits_received)
        for name, d in june.departments.items()
    }
    assert figures == {
        # Ana's only credit was the bot's, for a won referral: Sales gave nothing itself.
        "Engineering": (2, 1, 1, 1, 1),  # Ed credited Old, who left: Ed gave all the same
        "Finance": (1, 0, 0, 1, 1),  # Old, who has left since, credited Fay
        "Sales": (3, 0, 0, 1, 2),
        "Support": (3, 2, 4, 1, 2),  # Ben's revoked credit to Sam is gone
    }
    support = june.departments["Support"]
    assert (support.share_giving, support.share_receiving) == (2 / 3, 1 / 3)
    assert (july.departments["Sales"].givers, july.departments["Engineering"].receivers) == (1, 1)
    assert (july.month.to_date, july.givers, june.givers, june.people) == (True, 1, 3, 9)


def test_managers_and_peers_as_givers_match_the_hand_count(small_org, sessions):
    june, _ = months(sessions)
    managers, peers = june.role(MANAGERS), june.role(PEERS)
    assert (managers.people, managers.givers, managers.credits) == (3, 2, 2)  # Sue and Ed
    assert (peers.people, peers.givers, peers.credits) == (6, 1, 3)  # Gina
    support = june.departments["Support"]
    assert (support.managers, support.managers_giving, support.credits_by_managers) == (1, 1, 1)
    assert support.role(PEERS).givers == 1 and support.role(PEERS).people == 2


def test_the_help_flow_counts_credits_between_departments(small_org, sessions):
    with sessions() as session:
        flow = help_flow(session, TEAM_ID, JUNE, JULY)
    assert flow.credits == {
        ("Support", "Sales"): 2,
        ("Support", "Engineering"): 1,
        ("Support", "Support"): 1,
        ("Sales", "Support"): 1,  # a won referral is help that came back
    }
    assert (flow.total(), flow.across()) == (5, 4)
    assert flow.busiest(2) == [("Support", "Sales", 2), ("Sales", "Support", 1)]
    assert flow.departments(2) == ["Support", "Sales"]


def test_session_coverage_shows_who_taught_whom_within_the_cadence(small_org, sessions):
    with sessions() as session:
        coverage = session_coverage(session, TEAM_ID, NOW, timedelta(days=90), "sales")
        june, july = participation(
            session, TEAM_ID, last_months(NOW, 2, UTC, to_date=True), "Sales"
        )
    assert coverage.taught == {("Support", "Sales"): 1, ("Sales", "Engineering"): 1}
    assert coverage.sales_department == "Sales"
    assert coverage.both_ways() == []
    assert coverage.one_way() == ["Engineering", "Support"]
    assert coverage.neither() == ["Finance"]  # its session was 200 days ago
    assert [june.departments[d].sessions_taught for d in ("Support", "Sales")] == [1, 1]
    assert [june.departments[d].sessions_attended for d in ("Sales", "Engineering")] == [1, 1]
    assert sum(d.sessions_taught for d in july.departments.values()) == 0  # only planned


def test_figures_match_a_plain_count_on_the_sample_company(sessions):
    tz = ZoneInfo("Europe/Berlin")
    with sessions() as session:  # it commits batch by batch
        build_sample_company(session, TEAM_ID, people=120, weeks=10, seed=7, tz=tz, now=NOW)
    with sessions() as session:
        people = {
            p.user_id: p
            for p in session.scalars(select(Person).where(Person.team_id == TEAM_ID))
            if p.department and not p.is_bot and not p.is_deleted
        }
        credits = [
            c
            for c in session.scalars(select(Credit).where(Credit.team_id == TEAM_ID))
            if c.revoked_at is None
        ]
        span = last_months(NOW, 3, tz, to_date=True)
        computed = participation(session, TEAM_ID, span)
        flow = help_flow(session, TEAM_ID, span[0].start, NOW)
    managers = {p.manager_id for p in people.values()} & set(people)
    assert len(credits) > 1000 and len(managers) >= 7  # a company, not a toy
    for month in computed:
        inside = [c for c in credits if month.month.start <= c.created_at < month.month.end]
        given = [c for c in inside if c.kind not in AUTOMATIC and c.giver_id in people]
        received = [c for c in inside if c.recipient_id in people]
        for name, figures in month.departments.items():
            members = {u for u, p in people.items() if p.department == name}
            gave = [c for c in given if c.giver_id in members]
            got = [c for c in received if c.recipient_id in members]
            assert figures.people == len(members)
            assert figures.givers == len({c.giver_id for c in gave})
            assert figures.credits_given == len(gave)
            assert figures.receivers == len({c.recipient_id for c in got})
            assert figures.credits_received == len(got)
            assert figures.managers_giving == len({c.giver_id for c in gave} & managers)
        assert month.role(MANAGERS).givers == len({c.giver_id for c in given} & managers)
        assert month.role(PEERS).people == len(people) - len(managers)
    expected_flow: dict[tuple[str, str], int] = defaultdict(int)
    for c in credits:
        if span[0].start <= c.created_at < NOW and {c.giver_id, c.recipient_id} <= set(people):
            expected_flow[people[c.giver_id].department, people[c.recipient_id].department] += 1
    assert flow.credits == expected_flow and flow.across() > 0


def test_months_since_runs_to_this_month_so_far_in_the_workspace_time_zone():
    tz = ZoneInfo("Europe/Berlin")
    # 31 May 23:30 UTC is already June in Berlin.
    months = months_since(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), NOW, tz)
    assert [m.key for m in months] == ["2026-06", "2026-07"]
    assert months[-1].to_date and months[-1].end == NOW and not months[0].to_date
    across_a_year = months_since(datetime(2025, 11, 3, tzinfo=UTC), NOW, tz)
    assert [m.key for m in across_a_year][:3] == ["2025-11", "2025-12", "2026-01"]
    assert len(across_a_year) == 9


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "UTC")


def export(capsys, what: str) -> list[dict[str, str]]:
    assert main(["export", "--format", "csv", "--what", what]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("month,")
    return list(csv.DictReader(io.StringIO(out)))


def test_the_participation_export_has_a_row_per_month_and_department(
    small_org, sessions, cli_env, capsys
):
    rows = export(capsys, "participation")
    months = sorted({row["month"] for row in rows})
    assert months[:2] == ["2026-06", "2026-07"]  # from the first credit's month to now
    assert len(rows) == 4 * len(months)  # every department, every month
    support = next(r for r in rows if (r["month"], r["department"]) == ("2026-06", "Support"))
    assert support == {
        "month": "2026-06",
        "department": "Support",
        "people": "3",
        "givers": "2",
        "share_giving": "0.6667",
        "receivers": "1",
        "share_receiving": "0.3333",
        "credits_given": "4",
        "credits_received": "2",
        "managers": "1",
        "managers_giving": "1",
        "peers": "2",
        "peers_giving": "1",
        "sessions_taught": "1",
        "sessions_attended": "0",
    }


def test_the_help_flow_export_lists_each_pair_of_departments_busiest_first(
    small_org, sessions, cli_env, capsys
):
    with sessions.begin() as session:
        find_person(session, TEAM_ID, "FAY").department = "=HYPERLINK(evil)"
    give(sessions, "FAY", ["ANA"], JUNE + timedelta(days=20))
    rows = export(capsys, "help-flow")
    june = [(r["giver_department"], r["recipient_department"], r["credits"]) for r in rows]
    assert june[:2] == [("Support", "Sales", "2"), ("'=HYPERLINK(evil)", "Sales", "1")]
    assert {r["month"] for r in rows} >= {"2026-06", "2026-07"}
    assert ("Sales", "Engineering", "1") in [
        (r["giver_department"], r["recipient_department"], r["credits"])
        for r in rows
        if r["month"] == "2026-07"
    ]


def test_an_empty_database_exports_the_header_only(sessions, cli_env, capsys):
    assert export(capsys, "participation") == []

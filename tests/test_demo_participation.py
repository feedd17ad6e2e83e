"""`everybody-sells demo` shows the fair leaderboards, participation and the help-flow map,
matching a plain count of the sample company it built."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC

from sqlalchemy import select

from bot.commands.sample_company import DEMO_TEAM_ID
from models.assists import Credit
from models.base import utcnow
from models.giving_drops import AUTOMATIC
from models.people import Person
from models.stats import period_window
from tests.test_demo import SIZE, demo, no_slack, part, sessions_for  # noqa: F401


def company(database_url):
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        people = {
            p.user_id: p.department
            for p in session.scalars(select(Person).where(Person.team_id == DEMO_TEAM_ID))
            if p.department and not p.is_bot and not p.is_deleted
        }
        credits = [
            c
            for c in session.scalars(select(Credit).where(Credit.team_id == DEMO_TEAM_ID))
            if c.revoked_at is None
        ]
    engine.dispose()
    return people, credits


def section(output: str, heading: str) -> str:
    return next(p for p in output.split("\n\n\n") if p.startswith(heading))


def test_the_demo_shows_the_help_flow_map_as_counted_from_its_credits(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, *SIZE)
    grid = section(output, "The help-flow map").splitlines()
    rows = [line for line in grid if re.match(r"^\d+\. ", line)]
    names = [re.match(r"^\d+\. (.+?)\s{2,}", line).group(1) for line in rows]
    values = [[int(v.replace(",", "")) for v in line.split()[-len(rows) :]] for line in rows]
    people, credits = company(database_url)
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for c in credits:
        if c.giver_id in people and c.recipient_id in people:
            expected[people[c.giver_id], people[c.recipient_id]] += 1
    shown = {
        (giver, recipient): values[r][k]
        for r, giver in enumerate(names)
        for k, recipient in enumerate(names)
        if values[r][k]
    }
    assert shown == dict(expected)
    assert len(names) == len(set(people.values())) == 7  # every department, no "Other"


def test_the_demo_shows_giving_and_receiving_this_month_and_the_fair_boards(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, *SIZE)
    table = section(output, "Participation, ")
    everyone = next(line for line in table.splitlines() if line.startswith("All "))
    people, credits = company(database_url)
    month = period_window("month", utcnow(), UTC)
    inside = [c for c in credits if c.created_at >= month.start]
    givers = {c.giver_id for c in inside if c.kind not in AUTOMATIC and c.giver_id in people}
    receivers = {c.recipient_id for c in inside if c.recipient_id in people}
    assert everyone.split()[1:4:2] == [
        str(len(people)),
        f"{round(100 * len(givers) / len(people))}%",
    ]
    assert everyone.split()[2] == str(len(givers)) and everyone.split()[4] == str(len(receivers))
    assert "Managers and peers as givers: managers " in table
    departments = part(output, "/sells leaderboard departments month")
    shares = [int(s) for s in re.findall(r"(\d+)% of \d+ (?:person|people) credited", departments)]
    assert shares and shares == sorted(shares, reverse=True)
    assert "Most credits," in part(output, "/sells leaderboard credits month")

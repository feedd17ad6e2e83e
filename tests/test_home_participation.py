"""The admin's Home shows participation: who gives and receives this month per department,
managers versus peers, the busiest help between departments and session coverage; worked
out by hand on a small org, and within Slack's limits at 200 departments and 10,000 people."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from bot.blocks.home import home_view, participation_blocks
from models.home import WorkspaceHealth, build_home
from models.knowledge_sessions import Direction
from models.participation import participation_snapshot
from tests.large_org import ADMIN, build_large_org
from tests.slack_limits import assert_view_ok
from tests.slack_standin import TEAM_ID
from tests.test_blocks_home import home
from tests.test_participation import held, small_org  # noqa: F401  (a fixture)

END_OF_JUNE = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_the_admin_home_shows_this_months_participation_as_counted_by_hand(
    small_org,  # noqa: F811
    sessions,
):
    with sessions() as session:
        snapshot = participation_snapshot(session, TEAM_ID, END_OF_JUNE, UTC, "Sales", 90)
    everyone, roles, busiest, coverage = sections(participation_blocks(snapshot))
    # June: Gina, Sue and Ed gave; Ana, Gina, Ben and Fay were credited; 9 people.
    assert everyone == (
        "*Giving and receiving, Jun 2026 (to date):* 33% of 9 people credited someone, 44% "
        "were credited. By department, largest first: Sales, 3 people: 0% give, 33% receive, "
        "Support, 3 people: 67% give, 33% receive, Engineering, 2 people: 50% give, 50% "
        "receive and Finance, 1 person: 0% give, 100% receive"
    )
    assert roles == (
        "*Managers and peers as givers:* managers 2 of 3 (67%), 2 credits · "
        "peers 1 of 6 (17%), 3 credits"
    )
    assert busiest == (
        "*Busiest help across departments:* Support → Sales 2, Sales → Support 1 and "
        "Support → Engineering 1 (4 of 5 credits crossed a department)"
    )
    assert coverage == (
        "*Sessions with Sales in the last 90 days:* both ways (0): none\n"
        "one way (2): Sales → Engineering and Support → Sales\n"
        "neither (1): Finance"
    )


def test_a_department_that_taught_sales_and_learned_from_it_counts_both_ways(
    small_org,  # noqa: F811
    sessions,
):
    held(sessions, "Sales", "Support", Direction.SELL_TO_BUILDERS, END_OF_JUNE - timedelta(days=3))
    with sessions() as session:
        snapshot = participation_snapshot(session, TEAM_ID, END_OF_JUNE, UTC, "Sales", 90)
    coverage = sections(participation_blocks(snapshot))[-1]
    assert coverage.splitlines() == [
        "*Sessions with Sales in the last 90 days:* both ways (1): Support",
        "one way (1): Sales → Engineering",
        "neither (1): Finance",
    ]


def test_a_month_with_no_credit_yet_says_so(small_org, sessions):  # noqa: F811
    with sessions() as session:
        snapshot = participation_snapshot(
            session, TEAM_ID, datetime(2026, 9, 2, tzinfo=UTC), UTC, "Sales", 90
        )
    everyone, roles, busiest, _ = sections(participation_blocks(snapshot))
    assert everyone.startswith("*Giving and receiving, Sep 2026 (to date):* 0% of 9 people")
    assert roles.endswith("managers 0 of 3 (0%), 0 credits · peers 0 of 6 (0%), 0 credits")
    assert busiest == "*Busiest help across departments:* none yet this month."


def test_the_admin_home_of_10000_people_in_200_departments_fits_and_says_how_many_more(
    sessions,
):
    now = datetime.now(UTC)
    build_large_org(sessions, TEAM_ID, now)
    with sessions() as session:
        data = build_home(
            session,
            TEAM_ID,
            ADMIN,
            now,
            UTC,
            is_admin=True,
            sla=timedelta(hours=48),
            sales_department="Sales",
            cadence_days=90,
        )
    assert data.health is not None and data.health.participation is not None
    view = home_view(data, now)
    assert_view_ok(view)
    text = json.dumps(view, ensure_ascii=False)
    assert "Participation" in text  # not cut off at the 100th block
    everyone, _, busiest, coverage = sections(participation_blocks(data.health.participation))
    assert re.search(
        r"receive and \d+ more departments: `everybody-sells export --what participation`$",
        everyone,
    )
    assert "of 10,004 people credited someone" in everyone
    assert busiest.count("→") == 5
    neither = coverage.splitlines()[-1]
    assert re.match(r"neither \(\d+\): Regional Customer Success Operations \d{3}, ", neither)
    assert re.search(r" and \d+ more$", neither)


def test_a_home_without_participation_figures_shows_none():
    view = home_view(home(health=WorkspaceHealth()), END_OF_JUNE)
    assert "Participation" not in json.dumps(view)

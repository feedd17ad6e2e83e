"""The culture report's participation chart: what it plots matches the hand count on a small
org and a plain count on the sample company, the heatmaps keep every credit (the smaller
departments as "Other"), and it is uploaded beside the culture report at 200 departments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from matplotlib.image import imread
from sqlalchemy import select

from bot.commands.sample_company import build_sample_company
from bot.report import report_comment
from bot.report_participation import (
    ALL_LABEL,
    OTHER,
    department_grid,
    participation_comment,
    participation_series,
    participation_table,
    render_participation,
)
from bot.slack.client import build_client
from jobs.culture_report import participation_for, report_for, run_report
from jobs.recognition import Recognition
from models.assists import Credit
from models.participation import MANAGERS, PEERS, participation_report
from models.people import Person
from tests.large_org import build_large_org
from tests.slack_standin import TEAM_ID
from tests.test_participation import NOW, small_org  # noqa: F401  (a fixture)
from tests.workspace import RECOGNITION

PNG = b"\x89PNG\r\n\x1a\n"


def report_of(sessions, now=NOW, tz=UTC, months=2, to_date=True):
    with sessions() as session:
        return participation_report(
            session,
            TEAM_ID,
            now,
            tz,
            months=months,
            to_date=to_date,
            sales_department="Sales",
            cadence_days=90,
        )


def test_the_chart_plots_the_hand_counted_shares(small_org, sessions):  # noqa: F811
    report = report_of(sessions)
    series = participation_series(report)
    assert series.months == ("Jun", "Jul*")
    # June: Gina, Sue and Ed of 9 people gave; Ana, Gina, Ben and Fay were credited.
    # July so far: Alex gave, Ben was credited.
    assert series.giving[ALL_LABEL] == pytest.approx((100 * 3 / 9, 100 / 9))
    assert series.receiving[ALL_LABEL] == pytest.approx((100 * 4 / 9, 100 / 9))
    assert series.giving["Support"] == pytest.approx((100 * 2 / 3, 0))
    assert series.receiving["Finance"] == pytest.approx((100, 0))
    assert series.roles[MANAGERS] == pytest.approx((100 * 2 / 3, 0))  # Sue and Ed of 3
    assert series.roles[PEERS] == pytest.approx((100 / 6, 100 / 6))  # Gina, then Alex, of 6
    assert list(series.giving) == [ALL_LABEL, "Sales", "Support", "Engineering", "Finance"]


def test_the_heatmaps_show_who_helped_and_who_taught_whom(small_org, sessions):  # noqa: F811
    report = report_of(sessions)
    flow = participation_series(report).flow
    assert flow.rows == ("Sales", "Support", "Engineering", "Finance")  # largest first
    assert flow.get("Support", "Sales") == 2 and flow.get("Support", "Support") == 1
    assert flow.get("Sales", "Engineering") == 1  # Alex credited Ben in July
    assert flow.total() == 6 and OTHER not in flow.rows
    coverage = participation_series(report).coverage
    assert coverage.rows[0] == "Sales"
    assert coverage.get("Support", "Sales") == 1 and coverage.get("Sales", "Engineering") == 1
    assert coverage.total() == 2  # Finance's session was 200 days ago


def test_smaller_departments_add_up_as_other_and_nothing_is_lost():
    headcount = {"Alpha": 5, "Beta": 4, "Gamma": 3, "Delta": 1}
    pairs = {
        ("Alpha", "Gamma"): 2,
        ("Delta", "Beta"): 3,
        ("Gamma", "Delta"): 4,
        ("Alpha", "Beta"): 1,
    }
    grid = department_grid(pairs, headcount, count=2)
    assert grid.rows == ("Alpha", "Beta", OTHER)
    assert grid.values == ((0, 1, 2), (0, 0, 0), (0, 3, 4))
    led = department_grid(pairs, headcount, count=2, first="Delta")
    assert led.rows == ("Delta", "Alpha", OTHER) and led.get("Delta", OTHER) == 3


def test_the_grid_matches_a_plain_count_on_the_sample_company(sessions):
    tz = ZoneInfo("Europe/Berlin")
    with sessions() as session:
        build_sample_company(session, TEAM_ID, people=120, weeks=10, seed=5, tz=tz, now=NOW)
    report = report_of(sessions, tz=tz, months=3)
    with sessions() as session:
        people = {
            p.user_id: p.department
            for p in session.scalars(select(Person).where(Person.team_id == TEAM_ID))
            if p.department and not p.is_bot and not p.is_deleted
        }
        credits = [
            c
            for c in session.scalars(select(Credit).where(Credit.team_id == TEAM_ID))
            if c.revoked_at is None
        ]
    start = report.months[0].month.start
    size: dict[str, int] = defaultdict(int)
    for department in people.values():
        size[department] += 1
    top = sorted(size, key=lambda d: (-size[d], d))[:3]
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for c in credits:
        if start <= c.created_at < NOW and {c.giver_id, c.recipient_id} <= set(people):
            giver, recipient = people[c.giver_id], people[c.recipient_id]
            fold = (giver if giver in top else OTHER, recipient if recipient in top else OTHER)
            expected[fold] += 1
    grid = department_grid(report.flow.credits, report.headcount, count=3)
    assert grid.rows == (*top, OTHER)
    assert {(r, c): grid.get(r, c) for r in grid.rows for c in grid.columns if grid.get(r, c)} == (
        expected
    )
    assert grid.total() > 1000


def test_the_chart_renders_with_an_empty_org_chart_and_a_small_one(small_org, sessions):  # noqa: F811
    png = render_participation(report_of(sessions))
    assert png.startswith(PNG)
    assert imread(BytesIO(png)).shape[:2] == (1500, 1300)
    table = participation_table(report_of(sessions))
    assert "Share giving" in table and "  Support (3)" in table and "Support → Sales: 2" in table


def test_the_report_is_uploaded_with_the_participation_chart_beside_it(
    small_org,  # noqa: F811
    sessions,
    settings,
    standin,
):
    job = Recognition(
        replace(settings, timezone=UTC), sessions, build_client(settings), TEAM_ID, worker="t"
    )
    assert run_report(job, datetime(2026, 7, 2, tzinfo=UTC)).posted
    [upload] = [c.args for c in standin.calls("files.completeUploadExternal")]
    assert upload["channel_id"] == RECOGNITION
    assert [f["title"] for f in upload["files"]] == [
        "Everybody sells: culture report, Jan 2026 – Jun 2026",
        "Everybody sells: participation, Jan 2026 – Jun 2026",
    ]
    assert all(standin.uploaded(f["id"]).startswith(PNG) for f in upload["files"])
    comment = upload["initial_comment"]
    assert "*Participation, Jun 2026:* 33% of 9 people credited someone and 44% were" in comment
    assert "managers 67% and peers 17% gave" in comment
    assert "Support → Sales 2" in comment


def test_at_200_departments_the_grids_stay_readable_and_the_comment_short(sessions, settings):
    now = datetime.now(UTC)
    build_large_org(sessions, TEAM_ID, now)
    job = Recognition(settings, sessions, build_client(settings), TEAM_ID, worker="t")
    report = participation_for(job, now, months=3, to_date=True)
    series = participation_series(report)
    assert len(series.flow.rows) == 11 and series.flow.rows[-1] == OTHER
    assert series.flow.total() == report.flow.total() > 5_000
    assert len(series.giving) == 9  # everyone, and the 8 largest departments
    comment = report_comment(report_for(job, now, months=3, to_date=True))
    assert len(f"{comment}\n{participation_comment(report)}") < 4000
    table = participation_table(report)
    assert "…and 186 smaller departments" in table and len(table.splitlines()) < 60
    assert render_participation(report).startswith(PNG)

"""The culture report's revenue: what each department sourced and influenced per quarter,
in the chart's third panel and in the figures table, checked against a hand count."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

from matplotlib.image import imread

from bot.report import draw_chart, figures_table, render_chart, report_comment, revenue_series
from models.culture import QuarterRevenue
from models.deals import DealReport, DepartmentRevenue, confirm_deal, get_deal, receive_deal
from models.people import PersonInfo
from models.referrals import Need, ReferralDraft, create_referral
from tests.slack_standin import TEAM_ID
from tests.test_culture_report import FAY, SAM, figures, org
from tests.workspace import ANA, BEN, GINA

EUR = "EUR"


def won(sessions, number: int, amount: str, closed: datetime, helpers, referrer=None) -> None:
    """A deal the CRM reported, from `referrer`'s referral, confirmed by Ana with `helpers`."""
    with sessions.begin() as session:
        received = receive_deal(
            session,
            TEAM_ID,
            DealReport(f"D-{number}", f"Deal {number}", f"Customer {number}", "ana@example.com",
                       Decimal(amount), EUR, closed),
            closed,
        )  # fmt: skip
        deal = get_deal(session, TEAM_ID, received.deal.id)
        deal.owner_id = ANA
        if referrer:
            referral, _ = create_referral(
                session,
                ReferralDraft(TEAM_ID, referrer, f"Customer {number}", Need.NEW_LEAD, owner_id=ANA),
                now=closed,
            )
            deal.referral_id = referral.id
        confirm_deal(session, deal, ANA, helpers, {h: PersonInfo(h, h) for h in helpers}, closed)


def deals(sessions) -> None:
    """Q1: 10,000 from Gina's (Support) referral, Ben (Engineering) and Sam (Support) helped.
    Q2 in Berlin: 5,000 helped by Ben and Fay (Finance); 2,500 at 01:30 on 1 April in Berlin
    (still March in UTC) from Fay's referral, Gina helped. July: 7,000, Ben helped."""
    org(sessions)
    won(sessions, 1, "10000", datetime(2026, 2, 10, tzinfo=UTC), [BEN, SAM], referrer=GINA)
    won(sessions, 2, "5000", datetime(2026, 5, 20, tzinfo=UTC), [BEN, FAY])
    won(sessions, 3, "2500", datetime(2026, 3, 31, 23, 30, tzinfo=UTC), [GINA], referrer=FAY)
    won(sessions, 4, "7000", datetime(2026, 7, 3, tzinfo=UTC), [BEN])


def rows(quarter: QuarterRevenue) -> dict[str, tuple]:
    return {
        r.department: (r.sourced, r.deals_sourced, r.influenced, r.deals_influenced)
        for r in quarter.rows
    }


def test_revenue_per_quarter_and_department_matches_the_hand_count(sessions):
    deals(sessions)
    report = figures(sessions)  # January to June 2026, in Berlin
    q1, q2 = report.revenue
    assert (q1.label, q2.label) == ("Q1 2026", "Q2 2026")
    d = Decimal
    assert rows(q1) == {
        "Support": (d(10000), 1, d(10000), 1),
        "Engineering": (d(0), 0, d(10000), 1),
    }
    # Each deal counts whole for every department that helped: Q2 adds up to 12,500 of
    # influence from 7,500 of deals.
    assert rows(q2) == {
        "Finance": (d(2500), 1, d(5000), 1),
        "Engineering": (d(0), 0, d(5000), 1),
        "Support": (d(0), 0, d(2500), 1),
    }
    # A report of part of a quarter covers only its months, the month to date starred.
    partial = figures(sessions, months=3, to_date=True)
    assert [q.label for q in partial.revenue] == ["Q2 2026 (May–Jun)", "Q3 2026 (Jul*)"]
    assert rows(partial.revenue[0])["Engineering"] == (d(0), 0, d(5000), 1)
    assert rows(partial.revenue[1]) == {"Engineering": (d(0), 0, d(7000), 1)}
    assert [q.label for q in figures(sessions, months=4).revenue] == ["Q1 2026 (Mar)", "Q2 2026"]


def test_the_figures_table_lists_sourced_and_influenced_per_quarter(sessions):
    deals(sessions)
    report = figures(sessions)
    table = figures_table(report)
    lines = table.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Revenue from CRM")))
    assert lines[start - 1].split() == ["Q1", "2026", "Q2", "2026"]
    assert lines[start].strip() == "Revenue from CRM deals (EUR)"
    assert [line.split() for line in lines[start + 1 : start + 7]] == [
        ["Support,", "sourced", "10,000", "0"],
        ["Support,", "influenced", "10,000", "2,500"],
        ["Engineering,", "sourced", "0", "0"],
        ["Engineering,", "influenced", "10,000", "5,000"],
        ["Finance,", "sourced", "0", "2,500"],
        ["Finance,", "influenced", "0", "5,000"],
    ]
    assert "counted whole" in table and "not split" in table
    comment = report_comment(report)
    assert "Revenue from CRM deals (EUR)" in comment and comment.count("```") == 2


def test_the_chart_gets_a_revenue_panel_of_the_same_figures(sessions):
    deals(sessions)
    report = figures(sessions)
    series = revenue_series(report)
    assert series.quarters == ("Q1 2026", "Q2 2026") and series.currency == EUR
    assert series.influenced["Support"] == (10000, 2500)
    assert series.sourced["Finance"] == (0, 2500)
    figure = draw_chart(report)
    assert len(figure.axes) == 3  # participation, credits per stage, revenue
    revenue = figure.axes[2]
    assert [t.get_text() for t in revenue.get_xticklabels()] == ["Q1 2026", "Q2 2026"]
    heights = sorted(p.get_height() for p in revenue.patches)
    assert max(heights) == 10000 and 2500 in heights
    labels = revenue.get_legend_handles_labels()[1]
    assert {"Support", "Engineering", "Finance"} <= set(labels)
    height, width, _ = imread(BytesIO(render_chart(report))).shape
    assert (width, height) == (1100, 1200)


def test_no_deals_no_revenue_panel_or_table(sessions):
    org(sessions)
    report = figures(sessions)
    assert not report.has_revenue and revenue_series(report) is None
    assert len(draw_chart(report).axes) == 2 and "Revenue" not in figures_table(report)


def test_200_departments_over_36_months_in_two_currencies(sessions):
    """The table lists the 15 largest earners per currency and counts the rest; the chart
    plots 8 in the main currency and stays 1100 by 1200."""
    base = figures(sessions, months=36)
    departments = [f"Regional Customer Success Operations {n:03d}" for n in range(200)]
    quarters = tuple(
        replace(
            quarter,
            rows=tuple(
                DepartmentRevenue(name, currency, Decimal(n * 100), Decimal(n * 1000), 1, 3)
                for n, name in enumerate(departments)
                for currency in ("EUR", "USD")
                if currency == "EUR" or n < 20
            ),
        )
        for quarter in base.revenue
    )
    months = tuple(
        replace(m, credited=dict.fromkeys(departments, 25),
                participation=dict.fromkeys(departments, 0.5), departments_total=200)
        for m in base.months
    )  # fmt: skip
    report = replace(
        base, months=months, headcount=dict.fromkeys(departments, 50), revenue=quarters
    )
    assert len(report.revenue) in (12, 13)
    table = figures_table(report)
    assert table.count(", sourced") == 30 and table.count(", influenced") == 30
    assert "…and 185 more departments" in table and "…and 5 more departments" in table
    assert "…and -" not in table and "…and 0 more" not in table
    assert "Revenue from CRM deals (EUR)" in table and "Revenue from CRM deals (USD)" in table
    assert len(report_comment(report)) < 40_000
    series = revenue_series(report)
    assert series.currency == "EUR" and len(series.influenced) == 8
    assert series.other_currencies == ("USD",)
    assert "Operations 199" in next(iter(series.influenced))  # the largest first
    height, width, _ = imread(BytesIO(render_chart(report))).shape
    assert (width, height) == (1100, 1200)

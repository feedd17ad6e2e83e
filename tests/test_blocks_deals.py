"""The deal builders at their largest: a chain of 300, 200 departments, every currency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.blocks.deals import (
    deal_confirmed,
    deal_edit_modal,
    deal_request,
    person_deals_line,
    revenue_blocks,
    unowned_deals_lines,
)
from models.deals import ChainLink, DealInfo, DepartmentRevenue, Help, HelpEvidence, PersonDeals
from tests.slack_limits import assert_message_ok, assert_view_ok

WHEN = datetime(2026, 11, 2, tzinfo=UTC)
DEAL = DealInfo(
    7, "hubspot", "D-7", "N" * 200, "C & Co " * 21, "ana@example.com", "UANA000001",
    Decimal("123456789.50"), "EUR", "https://crm.example.com/deals/7", "pending", WHEN,
)  # fmt: skip


def chain(size: int) -> list[ChainLink]:
    kinds = (Help.REFERRED, Help.CREDITED, Help.GAVE)
    return [
        ChainLink(
            f"U{n:09d}",
            (
                HelpEvidence(
                    kinds[n % 3], WHEN - timedelta(days=n), "tuned the <demo> & more " * 10
                ),
            ),
        )
        for n in range(size)
    ]


def test_the_owners_request_lists_why_each_helped_and_counts_the_rest():
    text, blocks = message = deal_request(DEAL, chain(300))
    assert_message_ok(message)
    shown = str(blocks)
    assert "I found 300 people" in shown and "…and 280 more people, all included." in shown
    assert "referred it (2 Nov)" in shown and "123,456,789.50 EUR" in shown
    assert "Confirm all 300" in shown and "<demo>" not in shown  # quoted safely
    assert text.endswith("is won: who helped?")


def test_the_managers_ask_and_the_reminder_say_why_they_come():
    manager = deal_request(DEAL, chain(3), for_owner="UANA000001")
    assert_message_ok(manager)
    assert "hasn't confirmed who helped in a week" in manager[1][0]["text"]["text"]
    reminder = deal_request(DEAL, chain(3), reminder=True)
    assert reminder[1][0]["text"]["text"].startswith(":wave: A reminder:")
    nobody = deal_request(DEAL, [])
    assert_message_ok(nobody)
    assert "I found nobody credited" in str(nobody[1]) and "Celebrate the win" in str(nobody[1])


def test_the_edit_form_preselects_at_most_100_and_says_so():
    view = deal_edit_modal(DEAL, chain(300))
    assert_view_ok(view)
    assert len(view["blocks"][1]["element"]["initial_users"]) == 100
    assert "The 100 most involved of 300 are preselected." in view["blocks"][0]["text"]["text"]


def test_the_confirmation_names_the_helpers_or_how_many():
    message = deal_confirmed(DEAL, [f"U{n:09d}" for n in range(300)], "Celebrated in #wins.")
    assert_message_ok(message)
    assert message[0].endswith(" and 168 others.")  # as many names as fit, then a count
    assert "credits nobody else" in deal_confirmed(DEAL, [], "Nothing was posted.")[0]


def test_revenue_for_200_departments_shows_15_and_how_many_more():
    rows = [
        DepartmentRevenue(f"Regional Customer Success Operations {n:03d}", "EUR",
                          Decimal(1000 * n), Decimal(2000 * n), n % 3, n % 5)
        for n in range(200)
    ]  # fmt: skip
    blocks = revenue_blocks(rows, "Q4 2026")
    assert_message_ok(("revenue", blocks))
    text = str(blocks)
    assert "…and 185 more departments." in text and "counts whole" in text.replace("\\n", " ")
    assert "sourced 0 EUR (0 deals)" in text and "(1 deal)" in text
    assert revenue_blocks([], "Q4 2026")[0]["text"]["text"].endswith("No deals from the CRM yet.")


def test_a_persons_deals_and_the_deals_with_no_owner():
    assert person_deals_line(PersonDeals(), "this quarter") is None
    line = person_deals_line(
        PersonDeals(3, (("EUR", Decimal("120000")), ("USD", Decimal("5000")))), "this quarter"
    )
    assert line == "You helped win 3 deals worth 120,000 EUR and 5,000 USD this quarter."
    unowned = unowned_deals_lines([DEAL] * 50)
    assert unowned.count("\n") == 10 and unowned.endswith("…and 40 more deals.")


def test_short_lists_never_end_in_a_negative_or_zero_more():
    """A chain of 3, 2 departments and 1 unowned deal: everything listed, no "…and -17 more"."""
    _, blocks = deal_request(DEAL, chain(3))
    shown = str(blocks)
    assert "I found 3 people" in shown and shown.count("• <@U") == 3 and "…and" not in shown
    exactly = str(deal_request(DEAL, chain(20))[1])
    assert exactly.count("• <@U") == 20 and "…and" not in exactly
    one_more = str(deal_request(DEAL, chain(21))[1])
    assert "…and 1 more person, all included." in one_more
    rows = [DepartmentRevenue(d, "EUR", Decimal(10), Decimal(20), 1, 1) for d in ("A", "B")]
    revenue = str(revenue_blocks(rows, "Q4 2026"))
    assert "*A*: sourced 10 EUR" in revenue and "…and" not in revenue
    fifteen = [DepartmentRevenue(f"D{n}", "EUR", Decimal(n), Decimal(n), 1, 1) for n in range(15)]
    assert "…and" not in str(revenue_blocks(fifteen, "Q4 2026"))
    assert unowned_deals_lines([DEAL]).count("•") == 1 and "…and" not in unowned_deals_lines([DEAL])

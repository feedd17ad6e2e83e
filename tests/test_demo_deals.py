"""`everybody-sells demo` with deals won in the CRM: a deal waiting for its owner, shown as
their DM with its help chain, and the quarter's revenue per department, checked against a
count made here from the rows."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC
from decimal import Decimal

from sqlalchemy import select

from bot.commands.sample_company import DEMO_TEAM_ID
from models.assists import Assist, Credit
from models.base import utcnow
from models.deals import CrmDeal, help_chain
from models.people import Person
from models.referrals import Referral
from models.stats import period_window
from tests.test_demo import demo, no_slack, sessions_for  # noqa: F401 (an autouse fixture)

ROW = re.compile(r"^(\S.*?)\s{2,}([\d,.]+) USD\s+(\d+)\s+([\d,.]+) USD\s+(\d+)$", re.MULTILINE)


def deal_dm(output: str) -> str:
    [dm] = [p for p in output.split("\n\n\n") if p.startswith("In a DM to @") and "CRM" in p]
    return dm


def revenue(output: str) -> str:
    [table] = [p for p in output.split("\n\n\n") if p.startswith("Revenue from deals won")]
    return table


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def read_rows(database_url: str):
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        deals = session.scalars(select(CrmDeal).order_by(CrmDeal.id)).all()
        referrals = {r.id: r for r in session.scalars(select(Referral))}
        people = {p.user_id: p for p in session.scalars(select(Person))}
        credits = session.execute(
            select(Credit.assist_id, Credit.recipient_id).where(Credit.revoked_at.is_(None))
        ).all()
        referral_credits = {
            a.dedupe_key: a
            for a in session.scalars(select(Assist).where(Assist.dedupe_key.like("referral:%")))
        }
        pending = [d for d in deals if d.status == "pending"]
        chain = (
            help_chain(
                session,
                DEMO_TEAM_ID,
                pending[0].customer,
                pending[0].url,
                utcnow(),
                exclude=[pending[0].owner_id],
            )
            if pending
            else []
        )
    engine.dispose()
    helpers = defaultdict(set)
    for assist_id, recipient in credits:
        helpers[assist_id].add(recipient)
    return deals, referrals, people, helpers, referral_credits, chain


def test_the_demo_shows_a_deal_waiting_for_its_owner_with_its_help_chain(capsys, database_url):
    output = demo(capsys, "--database-url", database_url)  # the default: 40 people, 6 weeks
    dm = deal_dm(output)
    deals, referrals, people, helpers, _, chain = read_rows(database_url)
    [pending] = [d for d in deals if d.status == "pending"]
    confirmed = [d for d in deals if d.status == "confirmed"]
    assert len(confirmed) >= 3 and all(helpers[d.assist_id] for d in confirmed)

    owner, referrer = people[pending.owner_id], people[referrals[pending.referral_id].referrer_id]
    assert dm.startswith(f"In a DM to @{owner.name}: a deal won in the CRM")
    text = " ".join(dm.split())
    assert f"{pending.name} for {pending.customer} is won ({pending.amount:,.0f} USD)!" in text
    # The chain as the bot finds it: the referrer first, then who was credited and why.
    assert len(chain) >= 2
    assert f"I found {len(chain)} people who helped with {pending.customer}" in text
    bullets = re.findall(r"^  • @(.+?) (referred it|was credited|credited others)", dm, re.M)
    assert bullets[0] == (referrer.name, "referred it")
    assert [name for name, _ in bullets] == [people[link.user_id].name for link in chain[:20]]
    assert "…and" not in dm if len(chain) <= 20 else f"…and {len(chain) - 20} more" in dm
    assert f"[Confirm all {len(chain)}] [Add or remove people] [Open in the CRM]" in dm
    assert owner.name not in "".join(name for name, _ in bullets)
    assert all(len(line) <= 80 for line in output.splitlines())


def test_the_quarters_revenue_per_department_matches_a_count_of_the_rows(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, "--people", "40", "--weeks", "6")
    table = revenue(output)
    deals, referrals, people, helpers, referral_credits, _ = read_rows(database_url)
    quarter = period_window("quarter", utcnow(), UTC)

    # Each referral a deal came from is won with the deal's value and credits its referrer
    # once; no referral sources two deals.
    from_referrals = [d for d in deals if d.referral_id]
    assert from_referrals and len({d.referral_id for d in from_referrals}) == len(from_referrals)
    for deal in from_referrals:
        referral = referrals[deal.referral_id]
        assert (referral.state, referral.deal_value) == ("won", deal.amount)
        credit = referral_credits[f"referral:{referral.id}"]
        assert credit.giver_id == deal.owner_id and credit.customer == deal.customer

    sourced, influenced = defaultdict(Decimal), defaultdict(Decimal)
    sourced_n, influenced_n = defaultdict(int), defaultdict(int)
    won = [d for d in deals if quarter.start <= (d.closed_at or d.received_at) < quarter.end]
    for deal in won:
        if deal.referral_id:
            department = people[referrals[deal.referral_id].referrer_id].department
            sourced[department] += deal.amount
            sourced_n[department] += 1
        for department in {people[h].department for h in helpers[deal.assist_id]}:
            influenced[department] += deal.amount
            influenced_n[department] += 1
    expected = {
        d: (sourced[d], sourced_n[d], influenced[d], influenced_n[d])
        for d in set(sourced) | set(influenced)
    }
    shown = {
        name: (amount(s), int(sn), amount(i), int(n))
        for name, s, sn, i, n in ROW.findall(table)
        if name != "All deals won"
    }
    assert shown == expected and len(shown) >= 3
    [total] = [row for row in ROW.findall(table) if row[0] == "All deals won"]
    assert (amount(total[3]), int(total[4])) == (sum(d.amount for d in won), len(won))
    assert amount(total[1]) == sum(s for s, _, _, _ in expected.values())
    # Influenced counts each deal whole for each department, so it adds up to more.
    assert sum(i for _, _, i, _ in expected.values()) > amount(total[3])
    assert "counted whole" in " ".join(table.split()) and "not split" in table


def test_a_company_of_10000_lists_20_of_the_chain_and_counts_the_rest(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, "--people", "10000", "--weeks", "1")
    dm = deal_dm(output)
    *_, chain = read_rows(database_url)
    assert len(chain) > 100
    assert dm.count("\n  • @") == 20
    assert f"…and {len(chain) - 20} more people, all included." in dm
    assert not re.search(r"and (-\d+|0) more", output)
    table = revenue(output)
    assert len(ROW.findall(table)) == 8  # seven departments and the total
    assert all(len(line) <= 80 for line in output.splitlines())

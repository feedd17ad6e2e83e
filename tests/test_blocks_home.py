"""The App Home builder, from plain data, checked against what Slack accepts."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from bot.blocks.home import HOME_ASSIST_ACTION, home_view
from bot.blocks.sessions import CANCEL_ACTION, EDIT_ACTION, RSVP_ACTION, UNRSVP_ACTION
from models.giving_drops import GivingDrop
from models.home import HomeData, WorkspaceHealth
from models.nudges import ManagerNudge, StuckReferral
from models.referrals import ReferralInfo
from models.stats import PersonalStats, Window
from tests.slack_limits import assert_view_ok
from tests.test_blocks_sessions import (
    DEPARTMENTS_IN_A_BIG_COMPANY,
    START,
    department_names,
    long_department_names,
    talk_info,
    the_big_one,
    users,
)

ME = "UME0000001"
NOW = START - timedelta(days=1)


def stats(received: int, given: int) -> PersonalStats:
    return PersonalStats(
        user_id=ME,
        window=Window(NOW - timedelta(days=30), NOW, "this month"),
        given_by_kind=Counter({"assist": given}),
        given_by_stage=Counter({"sale": given}),
        received_by_kind=Counter({"assist": received - 1, "win": 1}),
        received_by_stage=Counter({"post_sale": received}),
    )


def referral(n: int) -> ReferralInfo:
    return ReferralInfo(
        id=n,
        referrer_id=ME if n % 2 else "UOTHER0001",
        owner_id="UOWNER0001",
        customer=f"Customer {n} " + "x" * 80,
        need="more seats",
        urgency="soon",
        context="",
        contact=None,
        crm_url=None,
        is_private=False,
        state="new",
        created_at=NOW - timedelta(days=n),
        assigned_at=None,
        state_changed_at=NOW,
        close_reason=None,
        deal_value=None,
    )


def home(**changes) -> HomeData:
    data = HomeData(
        user_id=ME,
        month=stats(12, 5),
        all_time=stats(140, 80),
        streak_weeks=3,
        referrals=[referral(n) for n in range(8)],
        sessions=[talk_info(session_id=n, rsvps=2) for n in range(2)],
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def team(reports: int, credited: int | None = None, stuck: int = 10) -> ManagerNudge:
    """A manager of `reports`: `credited` of them credited this week (all, by default), the
    first 40 not credited in 30 days, `stuck` referrals stuck."""
    ids = list(users(reports, "UREP"))
    stuck_referrals = [
        StuckReferral(
            n, ids[n % reports], "UOTHER0001", f"Customer {n}", "new", NOW - timedelta(days=9)
        )
        for n in range(stuck)
    ]
    return ManagerNudge(
        ME,
        reports=ids,
        credit_count=reports if credited is None else credited,
        credited=ids[: reports if credited is None else credited],
        unrecognised=ids[:40],
        stuck=stuck_referrals,
    )


def health(departments: int, names: list[str] | None = None) -> WorkspaceHealth:
    names = names or department_names(departments)
    months = [(f"Month {n}", 0.25 * (n % 4)) for n in range(5)] + [("Month 5 (to date)", None)]
    return WorkspaceHealth(
        index_by_month=months,
        silent_departments=names,
        overdue_departments=names,
        quiet_departments=names[:3],
    )


def text_of(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_an_employees_home():
    view = home_view(home(), NOW)
    assert_view_ok(view)
    assert view["type"] == "home"
    assert view["blocks"][1]["elements"][0]["action_id"] == HOME_ASSIST_ACTION
    assert "*This month*\\n12 received · 5 given" in text_of(view)
    assert "My team" not in text_of(view) and "Workspace health" not in text_of(view)


def test_an_empty_home_says_what_to_do_first():
    view = home_view(home(referrals=[], sessions=[], streak_weeks=0), NOW)
    assert_view_ok(view)
    assert "Give or receive a credit this week to start a streak." in text_of(view)
    assert "Nothing scheduled." in text_of(view)


def test_five_sessions_with_40_presenters_300_rsvps_and_the_longest_titles():
    sessions = [the_big_one(session_id=n) for n in range(4)]
    sessions.append(talk_info(session_id=9, rsvps=0))
    going = the_big_one(session_id=10, rsvps=299)
    going = replace(going, rsvp_ids=(*going.rsvp_ids, ME))
    view = home_view(home(sessions=[going, *sessions]), NOW)
    assert_view_ok(view)
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == [UNRSVP_ACTION] + [RSVP_ACTION] * 5
    assert buttons[0]["text"]["text"] == "You're going ✓" and buttons[1]["text"]["text"] == "RSVP"
    assert buttons[0]["confirm"]["confirm"]["text"] == "Not going"  # undoing it asks first
    assert "300 going" in text_of(view)


def test_edit_and_cancel_show_only_to_whoever_may_change_the_session():
    mine = replace(talk_info(session_id=1), created_by=ME)
    presenting = replace(talk_info(session_id=2), presenter_ids=("UP00000000", ME))
    others = talk_info(session_id=3)

    def changeable(view: dict) -> list[str]:
        return [
            e["value"]
            for b in view["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == CANCEL_ACTION
        ]

    employee = home_view(home(sessions=[mine, presenting, others]), NOW)
    assert_view_ok(employee)
    assert changeable(employee) == ["1", "2"]
    admin = home_view(home(sessions=[mine, presenting, others], is_admin=True), NOW)
    assert changeable(admin) == ["1", "2", "3"]
    edits = [e for b in admin["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in edits if e.get("value") == "3"] == [EDIT_ACTION, CANCEL_ACTION]


def test_a_manager_with_30_reports():
    view = home_view(home(team=team(30, credited=3)), NOW)
    assert_view_ok(view)
    shown = text_of(view)
    assert (
        "*Credited this week* (3 of your 30 reports): <@UREP00000000>, <@UREP00000001> and <@UREP00000002>"
        in shown
    )
    assert "*Stuck referrals* (10): *Customer 0* (<@UREP00000000>)" in shown
    assert "and 4 more" in shown  # six of the ten stuck referrals are named


def test_a_manager_with_200_reports_credited_this_week():
    view = home_view(home(team=team(200)), NOW)
    assert_view_ok(view)
    shown = text_of(view)
    assert "*Credited this week* (200 of your 200 reports): <@UREP00000000>, " in shown
    credited = next(
        b["text"]["text"]
        for b in view["blocks"]
        if "Credited this week" in b.get("text", {}).get("text", "")
    )
    more = re.search(r" and (\d+) others$", credited)
    assert more and credited.count("<@UREP") + int(more.group(1)) == 200  # all 200 counted
    assert "*No credit in 30 days* (40 of your 200 reports): <@UREP00000000>" in shown
    assert "*Stuck referrals* (10):" in shown


def test_a_manager_with_one_report_reads_one_report():
    view = home_view(home(team=team(1)), NOW)
    assert "*Credited this week* (1 of your 1 report): <@UREP00000000>" in text_of(view)


def test_a_manager_whose_reports_nobody_credited_this_week():
    view = home_view(home(team=team(12, credited=0)), NOW)
    assert "*Credited this week* nobody yet" in text_of(view)


def test_an_admin_with_20_departments():
    view = home_view(home(health=health(20)), NOW)
    assert_view_ok(view)
    assert "Workspace health" in text_of(view)
    assert "Month 4: 0%" in text_of(view) and "Month 5 (to date): –" in text_of(view)
    overdue = view["blocks"][-1]["text"]["text"].split("\n")[-1]
    assert overdue.startswith("*Overdue to present a session:* Department 000")
    assert overdue.endswith("Department 019")


def test_an_admin_hears_of_quiet_departments_as_an_invitation():
    view = home_view(home(health=health(20)), NOW)
    quiet = next(
        b["text"]["text"]
        for b in view["blocks"]
        if "Quiet for 7 days" in b.get("text", {}).get("text", "")
    )
    assert quiet == (
        "*Quiet for 7 days* (no credit given or received): Department 000, Department 001 "
        "and Department 002. Worth a word with their managers: whose work there helped a "
        "customer lately?"
    )


def test_an_admin_with_200_departments():
    names = long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY)
    view = home_view(home(health=health(0, names), team=team(30)), NOW)
    assert_view_ok(view)
    overdue = view["blocks"][-1]["text"]["text"]
    assert overdue.startswith("*Overdue to present a session:* Customer Success &amp; Renewals")
    assert re.search(r" and \d+ more: `/sells sessions` lists them all$", overdue)
    silent = view["blocks"][-2]["text"]["text"]
    assert silent.startswith("*No contribution this month:*") and re.search(
        r" and \d+ more$", silent
    )


def test_an_admin_hears_which_departments_give_less_and_that_their_managers_were_told():
    fading = [GivingDrop("R&D", 40, 3, 19), GivingDrop("Support", 12, 2, 7)]
    view = home_view(home(health=WorkspaceHealth(giving_drops=fading)), NOW)
    assert_view_ok(view)
    assert (
        "*Fewer people crediting others* (in the last 4 weeks, against the 8 before): "
        "R&amp;D (3 of 40, down from 19) and Support (2 of 12, down from 7). Their managers "
        "get a private note with people they could thank, at most once in 8 weeks."
    ) in text_of(view)


def test_an_admin_with_200_departments_giving_less():
    names = long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY)
    fading = [GivingDrop(name, 500, 10, 300) for name in names]
    view = home_view(home(health=WorkspaceHealth(giving_drops=fading), team=team(30)), NOW)
    assert_view_ok(view)
    line = next(b["text"]["text"] for b in view["blocks"] if "Fewer people" in str(b))
    assert re.search(r"\(10 of 500, down from 300\) and \d+ more\. Their managers", line)


def test_months_before_the_install_are_not_shown():
    since_march = WorkspaceHealth(index_by_month=[("Mar 2026", 0.5), ("Apr 2026 (to date)", 0.25)])
    view = home_view(home(health=since_march), NOW)
    assert "*Everybody-sells index by month:* Mar 2026: 50% · Apr 2026 (to date): 25%" in text_of(
        view
    )


def test_the_home_says_how_many_more_referrals_and_sessions_there_are():
    view = home_view(home(referral_count=12, session_count=9), NOW)
    assert_view_ok(view)
    assert "…and 4 more: `/sells referrals` shows them." in text_of(view)
    assert "…and 7 more coming up: `/session list` shows them." in text_of(view)
    whole = home_view(home(referral_count=8, session_count=2), NOW)
    assert "more" not in text_of(whole).replace("more?", "")  # nothing left out, nothing said

"""Deals won in the CRM: the webhook's three ways in, the help chain, the owner's one-tap
confirmation, the reminder and the manager, the referral it closes, and the revenue each
department sourced or influenced."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.flows.deals import follow_up
from bot.routes import CRM_PATH, build_routes
from bot.webhooks import hubspot_signature, sign
from models.assists import AssistDraft, Credit, record_assist
from models.base import utcnow
from models.deals import CrmDeal, DealStatus, DepartmentRevenue, department_revenue
from models.people import PersonInfo, find_person, save_person
from models.referrals import Need, Referral, ReferralDraft, Urgency, create_referral
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import call_wsgi
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA, RECOGNITION

SECRET = "crm-secret-for-the-tests-0123456789"
HUBSPOT = "hubspot-client-secret-for-the-tests"
TOKEN = "a-bearer-token-for-the-tests-0123456789"
PUBLIC = "https://bot.example.com"
CARL, DORA, LEAD, ADMIN = "UCARL00001", "UDORA00001", "ULEAD00001", "UADMIN0001"
DEAL_URL = "https://crm.example.com/deals/1"


@pytest.fixture
def app(make_app, standin):
    for user, name in ((CARL, "Carl"), (DORA, "Dora"), (LEAD, "Lee"), (ADMIN, "Ada")):
        standin.add_user(user, name, f"{name.lower()}@example.com")
    return make_app(
        crm_webhook_secret=SECRET,
        hubspot_client_secret=HUBSPOT,
        crm_webhook_token=TOKEN,
        public_url=PUBLIC,
        currency="EUR",
        admin_user_ids=frozenset({ADMIN}),
    )


@pytest.fixture
def routes(app, engine):
    return build_routes(app, SIGNING_SECRET, engine, app.services)


def deal(**changes: object) -> dict:
    return {
        "deal_id": "D-1",
        "deal_name": "Acme renewal",
        "customer": "ACME Inc.",
        "owner_email": "ana@example.com",
        "amount": "48000.50",
        "url": DEAL_URL,
        "source": "hubspot",
        **changes,
    }


def post(routes, payload: object, scheme: str = "signature", *, age: float = 0, key: str = ""):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    now = time.time() - age
    headers = {"content-type": "application/json"}
    if scheme == "signature":
        stamp = str(int(now))
        headers |= {
            "x-everybody-sells-timestamp": stamp,
            "x-everybody-sells-signature": sign(key or SECRET, stamp, body),
        }
    elif scheme == "hubspot":
        stamp = str(int(now * 1000))
        signature = hubspot_signature(key or HUBSPOT, "POST", PUBLIC + CRM_PATH, body, stamp)
        headers |= {"x-hubspot-request-timestamp": stamp, "x-hubspot-signature-v3": signature}
    elif scheme == "token":
        headers["authorization"] = f"Bearer {key or TOKEN}"
    status, answer = call_wsgi(routes, "POST", CRM_PATH, body, headers)
    return status, json.loads(answer)


def deals(sessions) -> list[CrmDeal]:
    with sessions() as session:
        return list(session.scalars(select(CrmDeal).order_by(CrmDeal.id)))


def org(sessions) -> None:
    with sessions.begin() as session:
        for user, name, department, manager in (
            (GINA, "Gina", "Support", None),
            (BEN, "Ben", "Engineering", None),
            (ANA, "Ana", "Sales", LEAD),
            (CARL, "Carl", "Finance", None),
            (DORA, "Dora", "Marketing", None),
            (LEAD, "Lee", "Sales", None),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            find_person(session, TEAM_ID, user).department = department
            find_person(session, TEAM_ID, user).manager_id = manager


def history(sessions) -> None:
    """A year of help with Acme under several spellings, one by its CRM link, one not Acme."""
    now = utcnow()
    with sessions.begin() as session:
        for giver, helper, customer, story, url, days in (
            (GINA, BEN, "Acme, Inc.", "tuned the demo", None, 40),
            (BEN, GINA, "acme", "answered the security questionnaire", None, 20),
            (ANA, CARL, "A.C.M.E. Procurement", "sorted the invoice terms", DEAL_URL, 10),
            (GINA, DORA, "Acme Rockets", "a different customer", None, 5),
            (GINA, DORA, "ACME Inc", "too long ago", None, 400),
        ):
            record_assist(
                session,
                AssistDraft(TEAM_ID, giver, [helper], customer=customer, description=story,
                            crm_url=url),
                {helper: PersonInfo(helper, helper)},
                limit=None,
                now=now - timedelta(days=days),
            )  # fmt: skip
        create_referral(
            session,
            ReferralDraft(
                team_id=TEAM_ID,
                referrer_id=GINA,
                customer="Acme GmbH",
                need=Need.EXPANSION,
                urgency=Urgency.HIGH,
                context="they want 200 more seats",
                owner_id=ANA,
                dedupe_key="r1",
            ),
        )


@pytest.mark.parametrize("scheme", ["signature", "hubspot", "token"])
def test_each_way_in_takes_a_deal_and_refuses_a_wrong_key(routes, sessions, standin, scheme):
    status, answer = post(routes, deal(deal_id=f"ok-{scheme}"), scheme)
    assert (status, answer["ok"], answer["result"]) == (200, True, "received")
    forged = post(routes, deal(deal_id=f"forged-{scheme}"), scheme, key="not-the-key-0123456789xx")
    assert forged == (401, {"ok": False, "error": "unauthorized"})
    assert [d.deal_id for d in deals(sessions)] == [f"ok-{scheme}"]


def test_no_credentials_or_a_replay_outside_five_minutes_is_refused(routes, sessions, standin):
    assert post(routes, deal(), "none")[0] == 401
    assert post(routes, deal(), "signature", age=301)[0] == 401
    assert post(routes, deal(), "hubspot", age=301)[0] == 401
    assert post(routes, deal(), "signature", age=-301)[0] == 401  # a clock in the future
    assert deals(sessions) == []
    assert [c.method for c in standin.state.calls if c.method != "auth.test"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (deal(deal_id=None), "deal_id"),
        (deal(deal_name=""), "deal_name"),
        (deal(customer=["Acme"]), "customer"),
        (deal(owner_email="ana at example"), "owner_email"),
        (deal(amount="NaN"), "amount"),
        (deal(amount="-5"), "amount"),
        (deal(amount=True), "amount"),
        (deal(currency="EURO"), "currency"),
        (deal(closed_at="last Tuesday"), "closed_at"),
        (deal(url="javascript:alert(1)"), "url"),
        (deal(customer="x" * 151), "customer"),
    ],
)
def test_a_missing_or_malformed_field_gets_400_naming_it(routes, sessions, payload, field):
    status, answer = post(routes, payload)
    assert status == 400 and answer["field"] == field and answer["ok"] is False
    assert deals(sessions) == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'"a string"'])
def test_a_body_that_is_not_a_json_object_gets_400(routes, sessions, body):
    status, answer = post(routes, body)
    assert status == 400 and "JSON" in answer["error"]
    assert deals(sessions) == []


def test_unknown_fields_are_ignored_and_the_currency_defaults(routes, sessions, slack):
    assert post(routes, deal(pipeline="enterprise", stage_id=7))[0] == 200
    slack.settle()
    [stored] = deals(sessions)
    assert (stored.currency, stored.amount) == ("EUR", Decimal("48000.50"))


def test_a_retried_delivery_is_one_deal_and_one_question(routes, sessions, slack, standin):
    org(sessions)
    for _ in range(3):  # HubSpot retries for days
        status, answer = post(routes, deal())
        assert status == 200
    slack.settle()
    assert [a["result"] for a in [post(routes, deal())[1]]] == ["duplicate"]
    assert len(deals(sessions)) == 1
    assert len(standin.delivered(ANA)) == 1  # the owner is asked once
    status, answer = post(routes, deal(amount="52000"))
    assert (status, answer["result"]) == (200, "updated")
    assert deals(sessions)[0].amount == Decimal("52000.00")


def test_an_owner_nobody_in_slack_has_stays_pending_and_admins_see_it(
    routes, sessions, slack, standin
):
    assert post(routes, deal(owner_email="gone.forever@example.com"))[0] == 200
    slack.settle()
    [stored] = deals(sessions)
    assert stored.status == DealStatus.OWNER_UNKNOWN.value and stored.assist_id is None
    assert standin.delivered() == []
    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "D1"})
    slack.settle()
    home = json.dumps(standin.calls("views.publish")[-1].args["view"])
    assert "whose owner I can't find in Slack" in home and "gone.forever@example.com" in home


def test_the_owner_is_asked_with_the_chain_found_under_every_spelling(
    routes, sessions, slack, standin
):
    org(sessions)
    history(sessions)
    assert post(routes, deal())[0] == 200
    slack.settle()
    [ask] = standin.delivered(ANA)
    text = json.dumps(ask.args["blocks"])
    assert "I found 3 people" in text  # Gina, Ben, Carl; Ana owns it; Dora is not Acme
    assert f"<@{GINA}> referred it" in text and "tuned the demo" in text
    assert f"<@{CARL}> was credited for" in text  # found by the CRM link
    assert DORA not in text and ANA not in text.replace(f"<@{ANA}>", "")
    assert "48,000.50 EUR" in text


def test_confirming_credits_everyone_celebrates_and_closes_the_referral(
    routes, sessions, slack, standin
):
    org(sessions)
    history(sessions)
    post(routes, deal())
    slack.settle()
    [stored] = deals(sessions)
    slack.block_action("crm_deal_confirm", str(stored.id), user=ANA)
    slack.settle()
    with sessions() as session:
        credited = sorted(
            c.recipient_id
            for c in session.scalars(
                select(Credit).where(Credit.assist_id == deals(sessions)[0].assist_id)
            )
        )
        referral = session.scalars(select(Referral)).one()
    assert credited == sorted([GINA, BEN, CARL])
    assert (referral.state, referral.deal_value) == ("won", Decimal("48000.50"))
    [post_] = standin.delivered(RECOGNITION)
    assert "ACME Inc." in json.dumps(post_.args["blocks"])
    answer = standin.calls("respond")[-1].args
    assert answer["replace_original"] and "Confirmed" in answer["text"]
    assert any("won" in c.args["text"] for c in standin.delivered(GINA))  # the referrer hears
    # A second click changes nothing.
    slack.block_action("crm_deal_confirm", str(stored.id), user=ANA)
    slack.settle()
    assert len(standin.delivered(RECOGNITION)) == 1


def test_only_the_owner_their_manager_or_an_admin_may_confirm(routes, sessions, slack, standin):
    org(sessions)
    post(routes, deal())
    slack.settle()
    [stored] = deals(sessions)
    slack.block_action("crm_deal_confirm", str(stored.id), user=DORA)
    slack.settle()
    assert "Only the deal's owner" in standin.calls("respond")[-1].args["text"]
    assert deals(sessions)[0].status == DealStatus.PENDING.value


def test_the_owner_can_edit_the_list_before_confirming(routes, sessions, slack, standin):
    org(sessions)
    history(sessions)
    post(routes, deal())
    slack.settle()
    [stored] = deals(sessions)
    slack.block_action("crm_deal_edit", str(stored.id), user=ANA)
    slack.settle()
    form = standin.calls("views.open")[-1].args["view"]
    assert sorted(form["blocks"][1]["element"]["initial_users"]) == sorted([GINA, BEN, CARL])
    slack.view_submission(
        "crm_deal_edit",
        {"helpers": {"type": "multi_users_select", "selected_users": [BEN, DORA]}},
        user=ANA,
        private_metadata=form["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        credited = session.scalars(
            select(Credit.recipient_id).where(Credit.assist_id == deals(sessions)[0].assist_id)
        ).all()
    assert sorted(credited) == sorted([BEN, DORA])


def test_one_reminder_after_three_days_then_the_manager_once(routes, sessions, slack, standin, app):
    org(sessions)
    post(routes, deal())
    slack.settle()
    services, now = app.services, utcnow()
    assert follow_up(services, now + timedelta(days=1)) == {
        "asked": 0,
        "reminded": 0,
        "escalated": 0,
    }
    assert follow_up(services, now + timedelta(days=3, minutes=1))["reminded"] == 1
    assert follow_up(services, now + timedelta(days=4))["reminded"] == 0
    assert follow_up(services, now + timedelta(days=7, minutes=1))["escalated"] == 1
    assert follow_up(services, now + timedelta(days=8)) == {
        "asked": 0,
        "reminded": 0,
        "escalated": 0,
    }
    assert len(standin.delivered(ANA)) == 2  # the question, then one reminder
    [to_manager] = standin.delivered(LEAD)
    assert f"<@{ANA}> hasn't confirmed who helped in a week" in to_manager.args[
        "text"
    ] + json.dumps(to_manager.args["blocks"])
    # The manager may confirm in the owner's place.
    stored = deals(sessions)[0]
    slack.block_action("crm_deal_confirm", str(stored.id), user=LEAD)
    slack.settle()
    assert deals(sessions)[0].status == DealStatus.CONFIRMED.value


def test_revenue_by_department_matches_the_hand_count(routes, sessions, slack, standin, app):
    org(sessions)
    history(sessions)
    post(routes, deal())  # 48,000.50 EUR, Gina's referral, confirmed: Gina, Ben, Carl
    post(routes, deal(deal_id="D-2", customer="Globex", amount="10000"))  # no referral
    slack.settle()
    first, second = deals(sessions)
    slack.block_action("crm_deal_confirm", str(first.id), user=ANA)
    slack.view_submission(
        "crm_deal_edit",
        {"helpers": {"type": "multi_users_select", "selected_users": [BEN]}},
        user=ANA,
        private_metadata=json.dumps({"deal": second.id}),
    )
    slack.settle()
    now = utcnow()
    with sessions() as session:
        rows = department_revenue(
            session, TEAM_ID, now - timedelta(days=1), now + timedelta(days=1)
        )
    eur = "EUR"
    # Biggest first: Support sourced and influenced the first deal; Engineering
    # influenced both; Finance the first. Each deal counts whole for each department.
    assert rows == [
        DepartmentRevenue("Support", eur, Decimal("48000.50"), Decimal("48000.50"), 1, 1),
        DepartmentRevenue("Engineering", eur, Decimal(0), Decimal("58000.50"), 0, 2),
        DepartmentRevenue("Finance", eur, Decimal(0), Decimal("48000.50"), 0, 1),
    ]
    slack.command("/sells", "stats", user=BEN)
    slack.settle()
    stats = json.dumps(standin.calls("respond")[-1].args["blocks"])
    assert "You helped win 2 deals worth 58,000.50 EUR this quarter." in stats
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CrmDeal)) == 2


def test_the_deals_export_has_a_row_per_deal_and_helper(
    routes, sessions, slack, monkeypatch, tmp_path, database_url, capsys
):
    from tests.test_export import export

    org(sessions)
    history(sessions)
    post(routes, deal())
    post(routes, deal(deal_id="D-2", customer="Globex", amount="10000"))
    slack.settle()
    first = deals(sessions)[0]
    slack.block_action("crm_deal_confirm", str(first.id), user=ANA)
    slack.settle()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    code, rows, _, err = export(capsys, "--what", "deals")
    assert code == 0, err
    acme = [r for r in rows if r["deal_id"] == "D-1"]
    assert sorted(r["helper_id"] for r in acme) == sorted([GINA, BEN, CARL])
    assert {r["sourced_department"] for r in acme} == {"Support"}
    assert {(r["amount"], r["currency"], r["status"]) for r in acme} == {
        ("48000.50", "EUR", "confirmed")
    }
    [globex] = [r for r in rows if r["deal_id"] == "D-2"]
    assert (globex["status"], globex["helper_id"]) == ("pending", "")


def test_a_manual_win_preselects_who_helped_with_that_customer(slack, standin, sessions):
    org(sessions)
    history(sessions)
    slack.command("/win", user=ANA)
    slack.settle()
    form = standin.calls("views.open")[-1].args["view"]
    typed = {"type": "plain_text_input", "action_id": "value", "block_id": "customer"}
    slack.send_interaction(
        {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": ANA, "team_id": TEAM_ID},
            "trigger_id": "t.1",
            "view": {**form, "id": "VWIN000001", "hash": "h1", "state": {"values": {}}},
            "actions": [{**typed, "value": "acme, inc"}],
        }
    )
    slack.settle()
    update = standin.calls("views.update")[-1].args
    assert update["view_id"] == "VWIN000001" and update["hash"] == "h1"
    [people] = [b for b in update["view"]["blocks"] if b.get("block_id") == "recipients"]
    # Carl was found only by the CRM link, which a hand-typed win has not got.
    assert sorted(people["element"]["initial_users"]) == sorted([GINA, BEN])
    assert "Preselected: 2 people credited for work on *acme, inc*" in json.dumps(update["view"])


def test_a_referral_sources_one_deal_a_later_one_for_the_customer_is_only_influenced(
    routes, sessions, slack, standin
):
    org(sessions)
    history(sessions)
    post(routes, deal())  # 48,000.50 EUR: Gina's referral becomes won with it
    slack.settle()
    first = deals(sessions)[0]
    slack.block_action("crm_deal_confirm", str(first.id), user=ANA)
    slack.settle()
    # Months later (within the year) the same customer buys more: no new referral.
    post(routes, deal(deal_id="D-2", deal_name="Acme add-on", amount="9000", url=None))
    slack.settle()
    second = deals(sessions)[1]
    slack.block_action("crm_deal_confirm", str(second.id), user=ANA)
    slack.settle()
    first, second = deals(sessions)
    with sessions() as session:
        referral = session.scalars(select(Referral)).one()
        now = utcnow()
        rows = department_revenue(
            session, TEAM_ID, now - timedelta(days=1), now + timedelta(days=1)
        )
    assert first.referral_id == referral.id and second.referral_id is None
    assert (referral.state, referral.deal_value) == ("won", Decimal("48000.50"))
    support = next(r for r in rows if r.department == "Support")
    # Sourced: the first deal only; Gina helped with both, so Support influenced both.
    assert (support.sourced, support.deals_sourced) == (Decimal("48000.50"), 1)
    assert (support.influenced, support.deals_influenced) == (Decimal("57000.50"), 2)
    told = [c.args["text"] for c in standin.delivered(GINA) if "Your referral" in c.args["text"]]
    assert len(told) == 1 and "48,000.50 EUR" in told[0]  # the referrer hears once


def test_a_referral_won_by_hand_takes_the_deal_the_crm_reports_after(
    routes, sessions, slack, standin
):
    from models.referrals import State, move

    org(sessions)
    history(sessions)
    with sessions.begin() as session:
        referral = session.scalars(select(Referral)).one()
        assert move(session, TEAM_ID, referral.id, ANA, State.WON).refused is None
    post(routes, deal())
    slack.settle()
    [stored] = deals(sessions)
    with sessions() as session:
        referral = session.scalars(select(Referral)).one()
    assert stored.referral_id == referral.id and referral.deal_value == Decimal("48000.50")

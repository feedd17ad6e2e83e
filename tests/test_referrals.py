"""Referrals, walked through every state with signed payloads, as reps and referrers see them."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.referral_sla import check_referral_sla
from models.assists import Assist, Credit
from models.base import utcnow
from models.deliveries import claim
from models.people import PersonInfo, find_person, save_person
from models.referrals import Need, Referral, ReferralDraft, ReferralMove, create_referral
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA, RECOGNITION

QUEUE = "CQUEUE0001"
ADMIN = BEN


@pytest.fixture
def slack(make_app, standin, listeners) -> SlackRequests:
    standin.add_channel(QUEUE, "referrals")
    app = make_app(referrals_channel=QUEUE, admin_user_ids=frozenset({ADMIN}))
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


def form(
    owner: str | None = ANA,
    context: str = "They asked about SSO for 400 seats",
    private: bool = False,
):
    return {
        "customer": {"type": "plain_text_input", "value": "Globex"},
        "need": {"type": "static_select", "selected_option": {"value": "expansion"}},
        "urgency": {"type": "radio_buttons", "selected_option": {"value": "high"}},
        "context": {"type": "plain_text_input", "value": context},
        "contact": {"type": "plain_text_input", "value": "Hank, IT lead"},
        "owner": {"type": "users_select", "selected_user": owner},
        "privacy": {
            "type": "checkboxes",
            "selected_options": [{"value": "private"}] if private else [],
        },
    }


def pass_referral(slack, sessions, **kwargs) -> Referral:
    """Submit the /referral form as Gina and return the stored referral."""
    values = form(**kwargs)
    response = slack.view_submission(
        "referral_modal", values, private_metadata='{"channel_id": "CGENERAL01"}'
    )
    assert response.status == 200 and response.body == ""
    slack.settle()
    with sessions() as session:
        return session.scalars(select(Referral).order_by(Referral.id.desc())).first()


def click(slack, referral_id: int, state: str, user: str = ANA):
    return slack.block_action(f"referral_move_{state}", f"{referral_id}:{state}", user=user)


def buttons(blocks) -> list[str]:
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def dms_to(standin, user: str) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.args["channel"] == user]


def last_ephemeral(standin) -> str:
    return standin.calls("respond")[-1].args["text"]


def test_referral_opens_a_form(slack, standin):
    slack.command("/referral")
    view = standin.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "referral_modal"
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} >= {
        "customer",
        "need",
        "urgency",
        "context",
        "contact",
        "crm_url",
        "owner",
    }


def test_a_referral_to_a_rep_reaches_their_dm_with_buttons(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    [card] = [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == ANA]
    assert buttons(card["blocks"]) == ["Accept", "Contacted", "Won", "Lost", "Not a fit"]
    assert (
        card["text"]
        == "<@UGINA00001> passed you a referral: Globex (expansion or upsell, high urgency)"
    )
    assert "Referral #" in json.dumps(card["blocks"]) and "Hank, IT lead" in json.dumps(
        card["blocks"]
    )
    assert "They asked about SSO" in str(card["blocks"])
    assert (referral.state, referral.owner_id, referral.referrer_id) == ("new", ANA, GINA)
    note = standin.calls("chat.postEphemeral")[-1].args["text"]
    assert "Your referral for *Globex* is with <@UANA000001>" in note


def test_a_referral_walks_from_new_to_won_and_the_referrer_is_celebrated(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "accepted")
    slack.settle()
    update = standin.calls("chat.update")[-1].args
    # Ana's own card says the referral is with her, not "held by @Ana".
    assert "*Accepted*" in str(update["blocks"]) and "· with you ·" in str(update["blocks"])
    assert "held by" not in str(update["blocks"])
    assert buttons(update["blocks"]) == ["Contacted", "Won", "Lost", "Not a fit"]
    assert "<@UANA000001> accepted your referral for *Globex*" in dms_to(standin, GINA)[-1]

    click(slack, referral.id, "contacted")
    slack.settle()
    assert "has contacted *Globex*" in dms_to(standin, GINA)[-1]

    click(slack, referral.id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "referral_won"
    slack.view_submission(
        "referral_won",
        {"deal_value": {"type": "number_input", "value": "25000"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()

    assert "Your referral for *Globex* was won" in dms_to(standin, GINA)[-1]
    [post] = [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == RECOGNITION]
    assert "<@UGINA00001> spotted it, <@UANA000001> closed it" in post["text"]
    assert "25,000" in str(post["blocks"])
    assert buttons(standin.calls("chat.update")[-1].args["blocks"]) == []
    with sessions() as session:
        credit = session.scalars(select(Credit)).one()
        assert (credit.recipient_id, credit.giver_id, credit.kind) == (GINA, ANA, "referral")
        assert session.scalars(select(Assist)).one().source == "referral"
        states = [
            m.to_state for m in session.scalars(select(ReferralMove).order_by(ReferralMove.id))
        ]
        assert states == ["accepted", "contacted", "won"]


def test_lost_asks_for_a_reason_that_the_referrer_hears(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "lost")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "referral_reason"
    empty = slack.view_submission(
        "referral_reason", {}, user=ANA, private_metadata=view["private_metadata"]
    )
    slack.settle()
    with sessions() as session:
        assert session.get(Referral, referral.id).state == "new"
    assert empty.status == 200
    slack.view_submission(
        "referral_reason",
        {"reason": {"type": "plain_text_input", "value": "They renewed with a competitor"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        saved = session.get(Referral, referral.id)
        assert (saved.state, saved.close_reason) == ("lost", "They renewed with a competitor")
    assert "They renewed with a competitor" in dms_to(standin, GINA)[-1]


def test_not_a_fit_straight_from_new_is_allowed(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "not_a_fit")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission(
        "referral_reason",
        {"reason": {"type": "plain_text_input", "value": "Too small for us"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    with sessions() as session:
        assert session.get(Referral, referral.id).state == "not_a_fit"


def test_refused_moves_are_explained_and_change_nothing(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "contacted", user=BEN)
    slack.settle()
    assert last_ephemeral(standin) == "Only <@UANA000001>, who holds this referral, can move it."

    click(slack, referral.id, "contacted")
    slack.settle()
    click(slack, referral.id, "accepted")
    slack.settle()
    assert last_ephemeral(standin) == "This referral is contacted; it can't go back to accepted."

    click(slack, referral.id, "contacted")
    slack.settle()
    assert "already contacted" in last_ephemeral(standin)
    with sessions() as session:
        assert session.get(Referral, referral.id).state == "contacted"
        assert len(session.scalars(select(ReferralMove)).all()) == 1
    assert len([t for t in dms_to(standin, GINA) if "contacted" in t]) == 1


def test_a_double_click_moves_once_and_tells_the_referrer_once(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    barrier = threading.Barrier(2)

    def accept():
        barrier.wait()
        click(slack, referral.id, "accepted")

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.settle()
    with sessions() as session:
        moves = session.scalars(select(ReferralMove)).all()
        assert [m.to_state for m in moves] == ["accepted"]
    assert len([t for t in dms_to(standin, GINA) if "accepted" in t]) == 1


def test_two_reps_race_to_claim_a_queue_referral_and_exactly_one_wins(slack, standin, sessions):
    referral = pass_referral(slack, sessions, owner=None)
    [card] = [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == QUEUE]
    assert buttons(card["blocks"]) == ["Claim", "Reassign"]
    barrier = threading.Barrier(2)

    def claim_as(user):
        barrier.wait()
        slack.block_action("referral_claim", str(referral.id), user=user, channel=QUEUE)

    threads = [threading.Thread(target=claim_as, args=(u,)) for u in (ANA, BEN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.settle()
    with sessions() as session:
        saved = session.get(Referral, referral.id)
        assert saved.owner_id in {ANA, BEN} and saved.state == "accepted"
    loser = BEN if saved.owner_id == ANA else ANA
    assert last_ephemeral(standin) == f"<@{saved.owner_id}> claimed this referral first."
    # The winner works it from a DM card; the queue post shows who holds it, without buttons.
    [working] = [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.args["channel"] == saved.owner_id and c.args.get("blocks")
    ]
    assert buttons(working["blocks"]) == ["Contacted", "Won", "Lost", "Not a fit"]
    queue_update = [c.args for c in standin.calls("chat.update") if c.args["channel"] == QUEUE][-1]
    assert buttons(queue_update["blocks"]) == ["Reassign"]
    assert f"held by <@{saved.owner_id}>" in json.dumps(queue_update["blocks"])
    assert loser not in json.dumps(queue_update["blocks"])
    assert "Hank" not in json.dumps(queue_update["blocks"])  # the contact stays out of channels
    assert len([t for t in dms_to(standin, GINA) if "accepted" in t]) == 1


def test_an_admin_can_reassign_and_others_cannot(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    slack.command("/sells", f"referrals reassign {referral.id} <@{BEN}>", user=ANA)
    slack.settle()
    assert last_ephemeral(standin) == "Only admins can reassign referrals."

    slack.command("/sells", f"referrals reassign {referral.id} <@{BEN}>", user=ADMIN)
    slack.settle()
    assert "is now with <@UBEN000001>" in last_ephemeral(standin)
    with sessions() as session:
        assert session.get(Referral, referral.id).owner_id == BEN
    assert any("passed you a referral: Globex" in t for t in dms_to(standin, BEN))
    retired = [c.args for c in standin.calls("chat.update") if c.args["channel"] == ANA][-1]
    assert buttons(retired["blocks"]) == [] and "handed to someone else" in json.dumps(
        retired["blocks"]
    )


def test_my_referrals_lists_what_i_passed_and_what_i_hold(slack, standin, sessions):
    pass_referral(slack, sessions)
    slack.command("/sells", "referrals", user=GINA)
    slack.settle()
    mine = str(standin.calls("respond")[-1].args["blocks"])
    assert "*Passed by you*" in mine and "*Globex*: New · <@UANA000001>" in mine
    slack.command("/sells", "referrals", user=ANA)
    slack.settle()
    held = standin.calls("respond")[-1].args["blocks"][2]["text"]["text"]
    assert "*Globex*: New · <@UGINA00001>" in held


def test_private_context_stays_out_of_the_queue_and_the_celebration(slack, standin, sessions):
    referral = pass_referral(
        slack, sessions, owner=None, context="the CFO said budget doubles", private=True
    )
    queue_card = str(
        [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == QUEUE]
    )
    assert "budget doubles" not in queue_card and "Details are private" in queue_card
    slack.block_action("referral_claim", str(referral.id), user=ANA, channel=QUEUE)
    slack.settle()
    assert any("budget doubles" in json.dumps(c.args.get("blocks")) for c in standin.delivered(ANA))
    click(slack, referral.id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission("referral_won", {}, user=ANA, private_metadata=view["private_metadata"])
    slack.settle()
    post = str(
        [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == RECOGNITION]
    )
    assert "budget doubles" not in post and "in a private conversation" in post
    queue_updates = [c.args for c in standin.calls("chat.update") if c.args["channel"] == QUEUE]
    assert queue_updates and "budget doubles" not in json.dumps(queue_updates)


def test_the_form_refuses_self_referral_and_a_missing_destination(make_app, standin, listeners):
    slack = SlackRequests(
        make_app(recognition_channel=None), standin, SIGNING_SECRET, listeners.settle
    )
    mine = slack.view_submission("referral_modal", form(owner=GINA))
    assert json.loads(mine.body)["errors"]["owner"].startswith("Pass it to someone else")
    nowhere = slack.view_submission("referral_modal", form(owner=None))
    assert "no referrals channel is set up" in json.loads(nowhere.body)["errors"]["owner"]


def test_stats_show_conversion_and_time_to_first_contact(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(GINA, "Gina"))
        find_person(session, TEAM_ID, GINA).department = "Support"
    won = pass_referral(slack, sessions)
    click(slack, won.id, "contacted")
    slack.settle()
    lost = pass_referral(slack, sessions)
    click(slack, lost.id, "lost")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission(
        "referral_reason",
        {"reason": {"type": "plain_text_input", "value": "no budget"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    slack.command("/sells", "stats", user=GINA)
    slack.settle()
    text = str(standin.calls("respond")[-1].args["blocks"])
    assert "*All referrals*: 0 won of 1 closed (0%), first contact after under an hour" in text
    assert "Support: 0 won of 1 closed" in text


def test_sla_reminds_the_owner_once_then_nudges_the_manager_once(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(ANA, "Ana"))
        find_person(session, TEAM_ID, ANA).manager_id = BEN
    referral = pass_referral(slack, sessions)
    created = referral.created_at
    sla = timedelta(hours=48)
    client = slack.app.client

    early = check_referral_sla(sessions, client, sla, now=created + timedelta(hours=47))
    assert (early.owners_reminded, early.managers_nudged) == (0, 0)

    first = check_referral_sla(sessions, client, sla, now=created + timedelta(hours=49))
    again = check_referral_sla(sessions, client, sla, now=created + timedelta(hours=60))
    assert (first.owners_reminded, again.owners_reminded) == (1, 0)
    reminders = [t for t in dms_to(standin, ANA) if "waited" in t]
    assert len(reminders) == 1 and "Globex" in reminders[0]

    late = check_referral_sla(sessions, client, sla, now=created + timedelta(hours=97))
    later = check_referral_sla(sessions, client, sla, now=created + timedelta(hours=120))
    assert (late.managers_nudged, later.managers_nudged) == (1, 0)
    nudges = [t for t in dms_to(standin, BEN) if "without accepting it" in t]
    assert len(nudges) == 1 and "<@UANA000001>" in nudges[0]


def test_an_accepted_referral_is_not_chased(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "accepted")
    slack.settle()
    report = check_referral_sla(
        sessions, slack.app.client, timedelta(hours=1), now=utcnow() + timedelta(days=5)
    )
    assert report.owners_reminded == 0
    assert not [t for t in dms_to(standin, ANA) if "waited" in t]


def test_a_reminder_claimed_by_a_crashed_instance_is_sent_after_its_lease(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    crash_time = referral.created_at + timedelta(hours=49)
    with sessions.begin() as session:
        assert claim(session, TEAM_ID, f"referral:{referral.id}:owner-reminder", crash_time)
    sla = timedelta(hours=48)
    during = check_referral_sla(
        sessions, slack.app.client, sla, now=crash_time + timedelta(minutes=5)
    )
    after = check_referral_sla(
        sessions, slack.app.client, sla, now=crash_time + timedelta(minutes=11)
    )
    assert (during.owners_reminded, after.owners_reminded) == (0, 1)
    assert len([t for t in dms_to(standin, ANA) if "waited" in t]) == 1


def test_export_has_one_row_per_referral_with_its_times_and_the_referral_credit(
    slack, standin, sessions, database_url, monkeypatch, tmp_path, capsys
):
    import csv
    import io

    from bot.cli import main

    won = pass_referral(slack, sessions)
    click(slack, won.id, "contacted")
    slack.settle()
    click(slack, won.id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission("referral_won", {}, user=ANA, private_metadata=view["private_metadata"])
    slack.settle()
    pass_referral(slack, sessions, owner=None, context="secret plans", private=True)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["export", "--format", "csv", "--what", "referrals"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["customer"], r["state"]) for r in rows] == [("Globex", "won"), ("Globex", "new")]
    assert rows[0]["first_contact_at"] and rows[0]["closed_at"]
    assert rows[0]["history"].startswith("contacted ") and "; won " in rows[0]["history"]
    assert rows[1]["context"] == "" and rows[1]["is_private"] == "true"

    assert main(["export", "--format", "csv"]) == 0
    credits = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(c["kind"], c["source"], c["recipient_id"]) for c in credits] == [
        ("referral", "referral", GINA)
    ]


# --- the size of a real company: currency, failures told truly, long lists, many late ---


def styles(blocks) -> dict[str, str | None]:
    return {
        e["text"]["text"]: e.get("style")
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


def win(slack, standin, referral_id: int, value: str | None = None) -> None:
    """Ana clicks Won on her card and submits the form, with a deal value or none."""
    click(slack, referral_id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    values = {"deal_value": {"type": "number_input", "value": value}} if value else {}
    slack.view_submission(
        "referral_won", values, user=ANA, private_metadata=view["private_metadata"]
    )
    slack.settle()


def test_the_green_button_is_always_the_next_step(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    card = [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == ANA][-1]
    assert styles(card["blocks"]) == {
        "Accept": "primary",
        "Contacted": None,
        "Won": None,
        "Lost": None,
        "Not a fit": None,
    }
    click(slack, referral.id, "accepted")
    slack.settle()
    assert styles(standin.calls("chat.update")[-1].args["blocks"]) == {
        "Contacted": "primary",
        "Won": None,
        "Lost": None,
        "Not a fit": None,
    }
    click(slack, referral.id, "contacted")
    slack.settle()
    assert styles(standin.calls("chat.update")[-1].args["blocks"]) == {
        "Won": "primary",
        "Lost": None,
        "Not a fit": None,
    }


def test_deal_values_carry_the_workspaces_currency(make_app, standin, listeners, sessions):
    app = make_app(currency="EUR", referrals_channel=QUEUE)
    slack = SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["label"]["text"] == "Deal value (EUR)"
    slack.view_submission(
        "referral_won",
        {"deal_value": {"type": "number_input", "value": "120000"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    card = standin.calls("chat.update")[-1].args
    assert "*Deal value*\\n120,000 EUR" in json.dumps(card["blocks"])
    [post] = [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == RECOGNITION]
    assert "*Globex* is won! (120,000 EUR)" in json.dumps(post["blocks"])
    assert "was won by <@UANA000001>, a deal of 120,000 EUR!" in dms_to(standin, GINA)[-1]


@pytest.mark.parametrize(
    "error, told, not_told",
    [
        ("not_in_channel", "but I couldn't post it in <#CQUEUE0001>: please invite me to", ""),
        ("channel_not_found", "please invite me to <#CQUEUE0001>", ""),
        (
            "invalid_blocks",
            "could not be posted in <#CQUEUE0001> (the problem has been logged)",
            "invite",
        ),
        (
            "msg_too_long",
            "could not be posted in <#CQUEUE0001> (the problem has been logged)",
            "invite",
        ),
        (
            "is_archived",
            "I couldn't post it in <#CQUEUE0001>: Slack answered `is_archived`",
            "invite",
        ),
    ],
)
def test_a_queue_post_slack_refused_is_explained_truly(
    slack, standin, sessions, error, told, not_told
):
    standin.fail_posts_to(QUEUE, error)
    referral = pass_referral(slack, sessions, owner=None)
    note = standin.calls("chat.postEphemeral")[-1].args["text"]
    assert note.startswith(":incoming_envelope: Your referral for *Globex* is saved, but ")
    assert told in note
    assert not not_told or not_told not in note
    assert referral.state == "new" and referral.queue_ts is None


@pytest.mark.parametrize(
    "error, told",
    [
        ("msg_too_long", "it could not be sent to <@UANA000001> (the problem has been logged)."),
        ("invalid_blocks", "it could not be sent to <@UANA000001> (the problem has been logged)."),
        ("user_disabled", "I couldn't send it to <@UANA000001>: Slack answered `user_disabled`"),
        (
            "channel_not_found",
            "I couldn't send it to <@UANA000001>: Slack answered `channel_not_found`",
        ),
    ],
)
def test_a_card_that_could_not_reach_the_rep_is_explained_truly(
    slack, standin, sessions, error, told
):
    standin.fail_posts_to(ANA, error)
    referral = pass_referral(slack, sessions)
    note = standin.calls("chat.postEphemeral")[-1].args["text"]
    assert "Your referral for *Globex* is saved, but " in note and told in note
    assert "invite" not in note
    # A refusal that another rep could avoid says how to hand it over; a size error doesn't.
    assert ("/sells referrals reassign" in note) is (
        error not in {"msg_too_long", "invalid_blocks"}
    )
    assert referral.owner_id == ANA and referral.card_ts is None


@pytest.mark.parametrize(
    "error, told",
    [
        (
            "not_in_channel",
            "I couldn't post the celebration in <#CRECOG0001>: please invite me to <#CRECOG0001>.",
        ),
        (
            "invalid_blocks",
            "the celebration could not be posted in <#CRECOG0001> (the problem has been logged).",
        ),
        (
            "restricted_action",
            "I couldn't post the celebration in <#CRECOG0001>: Slack answered `restricted_action`.",
        ),
    ],
)
def test_a_celebration_slack_refused_is_explained_to_the_rep(slack, standin, sessions, error, told):
    referral = pass_referral(slack, sessions)
    standin.fail_posts_to(RECOGNITION, error)
    win(slack, standin, referral.id)
    [note] = [t for t in dms_to(standin, ANA) if "celebration" in t]
    assert note == f"The win for *Globex* is saved, but {told}"
    with sessions() as session:
        assert session.get(Referral, referral.id).state == "won"


def test_a_referrer_slack_cannot_reach_does_not_stop_the_celebration(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    standin.fail_posts_to(GINA, "user_disabled")
    win(slack, standin, referral.id, "25000")
    assert [c.args["channel"] for c in standin.delivered(RECOGNITION)] == [RECOGNITION]


def test_a_claim_whose_card_could_not_be_sent_tells_the_claimer(slack, standin, sessions):
    referral = pass_referral(slack, sessions, owner=None)
    standin.fail_posts_to(BEN, "msg_too_long")
    slack.block_action("referral_claim", str(referral.id), user=BEN, channel=QUEUE)
    slack.settle()
    note = standin.calls("chat.postEphemeral")[-1].args
    assert (note["channel"], note["user"]) == (QUEUE, BEN)
    assert note["text"] == (
        f"Referral #{referral.id} for *Globex* is yours, but its card could not be sent "
        "to you (the problem has been logged)."
    )


def test_a_reassignment_whose_card_could_not_be_sent_says_so(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    standin.fail_posts_to(GINA, "user_disabled")
    slack.command("/sells", f"referrals reassign {referral.id} <@{GINA}>", user=ADMIN)
    slack.settle()
    assert last_ephemeral(standin) == (
        f"Referral #{referral.id} for *Globex* is now with <@{GINA}>, but I couldn't send "
        f"its card to <@{GINA}>: Slack answered `user_disabled`."
    )


def test_a_rep_holding_500_referrals_sees_20_and_how_many_more(slack, standin, sessions):
    with sessions.begin() as session:
        for n in range(500):
            create_referral(
                session,
                ReferralDraft(
                    TEAM_ID,
                    GINA,
                    f"Customer {n:03}",
                    Need.NEW_LEAD,
                    owner_id=ANA,
                    context="x",
                    dedupe_key=f"many:{n}",
                ),
            )
    slack.command("/sells", "referrals", user=ANA)
    slack.settle()
    blocks = standin.calls("respond")[-1].args["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    held = shown.split("*Held by you*\n")[1]
    assert held.count("*Customer ") == 20 and held.endswith("_…and 480 more._")
    assert "*Customer 499*" in held  # the newest first
    slack.command("/sells", "referrals", user=GINA)
    slack.settle()
    passed = json.dumps(standin.calls("respond")[-1].args["blocks"], ensure_ascii=False)
    assert "_…and 480 more._" in passed


def test_300_late_referrals_make_one_reminder_and_one_nudge(slack, standin, sessions):
    assigned = utcnow() - timedelta(days=5)
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(ANA, "Ana"))
        find_person(session, TEAM_ID, ANA).manager_id = BEN
        for n in range(300):
            create_referral(
                session,
                ReferralDraft(
                    TEAM_ID,
                    GINA,
                    f"Customer {n:03}",
                    Need.EXPANSION,
                    owner_id=ANA,
                    dedupe_key=f"late:{n}",
                ),
                now=assigned + timedelta(minutes=n),
            )
    client, sla = slack.app.client, timedelta(hours=48)
    first = check_referral_sla(sessions, client, sla)
    again = check_referral_sla(sessions, client, sla)
    assert (first.owners_reminded, first.referrals_reminded) == (1, 300)
    assert (first.managers_nudged, first.referrals_escalated) == (1, 300)
    assert (again.owners_reminded, again.managers_nudged) == (0, 0)
    [reminder] = standin.delivered(ANA)
    assert reminder.args["text"] == (
        ":hourglass: 300 referrals have waited for you to accept them."
    )
    shown = json.dumps(reminder.args["blocks"])
    assert shown.count("\\u2022 *Customer") == 15 and "_\\u2026and 285 more._" in shown
    assert "*Customer 000* from <@UGINA00001>, 5 days" in shown  # the longest waiting first
    [nudge] = standin.delivered(BEN)
    assert nudge.args["text"].startswith(":wave: 300 referrals held by people you manage")
    assert "_\\u2026and 285 more._" in json.dumps(nudge.args["blocks"])


def test_a_reminder_slack_took_before_its_sender_died_is_not_sent_again(
    slack, standin, sessions, monkeypatch
):
    """Killed between Slack taking the reminder and recording it: after the lease the next
    pass finds it in the DM (by its key) and sends nothing, now or later."""
    import bot.slack.delivery as delivery

    referral = pass_referral(slack, sessions)
    died, sla, client = utcnow(), timedelta(hours=48), slack.app.client
    with sessions.begin() as session:  # waiting for 49 hours when the sender dies
        session.get(Referral, referral.id).assigned_at = died - timedelta(hours=49)

    def killed(*args, **kwargs):
        raise RuntimeError("killed after Slack took the message")

    with monkeypatch.context() as patched:
        patched.setattr(delivery, "complete", killed)
        with pytest.raises(RuntimeError):
            check_referral_sla(sessions, client, sla, now=died)
    assert len([t for t in dms_to(standin, ANA) if "waited" in t]) == 1
    resumed = check_referral_sla(sessions, client, sla, now=died + timedelta(minutes=11))
    later = check_referral_sla(sessions, client, sla, now=died + timedelta(minutes=30))
    assert (resumed.owners_reminded, later.owners_reminded) == (0, 0)
    assert standin.count("conversations.history") == 1
    assert len([t for t in dms_to(standin, ANA) if "waited" in t]) == 1

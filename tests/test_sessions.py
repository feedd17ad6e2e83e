"""Knowledge-sharing sessions: schedule, RSVP, reschedule, cancel, remind, confirm, credit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from jobs.session_jobs import ask_for_confirmation, nudge_overdue_departments, send_reminders
from models.assists import AssistDraft, Credit, record_assist
from models.base import utcnow
from models.deliveries import claim
from models.departments import departments_matching
from models.knowledge_sessions import KnowledgeSession, SessionAttendee
from models.people import PersonInfo, find_person, save_person
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, TEAM_ID
from tests.workspace import ANA, BEN, BOT, GENERAL, GINA

ADMIN = GINA


@pytest.fixture
def slack(make_app, standin, listeners) -> SlackRequests:
    app = make_app(admin_user_ids=frozenset({ADMIN}), sessions_channel=GENERAL)
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


def form(start: datetime, minutes: int = 60, title: str = "How we build the billing engine"):
    return {
        "title": {"type": "plain_text_input", "value": title},
        "direction": {"type": "static_select", "selected_option": {"value": "build_to_sales"}},
        "department": {"type": "plain_text_input", "value": "Engineering"},
        "presenters": {"type": "multi_users_select", "selected_users": [BEN]},
        "starts_at": {"type": "datetimepicker", "selected_date_time": int(start.timestamp())},
        "ends_at": {
            "type": "datetimepicker",
            "selected_date_time": int((start + timedelta(minutes=minutes)).timestamp()),
        },
        "meeting_url": {"type": "url_text_input", "value": "https://meet.example.com/billing"},
        "channel": {"type": "conversations_select", "selected_conversation": GENERAL},
    }


def schedule(slack, sessions, start: datetime | None = None) -> KnowledgeSession:
    start = (start or utcnow() + timedelta(days=3)).replace(microsecond=0, second=0)
    response = slack.view_submission("session_modal", form(start), user=BEN)
    assert response.status == 200 and response.body == ""
    slack.settle()
    with sessions() as session:
        return session.scalars(
            select(KnowledgeSession).order_by(KnowledgeSession.id.desc())
        ).first()


def announcements(standin) -> list[dict]:
    return [c.args for c in standin.calls("chat.postMessage") if c.args["channel"] == GENERAL]


def latest_card(standin) -> str:
    updates = standin.calls("chat.update")
    return json.dumps(
        updates[-1].args["blocks"] if updates else announcements(standin)[-1]["blocks"]
    )


def dms(standin, user: str) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.args["channel"] == user]


def rsvp(slack, talk, user, action_ts="1.1", action_id="session_rsvp", in_answer=False):
    """A click on the announcement's "I'm going" (or, `in_answer`, on the ephemeral answer's
    "Not going after all" / "I'm going after all")."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM_ID},
        "channel": {"id": GENERAL},
        "trigger_id": "t",
        "response_url": slack.standin.response_url("rsvp"),
        "container": {"type": "message", "is_ephemeral": in_answer},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "value": str(talk.id),
                "action_ts": action_ts,
            }
        ],
    }
    slack.interaction(payload)
    slack.settle()


def test_session_opens_the_form_with_the_default_channel(slack, standin):
    slack.command("/session")
    view = standin.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "session_modal"
    channel = next(b for b in view["blocks"] if b["block_id"] == "channel")
    assert channel["element"]["initial_conversation"] == GENERAL
    kinds = next(b for b in view["blocks"] if b["block_id"] == "direction")["element"]["options"]
    assert [o["text"]["text"] for o in kinds] == [
        "How we build what you sell",
        "How I sell what you build",
        "Customer story",
    ]


def test_scheduling_announces_what_who_and_when_in_each_readers_time(slack, standin, sessions):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0, second=0)
    talk = schedule(slack, sessions, start)
    [post] = announcements(standin)
    text = json.dumps(post["blocks"])
    assert "How we build the billing engine" in text and "How we build what you sell" in text
    assert f"<@{BEN}> (Engineering)" in text
    assert f"<!date^{int(start.timestamp())}^" in text
    assert "RSVP" in text
    assert talk.starts_at == start and talk.announcement_ts
    assert "is scheduled and announced in" in dms(standin, BEN)[-1]


def test_a_past_start_and_an_end_before_the_start_are_field_errors(slack):
    past = slack.view_submission("session_modal", form(utcnow() - timedelta(hours=1)), user=BEN)
    assert "has passed" in json.loads(past.body)["errors"]["starts_at"]
    backwards = slack.view_submission(
        "session_modal", form(utcnow() + timedelta(days=1), minutes=-30), user=BEN
    )
    assert json.loads(backwards.body)["errors"]["ends_at"] == "The end must be after the start."


def test_im_going_updates_the_count_and_the_answer_shows_my_state_with_a_way_to_undo(
    slack, standin, sessions
):
    talk = schedule(slack, sessions)
    assert '"text": "I\'m going"' in latest_card(standin)  # the same for every reader
    rsvp(slack, talk, ANA, action_ts="100.1")
    assert "1 going" in latest_card(standin)
    answer = standin.calls("respond")[-1].args
    assert answer["text"].startswith(":white_check_mark: You're going to *How we build")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    [undo] = answer["blocks"][-1]["elements"]
    assert (undo["action_id"], undo["text"]["text"]) == ("session_unrsvp", "Not going after all")

    rsvp(slack, talk, ANA, action_ts="100.1")  # the same click, redelivered: counted once
    rsvp(slack, talk, ANA, action_ts="100.2")  # "I'm going" again: still going, once
    assert "1 going" in latest_card(standin)
    assert "You're already going" in standin.calls("respond")[-1].args["text"]

    rsvp(slack, talk, ANA, action_ts="100.3", action_id="session_unrsvp", in_answer=True)
    assert "Be the first to RSVP" in latest_card(standin)
    answer = standin.calls("respond")[-1].args
    assert "no longer going" in answer["text"] and answer["replace_original"] is True
    assert answer["blocks"][-1]["elements"][0]["text"]["text"] == "I'm going after all"
    with sessions() as session:
        assert session.get(KnowledgeSession, talk.id).rsvps == []


def test_bots_cannot_rsvp(slack, standin, sessions):
    talk = schedule(slack, sessions)
    rsvp(slack, talk, BOT)
    with sessions() as session:
        assert session.get(KnowledgeSession, talk.id).rsvps == []


def test_rescheduling_tells_rsvps_and_moves_the_reminders(slack, standin, sessions):
    talk = schedule(slack, sessions)
    rsvp(slack, talk, ANA)
    slack.block_action("session_edit", str(talk.id), user=BEN)
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "session_edit_modal"
    new_start = talk.starts_at + timedelta(days=2)
    values = {
        k: v
        for k, v in form(new_start).items()
        if k in {"title", "presenters", "starts_at", "ends_at"}
    }
    slack.view_submission(
        "session_edit_modal", values, user=BEN, private_metadata=view["private_metadata"]
    )
    slack.settle()
    assert "has moved" in dms(standin, ANA)[-1]
    assert f"<!date^{int(new_start.timestamp())}^" in latest_card(standin)

    client = slack.app.client
    old_time = send_reminders(sessions, client, now=talk.starts_at - timedelta(hours=23))
    assert old_time.reminders == 0
    new_time = send_reminders(sessions, client, now=new_start - timedelta(hours=23))
    assert new_time.reminders == 1


def test_only_presenters_the_scheduler_or_admins_may_change_it(slack, standin, sessions):
    talk = schedule(slack, sessions)
    slack.block_action("session_cancel", str(talk.id), user=ANA)
    slack.settle()
    refusal = standin.calls("respond")[-1].args
    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"] == (
        "Only the presenters, the person who scheduled it or an admin can change "
        "*How we build the billing engine*, so nothing was changed. "
        f"<@{BEN}> scheduled it, if you'd like to ask them."
    )
    with sessions() as session:
        assert session.get(KnowledgeSession, talk.id).state == "scheduled"
    slack.block_action("session_cancel", str(talk.id), user=ADMIN)
    slack.settle()
    assert "is cancelled" in standin.calls("respond")[-1].args["text"]


def test_an_organiser_cancels_from_the_home_and_hears_it_in_a_dm(slack, standin, sessions):
    talk = schedule(slack, sessions)
    slack.event({"type": "app_home_opened", "user": BEN, "tab": "home", "channel": "D1"})
    slack.settle()
    home = standin.calls("views.publish")[-1].args["view"]
    cancel = [
        e
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "session_cancel"
    ]
    assert [c["value"] for c in cancel] == [str(talk.id)]  # Ben presents it: he may
    slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": BEN, "team_id": TEAM_ID},
            "trigger_id": "t",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home"},
            "actions": [{"type": "button", "action_id": "session_cancel", "value": str(talk.id)}],
        }
    )
    slack.settle()
    assert "is cancelled" in dms(standin, BEN)[-1]
    refreshed = json.dumps(standin.calls("views.publish")[-1].args["view"])
    assert "session_cancel" not in refreshed and "Nothing scheduled" in refreshed


def test_cancelling_tells_rsvps_and_drops_the_reminders(slack, standin, sessions):
    talk = schedule(slack, sessions)
    rsvp(slack, talk, ANA)
    slack.block_action("session_cancel", str(talk.id), user=BEN)
    slack.settle()
    assert "has been cancelled" in dms(standin, ANA)[-1]
    assert "Cancelled" in latest_card(standin) and "session_rsvp" not in latest_card(standin)
    report = send_reminders(sessions, slack.app.client, now=talk.starts_at - timedelta(minutes=10))
    assert report.reminders == 0


def test_reminders_go_a_day_before_and_fifteen_minutes_before_once_each(slack, standin, sessions):
    talk = schedule(slack, sessions)
    rsvp(slack, talk, ANA)
    client = slack.app.client
    assert send_reminders(sessions, client, now=talk.starts_at - timedelta(hours=25)).reminders == 0
    assert send_reminders(sessions, client, now=talk.starts_at - timedelta(hours=23)).reminders == 1
    assert send_reminders(sessions, client, now=talk.starts_at - timedelta(hours=22)).reminders == 0
    assert (
        send_reminders(sessions, client, now=talk.starts_at - timedelta(minutes=14)).reminders == 1
    )
    assert (
        send_reminders(sessions, client, now=talk.starts_at - timedelta(minutes=5)).reminders == 0
    )
    texts = [t for t in dms(standin, ANA) if "billing engine" in t]
    assert [("Reminder" in t, "starts in 14 minutes" in t) for t in texts] == [
        (True, False),
        (False, True),
    ]


def test_confirming_records_attendance_credits_presenters_and_asks_what_was_learned(
    slack, standin, sessions
):
    talk = schedule(slack, sessions)
    rsvp(slack, talk, ANA)
    after = talk.ends_at + timedelta(minutes=5)
    assert ask_for_confirmation(sessions, slack.app.client, now=after).confirmations_asked == 1
    assert ask_for_confirmation(sessions, slack.app.client, now=after).confirmations_asked == 0
    assert "take place?" in dms(standin, BEN)[-1]

    slack.block_action("session_confirm", str(talk.id), user=BEN)
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    attendees = next(b for b in view["blocks"] if b.get("block_id") == "attendees")
    assert attendees["element"]["initial_users"] == [ANA]
    for _ in range(2):
        slack.view_submission(
            "session_attendance",
            {"attendees": {"type": "multi_users_select", "selected_users": [ANA, GINA]}},
            user=BEN,
            private_metadata=view["private_metadata"],
        )
        slack.settle()

    with sessions() as session:
        credit = session.scalars(select(Credit)).one()
        assert (credit.recipient_id, credit.kind, credit.giver_id) == (BEN, "session", BOT_USER_ID)
        assert credit.assist.source == "session"
        held = session.get(KnowledgeSession, talk.id)
        assert held.state == "held" and sorted(held_ids(held)) == sorted([ANA, GINA])
    ben = dms(standin, BEN)
    assert len([t for t in ben if "Thanks for presenting! You presented" in t]) == 1
    assert "was already confirmed" in ben[-1]
    assert any("What's one thing you learned" in t for t in dms(standin, GINA))
    assert "Held" in latest_card(standin) and "2 attended" in latest_card(standin)

    slack.view_submission(
        "session_learned",
        {
            "learned": {"type": "plain_text_input", "value": "Invoices are generated nightly"},
            "share": {"type": "checkboxes", "selected_options": [{"value": "share"}]},
        },
        user=ANA,
        private_metadata=json.dumps({"id": talk.id}),
    )
    slack.settle()
    with sessions() as session:
        ana = session.scalars(select(SessionAttendee).where(SessionAttendee.user_id == ANA)).one()
        assert (ana.learned, ana.share_learned) == ("Invoices are generated nightly", True)


def held_ids(talk: KnowledgeSession) -> list[str]:
    return [a.user_id for a in talk.attendees]


def test_overdue_departments_nudge_their_managers_once_per_window_with_a_topic(
    slack, standin, sessions
):
    boss_support, boss_sales, boss_eng = "UBOSSSUP01", "UBOSSSAL01", "UBOSSENG01"
    with sessions.begin() as session:
        for user, name, dept, manager in (
            (GINA, "Gina", "Support", boss_support),
            (ANA, "Ana", "Sales", boss_sales),
            (BEN, "Ben", "Engineering", boss_eng),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            person = find_person(session, TEAM_ID, user)
            person.department, person.manager_id = dept, manager
        record_assist(
            session,
            AssistDraft(
                TEAM_ID,
                ANA,
                [GINA],
                customer="Initech",
                description="caught the renewal risk early",
            ),
            {GINA: PersonInfo(GINA, "Gina")},
            limit=None,
        )
    client = slack.app.client
    with sessions.begin() as session:  # the bot has been watching for longer than a window
        claim(session, TEAM_ID, "cadence-watch", utcnow() - timedelta(days=120))
    first = nudge_overdue_departments(sessions, client, 90, "Sales")
    again = nudge_overdue_departments(sessions, client, 90, "Sales")
    # Three departments overdue (one manager each), plus sales owing Support and Engineering.
    # Support and Engineering are overdue (one manager each), and sales owes both a visit;
    # sales is never asked to present to itself.
    assert (first.cadence_nudges, again.cadence_nudges) == (4, 0)
    support = dms(standin, boss_support)
    assert len(support) == 1 and "*Support* hasn't presented to sales" in support[0]
    assert "Initech" in support[0] and "caught the renewal risk early" in support[0]
    assert len(dms(standin, boss_sales)) == 2
    assert not any("*Sales* hasn't presented to sales" in t for t in dms(standin, boss_sales))

    slack.command("/sells", "sessions", user=GINA)
    slack.settle()
    text = json.dumps(standin.calls("respond")[-1].args["blocks"])
    assert "Overdue (nothing in 90 days): Engineering, Sales and Support." in text


def test_a_department_that_presented_recently_is_not_nudged(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(BEN, "Ben"))
        ben = find_person(session, TEAM_ID, BEN)
        ben.department, ben.manager_id = "Engineering", "UBOSSENG01"
    talk = schedule(slack, sessions, utcnow() + timedelta(hours=1))
    with sessions.begin() as session:
        held = session.get(KnowledgeSession, talk.id)
        held.state = "held"
    with sessions.begin() as session:
        claim(session, TEAM_ID, "cadence-watch", utcnow() - timedelta(days=120))
    report = nudge_overdue_departments(sessions, slack.app.client, 90, "Sales", now=talk.ends_at)
    assert report.cadence_nudges == 0
    assert dms(standin, "UBOSSENG01") == []


def test_a_new_install_nudges_nobody_before_a_whole_window_has_passed(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(BEN, "Ben"))
        ben = find_person(session, TEAM_ID, BEN)
        ben.department, ben.manager_id = "Engineering", "UBOSSENG01"
    start = utcnow()
    assert (
        nudge_overdue_departments(sessions, slack.app.client, 90, "Sales", now=start).cadence_nudges
        == 0
    )
    later = nudge_overdue_departments(
        sessions, slack.app.client, 90, "Sales", now=start + timedelta(days=91)
    )
    assert later.cadence_nudges == 1


def test_a_scheduled_session_counts_as_planned(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(BEN, "Ben"))
        ben = find_person(session, TEAM_ID, BEN)
        ben.department, ben.manager_id = "Engineering", "UBOSSENG01"
        claim(session, TEAM_ID, "cadence-watch", utcnow() - timedelta(days=120))
    schedule(slack, sessions)
    assert nudge_overdue_departments(sessions, slack.app.client, 90, "Sales").cadence_nudges == 0


def test_editing_after_the_start_keeps_the_time_and_changes_the_link(slack, standin, sessions):
    talk = schedule(slack, sessions)
    with sessions.begin() as session:  # it started a minute ago
        started = session.get(KnowledgeSession, talk.id)
        started.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=1)
        started.ends_at = started.starts_at + timedelta(hours=1)
        start, end = started.starts_at, started.ends_at
    values = {
        "title": {"type": "plain_text_input", "value": "How we build the billing engine"},
        "presenters": {"type": "multi_users_select", "selected_users": [BEN]},
        "starts_at": {"type": "datetimepicker", "selected_date_time": int(start.timestamp())},
        "ends_at": {"type": "datetimepicker", "selected_date_time": int(end.timestamp())},
        "meeting_url": {"type": "url_text_input", "value": "https://meet.example.com/new-room"},
    }
    response = slack.view_submission(
        "session_edit_modal", values, user=BEN, private_metadata=json.dumps({"id": talk.id})
    )
    assert response.body == ""
    slack.settle()
    with sessions() as session:
        assert session.get(KnowledgeSession, talk.id).meeting_url.endswith("/new-room")


def test_not_held_after_a_confirmation_says_nothing_changed(slack, standin, sessions):
    talk = schedule(slack, sessions)
    with sessions.begin() as session:
        session.get(KnowledgeSession, talk.id).state = "held"
    slack.block_action("session_not_held", str(talk.id), user=BEN)
    slack.settle()
    assert "already marked held; nothing changed" in standin.calls("respond")[-1].args["text"]


def test_rsvp_from_app_home_refreshes_the_home_without_errors(slack, standin, sessions, caplog):
    talk = schedule(slack, sessions)
    slack.event({"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D1"})
    slack.settle()
    slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": ANA, "team_id": TEAM_ID},
            "trigger_id": "t",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "session_rsvp",
                    "value": str(talk.id),
                    "action_ts": "9.1",
                }
            ],
        }
    )
    slack.settle()
    assert "You're going ✓" in json.dumps(
        standin.calls("views.publish")[-1].args["view"], ensure_ascii=False
    )
    assert "listener failed" not in caplog.text


def test_session_list_shows_upcoming_sessions(slack, standin, sessions):
    slack.command("/session", "list")
    slack.settle()
    assert "No sessions are scheduled" in json.dumps(standin.calls("respond")[-1].args["blocks"])
    schedule(slack, sessions)
    slack.command("/session", "list")
    slack.settle()
    assert "How we build the billing engine" in json.dumps(
        standin.calls("respond")[-1].args["blocks"]
    )


def a_company_of_200_departments(sessions) -> list[str]:
    """One person in each of 200 departments (40-character names), Gina in the 150th."""
    names = [f"Customer Success & Renewals EMEA, no {n:03d}" for n in range(200)]
    with sessions.begin() as session:
        for n, name in enumerate(names):
            user = GINA if n == 150 else f"UPERSON{n:03d}"
            save_person(session, TEAM_ID, PersonInfo(user, f"Person {n}"))
            find_person(session, TEAM_ID, user).department = name
        for user, name in ((ANA, "Support"), (BEN, "Customer Support")):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            find_person(session, TEAM_ID, user).department = name
    return names


def suggest(slack, typed: str, block_id: str = "department") -> list[str]:
    """What the type-ahead offers for `typed`: a signed block_suggestion, as Slack sends it."""
    response = slack.send_interaction(
        {
            "type": "block_suggestion",
            "user": {"id": GINA, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "test"},
            "api_app_id": "A0TEST",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "modal", "callback_id": "session_modal"},
            "action_id": "session_department",
            "block_id": block_id,
            "value": typed,
        }
    )
    assert response.status == 200
    return [o["value"] for o in json.loads(response.body)["options"]]


def test_the_form_opens_in_a_company_of_200_departments_and_finds_them_as_you_type(
    slack, standin, sessions
):
    names = a_company_of_200_departments(sessions)
    slack.command("/session", user=GINA)
    slack.settle()
    [opened] = standin.calls("views.open")  # Slack took it: a static select would be refused
    view = opened.args["view"]
    department = next(b for b in view["blocks"] if b["block_id"] == "department")["element"]
    assert department["type"] == "external_select"
    assert department["initial_option"]["value"] == names[150]  # Gina's own

    assert suggest(slack, "customer success & renewals emea, no 15") == names[150:160]
    # Those starting with what was typed first, then the others; never more than 100.
    assert suggest(slack, "su") == ["Support", *names[:99]]
    assert suggest(slack, "supp", block_id="audience_department") == ["Support", "Customer Support"]
    assert suggest(slack, "%") == []  # what was typed is text, not a pattern
    with sessions() as session:
        assert len(departments_matching(session, TEAM_ID, "")) == 100


def test_a_department_chosen_by_type_ahead_is_saved(slack, standin, sessions):
    names = a_company_of_200_departments(sessions)
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0, second=0)
    values = form(start)
    chosen = {"text": {"type": "plain_text", "text": names[42]}, "value": names[42]}
    state = {block: {"value": action} for block, action in values.items()}
    state["department"] = {
        "session_department": {"type": "external_select", "selected_option": chosen}
    }
    state["audience_department"] = {
        "session_department": {"type": "external_select", "selected_option": None}
    }
    response = slack.interaction(
        {
            "type": "view_submission",
            "user": {"id": BEN, "team_id": TEAM_ID},
            "trigger_id": "t.1",
            "view": {
                "id": "VTYPEAHEAD1",
                "type": "modal",
                "callback_id": "session_modal",
                "private_metadata": "{}",
                "state": {"values": state},
            },
        }
    )
    assert response.status == 200 and response.body == ""
    slack.settle()
    with sessions() as session:
        talk = session.scalars(select(KnowledgeSession)).one()
        assert (talk.department, talk.audience_department) == (names[42], None)
    assert "(Customer Success &amp; Renewals EMEA, no 042)" in json.dumps(
        announcements(standin)[-1]["blocks"]
    )

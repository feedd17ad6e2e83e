"""The session builders, from plain data, checked against what Slack accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.blocks.sessions import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    DEPARTMENT_OPTIONS,
    EDIT_ACTION,
    EDIT_MODAL,
    LEARNED_ACTION,
    NOT_HELD_ACTION,
    RSVP_ACTION,
    SESSION_MODAL,
    UNRSVP_ACTION,
    announcement,
    attendance_modal,
    attendance_note,
    cadence_blocks,
    cadence_nudge,
    cancelled_note,
    change_notice,
    confirm_ask,
    department_options,
    learned_ask,
    learned_modal,
    not_allowed_note,
    not_held_note,
    presenter_mentions,
    reminder,
    rsvp_note,
    saved_note,
    scheduled_note,
    session_list,
    session_modal,
    when,
)
from models.knowledge_sessions import DepartmentCadence, SessionInfo, TopicIdea
from tests.slack_limits import assert_message_ok, assert_view_ok

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LONG_TITLE = "How we build the billing engine, " * 4 + "x" * 18  # the form allows 150
DEPARTMENTS_IN_A_BIG_COMPANY = 200


def users(count: int, prefix: str = "U") -> tuple[str, ...]:
    return tuple(f"{prefix}{n:08d}" for n in range(count))


def talk_info(
    *,
    title: str = "How we build the billing engine",
    presenters: int = 1,
    rsvps: int = 3,
    attendees: int = 0,
    state: str = "scheduled",
    meeting_url: str | None = "https://meet.example.com/billing",
    session_id: int = 7,
    starts_at: datetime = START,
) -> SessionInfo:
    return SessionInfo(
        id=session_id,
        title=title,
        direction="build_to_sales",
        department="Engineering",
        audience_department=None,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        meeting_url=meeting_url,
        state=state,
        created_by="UCREATOR1",
        channel_id="CGENERAL01",
        presenter_ids=users(presenters, "UP"),
        rsvp_ids=users(rsvps, "UR"),
        attendee_ids=users(attendees, "UA"),
        announcement_ts="1700000000.000100",
        team_id="T0TEST",
    )


def the_big_one(**changes) -> SessionInfo:
    """40 presenters, 300 RSVPs, the longest title the form takes."""
    return talk_info(**{"title": LONG_TITLE, "presenters": 40, "rsvps": 300, **changes})


def department_names(count: int) -> list[str]:
    return [f"Department {n:03d}" for n in range(count)]


def long_department_names(count: int) -> list[str]:
    """The longest names an org chart has (40 characters), with an `&` to escape."""
    names = [f"Customer Success & Renewals EMEA, no {n:03d}" for n in range(count)]
    assert all(len(name) == 40 for name in names)
    return names


def block_ids(view: dict) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def test_when_shows_start_and_end_in_each_readers_time_zone():
    text = when(talk_info())
    assert text.startswith(f"<!date^{int(START.timestamp())}^")
    assert "|Mon 02 Mar 2026 15:00 UTC>" in text and "|16:00 UTC>" in text


def test_the_scheduling_form_lists_the_departments_and_preselects_mine():
    view = session_modal(
        departments=department_names(40),
        creator="UCREATOR1",
        creator_department="Department 007",
        default_channel="CGENERAL01",
    )
    assert_view_ok(view)
    assert view["callback_id"] == SESSION_MODAL and json.loads(view["private_metadata"]) == {}
    assert block_ids(view) == [
        "title",
        "direction",
        "department",
        "audience_department",
        "presenters",
        "starts_at",
        "ends_at",
        "meeting_url",
        "channel",
    ]
    department = view["blocks"][2]["element"]
    assert department["initial_option"]["value"] == "Department 007"
    assert view["blocks"][4]["element"]["initial_users"] == ["UCREATOR1"]
    assert view["blocks"][-1]["element"]["initial_conversation"] == "CGENERAL01"


def test_the_scheduling_form_without_an_org_chart_asks_for_the_department_in_words():
    view = session_modal(
        departments=(), creator="UCREATOR1", creator_department=None, default_channel=None
    )
    assert_view_ok(view)
    assert view["blocks"][2]["element"]["type"] == "plain_text_input"
    assert "initial_conversation" not in view["blocks"][-1]["element"]


def test_the_scheduling_form_in_a_company_of_200_departments_finds_them_as_you_type():
    names = long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY)
    view = session_modal(
        departments=names,
        creator="UCREATOR1",
        creator_department=names[149],
        default_channel="CGENERAL01",
    )
    assert_view_ok(view)
    department, audience = view["blocks"][2]["element"], view["blocks"][3]["element"]
    for element in (department, audience):
        assert element["type"] == "external_select" and "options" not in element
        assert element["action_id"] == DEPARTMENT_OPTIONS
        assert element["placeholder"]["text"] == "Type to find one of 200 departments"
    assert department["initial_option"]["value"] == names[149]  # mine, preselected
    assert "initial_option" not in audience


def test_up_to_100_departments_stay_in_a_static_select():
    view = session_modal(
        departments=department_names(100),
        creator="UCREATOR1",
        creator_department=None,
        default_channel=None,
    )
    assert_view_ok(view)
    assert view["blocks"][2]["element"]["type"] == "static_select"
    assert len(view["blocks"][2]["element"]["options"]) == 100


def test_the_type_ahead_answers_at_most_100_departments():
    options = department_options(long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY))
    assert len(options) == 100
    assert options[0] == {
        "text": {
            "type": "plain_text",
            "text": "Customer Success & Renewals EMEA, no 000",
            "emoji": True,
        },
        "value": "Customer Success & Renewals EMEA, no 000",
    }


def test_the_edit_form_is_filled_in_with_the_session():
    talk = the_big_one()
    view = session_modal(
        departments=(),
        creator="UP00000000",
        creator_department=None,
        default_channel=None,
        talk=talk,
    )
    assert_view_ok(view)
    assert view["callback_id"] == EDIT_MODAL
    assert json.loads(view["private_metadata"]) == {"id": talk.id}
    assert block_ids(view) == ["title", "presenters", "starts_at", "ends_at", "meeting_url"]
    assert view["blocks"][0]["element"]["initial_value"] == LONG_TITLE
    assert len(view["blocks"][1]["element"]["initial_users"]) == 40


@pytest.mark.parametrize("state", ["scheduled", "cancelled", "held", "not_held"])
def test_the_announcement_at_its_largest_in_every_state(state):
    text, blocks = announcement(the_big_one(state=state, attendees=250))
    assert_message_ok((text, blocks))
    shown = json.dumps(blocks)
    assert "<@UP00000039>" in shown
    assert ("250 attended" in shown) == (state == "held")
    assert (RSVP_ACTION in shown and CANCEL_ACTION in shown) == (state == "scheduled")
    assert (":raising_hand: 300 going" in shown) == (state == "scheduled")
    assert ("300 had RSVP'd" in shown) == (state != "scheduled")


def test_the_announcement_button_says_im_going_the_same_for_every_reader():
    """Everyone sees the same post: its button is a plain "I'm going", never someone's state;
    Edit and Cancel are there for all and refuse those who may not (see not_allowed_note)."""
    _, blocks = announcement(talk_info(rsvps=12))
    buttons = blocks[-1]["elements"]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        (RSVP_ACTION, "I'm going"),
        (EDIT_ACTION, "Edit"),
        (CANCEL_ACTION, "Cancel session"),
    ]
    assert "RSVP / un-RSVP" not in json.dumps(blocks)
    assert blocks[-2]["elements"][0]["text"] == ":raising_hand: 12 going"


def test_the_announcement_invites_the_first_rsvp_and_quotes_the_title():
    text, blocks = announcement(talk_info(title="R&D <Q3> @here", rsvps=0))
    assert_message_ok((text, blocks))
    assert "Be the first to RSVP" in json.dumps(blocks)
    assert "R&amp;D &lt;Q3&gt;" in text


@pytest.mark.parametrize(
    ("announced_in", "error", "says"),
    [
        ("CGENERAL01", None, "announced in <#CGENERAL01>"),
        (None, "not_in_channel", "couldn't post in <#CGENERAL01> (not_in_channel)"),
        (None, None, "no channel to announce it in"),
    ],
)
def test_the_scheduler_hears_where_it_was_announced(announced_in, error, says):
    message = scheduled_note(the_big_one(), announced_in, error)
    assert_message_ok(message)
    assert "is scheduled" in message[0] and says in message[0]
    # A DM to whoever scheduled it: theirs alone, so Edit and Cancel are at hand.
    buttons = [e["action_id"] for e in message[1][-1]["elements"]]
    assert buttons == [EDIT_ACTION, CANCEL_ACTION]


@pytest.mark.parametrize(
    ("going", "changed", "says", "undo"),
    [
        (True, True, "You're going to *How we build", (UNRSVP_ACTION, "Not going after all")),
        (True, False, "You're already going to", (UNRSVP_ACTION, "Not going after all")),
        (False, True, "You're no longer going to", (RSVP_ACTION, "I'm going after all")),
        (False, False, "You're not going to", (RSVP_ACTION, "I'm going after all")),
    ],
)
def test_the_rsvp_note_shows_where_you_stand_and_how_to_undo_it(going, changed, says, undo):
    message = rsvp_note(going, the_big_one(), changed)
    assert_message_ok(message)
    assert says in message[0] and "(300 going)" in message[0]
    [button] = message[1][-1]["elements"]
    assert (button["action_id"], button["text"]["text"]) == undo
    assert button["value"] == "7"


def test_rsvps_closed():
    message = rsvp_note(None, the_big_one(state="cancelled"))
    assert_message_ok(message)
    assert message[0] == "RSVPs are closed for this session."


def test_someone_who_may_not_change_a_session_is_told_politely_who_can():
    text, blocks = not_allowed_note(talk_info())
    assert_message_ok((text, blocks))
    assert text == (
        "Only the presenters, the person who scheduled it or an admin can change "
        "*How we build the billing engine*, so nothing was changed. "
        "<@UCREATOR1> scheduled it, if you'd like to ask them."
    )
    gone = not_allowed_note(None)
    assert "no longer exists" in gone[0]


def test_the_session_list_when_nothing_is_scheduled():
    message = session_list([])
    assert_message_ok(message)
    assert "No sessions are scheduled" in json.dumps(message[1])


def test_the_session_list_of_ten_sessions():
    talks = [
        talk_info(session_id=n, title=f"Session {n}: pricing", starts_at=START + timedelta(days=n))
        for n in range(10)
    ]
    message = session_list(talks)
    assert_message_ok(message)
    assert all(f"Session {n}: pricing" in json.dumps(message[1]) for n in range(10))


def test_the_session_list_of_ten_sessions_with_the_longest_titles():
    talks = [
        the_big_one(
            session_id=n, starts_at=START + timedelta(days=n), title=f"{n:02d} {LONG_TITLE}"[:150]
        )
        for n in range(10)
    ]
    message = session_list(talks)
    assert_message_ok(message)
    assert message[0] == "Upcoming sessions: 10 sessions"
    assert all(f"{n:02d} How we build" in json.dumps(message[1]) for n in range(10))
    assert len(message[1]) == 3  # the header, and the ten lines over two sections, none cut
    assert all(
        line.endswith("· 300 going")
        for s in message[1][1:]
        for line in s["text"]["text"].split("\n")
    )


def test_the_session_list_of_one_session_says_one_session():
    assert session_list([talk_info()])[0] == "Upcoming sessions: 1 session"


@pytest.mark.parametrize(
    ("what", "says"),
    [("rescheduled", "has moved"), ("edited", "was updated"), ("cancelled", "has been cancelled")],
)
def test_the_change_notice(what, says):
    message = change_notice(the_big_one(), what)
    assert_message_ok(message)
    assert says in message[0]


def test_the_notes_to_whoever_changed_it():
    talk = the_big_one(state="held", attendees=250)
    for message, says in (
        (saved_note(talk, 300), "300 people who RSVP'd told"),
        (saved_note(talk, 1), "1 person who RSVP'd told"),
        (cancelled_note(talk), "is cancelled"),
        (not_held_note(talk, True), "did not take place"),
        (not_held_note(talk, False), "already marked held; nothing changed"),
        (attendance_note(talk, True), "250 attended; presenters credited"),
        (attendance_note(talk, False), "was already confirmed"),
    ):
        assert_message_ok(message)
        assert says in message[0]


def test_reminders_a_day_before_and_minutes_before():
    talk = the_big_one()
    day_before = reminder(talk, soon=False)
    soon = reminder(talk, soon=True, now=talk.starts_at - timedelta(minutes=14))
    for message in (day_before, soon):
        assert_message_ok(message)
        assert "Join the meeting" in json.dumps(message[1])
    assert "Reminder" in day_before[0] and "starts in 14 minutes" in soon[0]


def test_the_confirmation_ask_has_both_answers():
    text, blocks = confirm_ask(the_big_one())
    assert_message_ok((text, blocks))
    assert "take place?" in text
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [CONFIRM_ACTION, NOT_HELD_ACTION]


def test_the_attendance_form_preselects_300_rsvps():
    view = attendance_modal(the_big_one())
    assert_view_ok(view)
    attendees = next(b for b in view["blocks"] if b.get("block_id") == "attendees")
    assert len(attendees["element"]["initial_users"]) == 300


def test_the_attendance_form_with_no_rsvps_preselects_nobody():
    view = attendance_modal(talk_info(rsvps=0))
    assert_view_ok(view)
    assert "initial_users" not in view["blocks"][1]["element"]


def test_what_did_you_learn():
    talk = the_big_one()
    text, blocks = learned_ask(talk)
    assert_message_ok((text, blocks))
    assert blocks[-1]["elements"][0]["action_id"] == LEARNED_ACTION
    view = learned_modal(talk)
    assert_view_ok(view)
    assert json.loads(view["private_metadata"]) == {"id": talk.id}
    assert view["blocks"][0]["label"]["text"].startswith("From “How we build")


def cadence_rows(count: int) -> list[DepartmentCadence]:
    rows = [
        DepartmentCadence(name, START - timedelta(days=n), n % 3, START - timedelta(days=2 * n))
        for n, name in enumerate(department_names(count - 1))
    ]
    return [*rows, DepartmentCadence("Sales", None, 0)]


def test_the_cadence_of_20_departments():
    blocks = cadence_blocks(cadence_rows(20), START - timedelta(days=90), "Sales", 90)
    assert_message_ok(("Knowledge-sharing sessions by department", blocks))
    shown = json.dumps(blocks)
    assert "Department 018" in shown and "Overdue (nothing in 90 days): Sales." in shown


def test_the_cadence_of_200_departments_lists_each_over_several_sections():
    names = long_department_names(DEPARTMENTS_IN_A_BIG_COMPANY - 1)
    rows = [
        DepartmentCadence(name, START - timedelta(days=n), n % 3, START - timedelta(days=2 * n))
        for n, name in enumerate(names)
    ]
    rows.append(DepartmentCadence("Sales", None, 0))
    blocks = cadence_blocks(rows, START - timedelta(days=90), "Sales", 90)
    assert_message_ok(("Knowledge-sharing sessions by department", blocks))
    lines = [line for b in blocks[1:-1] for line in b["text"]["text"].split("\n")]
    assert len(lines) == 200  # every department whole, none cut
    assert lines[-2].startswith(":warning: *Customer Success &amp; Renewals EMEA, no 198*: ")
    assert ": 1 session in 90 days" in lines[1] and ": 2 sessions in 90 days" in lines[2]
    summary = blocks[-1]["elements"][0]["text"]
    assert summary.startswith("Overdue (nothing in 90 days): Customer Success &amp; Renewals")
    assert summary.endswith(" more.")  # 110 overdue departments: the first ones, then how many


def test_a_one_day_cadence_says_one_day():
    rows = [DepartmentCadence("Support", None, 1)]
    blocks = cadence_blocks(rows, START, "Sales", 1)
    assert "1 session in 1 day, never presented" in json.dumps(blocks)
    assert "Overdue (nothing in 1 day): Support." in json.dumps(blocks)
    assert "in 1 day." in cadence_nudge("Support", 1, None, sales_to=False)[0]


def test_no_departments_yet():
    blocks = cadence_blocks([], START, "Sales", 90)
    assert_message_ok(("Knowledge-sharing sessions by department", blocks))
    assert "import the org chart" in json.dumps(blocks)


@pytest.mark.parametrize("sales_to", [True, False])
def test_the_cadence_nudge_offers_a_topic(sales_to):
    idea = TopicIdea("Initech", "caught the renewal risk early " * 20, is_private=False)
    message = cadence_nudge("Support", 90, idea, sales_to)
    assert_message_ok(message)
    assert "Initech" in message[0] and "Schedule one with `/session`" in message[0]
    assert_message_ok(cadence_nudge("Support", 90, None, sales_to))


def test_presenter_mentions_fall_back_to_whoever_scheduled_it():
    assert presenter_mentions(talk_info(presenters=2)) == "<@UP00000000> and <@UP00000001>"
    assert presenter_mentions(talk_info(presenters=0)) == "<@UCREATOR1>"


def test_the_session_list_says_how_many_more_are_coming():
    talks = [talk_info(session_id=n, starts_at=START + timedelta(days=n)) for n in range(10)]
    text, blocks = session_list(talks, total=14)
    assert_message_ok((text, blocks))
    assert text == "Upcoming sessions: 14 sessions"
    assert blocks[-1]["elements"][0]["text"] == "…and 4 more after these."

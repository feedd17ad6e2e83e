"""Fair leaderboards: breadth (how many different people credited someone) by default, raw
credits on request, and departments by the share of their people who gave credit, checked
by hand on a small org, against a plain count on the sample company, and at 200 departments."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks.sells import department_board_message, leaderboard_message
from bot.commands.sample_company import build_sample_company
from models.assists import AssistDraft, Credit, Kind, record_assist
from models.giving_drops import AUTOMATIC
from models.people import Person, PersonInfo, find_person, save_person
from models.stats import (
    CREDITS,
    DepartmentBoard,
    DepartmentRow,
    Window,
    department_board,
    leaderboard,
    period_window,
)
from tests.slack_limits import assert_message_ok
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA

SAM, FAY, MIA, ED, ZOE, LEA, KAI = (
    f"U{n}0000001" for n in ("SAM", "FAY", "MIA", "EDD", "ZOE", "LEA", "KAI")
)
ORG = {
    GINA: "Support",
    SAM: "Support",
    ZOE: "Support",
    LEA: "Support",
    ANA: "Sales",
    MIA: "Sales",
    BEN: "Engineering",
    ED: "Engineering",
    KAI: "Engineering",
    FAY: "Finance",
}
NOVEMBER = Window(
    datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "November 2026"
)


def give(sessions, giver, recipients, kind=Kind.ASSIST, times=1, when=None):
    with sessions.begin() as session:
        for n in range(times):
            record_assist(
                session,
                AssistDraft(TEAM_ID, giver, recipients, kind=kind, description=f"helped {n}"),
                {r: PersonInfo(r, r) for r in recipients},
                limit=None,
                now=when,
            )


def small_org(sessions):
    """Ben: 5 credits, all from Gina. Ana: 3 credits from 3 people. Givers this month:
    Gina, Sam (Support, 2 of 4), Fay (Finance, 1 of 1), Ben (Engineering, 1 of 3); Sales
    gave only the bot's credit for a won referral."""
    with sessions.begin() as session:
        for user, department in ORG.items():
            save_person(session, TEAM_ID, PersonInfo(user, user.title()))
            find_person(session, TEAM_ID, user).department = department
    give(sessions, GINA, [BEN], times=5)
    for giver in (GINA, SAM, FAY):
        give(sessions, giver, [ANA])
    give(sessions, BEN, [SAM, FAY])
    give(sessions, MIA, [GINA], kind=Kind.REFERRAL)  # the bot's, for a won referral
    give(sessions, GINA, [SAM], kind=Kind.LESSON, times=9)  # celebrated, never ranked


def reply(slack, standin, text):
    slack.command("/sells", text)
    slack.settle()
    return standin.calls("respond")[-1].args


def lines(answer) -> list[str]:
    return answer["blocks"][1]["text"]["text"].splitlines()


def test_the_default_leaderboard_ranks_by_how_many_people_credited_someone(
    slack, standin, sessions
):
    small_org(sessions)
    board = lines(reply(slack, standin, "leaderboard"))
    assert board[0] == f":first_place_medal: <@{ANA}>: credited by 3 people (3 credits) · Sales"
    assert board[1].startswith(f":second_place_medal: <@{BEN}>: credited by 1 person (5 credits)")
    assert not any(f"<@{SAM}>: credited by 2" in line for line in board)  # lessons aside


def test_the_credits_leaderboard_ranks_by_raw_credits(slack, standin, sessions):
    small_org(sessions)
    answer = reply(slack, standin, "leaderboard credits month")
    assert answer["text"].startswith("Most credits, ")
    board = lines(answer)
    assert board[0] == f":first_place_medal: <@{BEN}>: 5 credits from 1 person · Engineering"
    assert board[1].startswith(f":second_place_medal: <@{ANA}>: 3 credits from 3 people")
    support = lines(reply(slack, standin, "leaderboard credits quarter support"))
    assert [line.split(":")[2].strip() for line in support] == [f"<@{GINA}>", f"<@{SAM}>"]


def test_departments_rank_by_the_share_of_their_people_giving_and_name_no_one_else(
    slack, standin, sessions
):
    small_org(sessions)
    answer = reply(slack, standin, "leaderboard departments")
    board = lines(answer)
    assert board == [
        ":first_place_medal: *Finance*: 100% of 1 person credited someone · 1 giver, 1 credit given",
        # Gina's 5 credits to Ben, 1 to Ana and 9 lessons, and Sam's 1: a lesson is given too.
        ":second_place_medal: *Support*: 50% of 4 people credited someone · 2 givers, 16 credits given",
        ":third_place_medal: *Engineering*: 33% of 3 people credited someone · 1 giver, 2 credits given",
    ]
    assert "Sales" not in str(answer["blocks"])  # no bottom list: Sales is not named
    note = answer["blocks"][-1]["elements"][0]["text"]
    assert note.startswith("3 of 4 departments had someone crediting a colleague; 40% of")
    assert "(4 of 10 people)" in note
    usage = reply(slack, standin, "leaderboard departments Support")["text"]
    assert usage.startswith("Usage: `/sells leaderboard departments [week|month|quarter]`")


def test_a_department_named_like_a_board_is_still_a_department(slack, standin, sessions):
    small_org(sessions)
    with sessions.begin() as session:
        find_person(session, TEAM_ID, BEN).department = "Credits"
    answer = reply(slack, standin, "leaderboard credits")
    assert answer["text"].startswith("Leaderboard") and "in Credits" in str(answer["blocks"])


def test_boards_match_a_plain_count_on_the_sample_company(sessions):
    now = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    tz = ZoneInfo("Europe/Berlin")
    with sessions() as session:
        build_sample_company(session, TEAM_ID, people=120, weeks=10, seed=3, tz=tz, now=now)
    with sessions() as session:
        window = period_window("quarter", now, tz)
        people = {
            p.user_id: p
            for p in session.scalars(select(Person).where(Person.team_id == TEAM_ID))
            if p.department and not p.is_bot and not p.is_deleted
        }
        credits = [
            c
            for c in session.scalars(select(Credit).where(Credit.team_id == TEAM_ID))
            if c.revoked_at is None and window.start <= c.created_at < window.end
        ]
        board = department_board(session, TEAM_ID, window)
        breadth = leaderboard(session, TEAM_ID, window, size=5)
        most = leaderboard(session, TEAM_ID, window, size=5, by=CREDITS)
    givers: dict[str, set[str]] = defaultdict(set)
    given: dict[str, int] = defaultdict(int)
    for c in credits:
        if c.kind not in AUTOMATIC and c.giver_id in people:
            givers[people[c.giver_id].department].add(c.giver_id)
            given[people[c.giver_id].department] += 1
    size = defaultdict(int)
    for p in people.values():
        size[p.department] += 1
    expected = sorted(
        ((d, size[d], len(g), given[d]) for d, g in givers.items()),
        key=lambda r: (-r[2] / r[1], -r[2], r[0]),
    )
    assert [(r.department, r.people, r.givers, r.credits_given) for r in board.rows] == expected
    assert len(board.rows) >= 5 and board.givers == sum(len(g) for g in givers.values())
    by_person: dict[str, list] = defaultdict(list)
    for c in credits:
        if c.kind != Kind.LESSON.value:
            by_person[c.recipient_id].append(c.giver_id)
    tally = {u: (len(set(g)), len(g)) for u, g in by_person.items()}
    widest = sorted(tally, key=lambda u: (-tally[u][0], -tally[u][1], u))[:5]
    busiest = sorted(tally, key=lambda u: (-tally[u][1], -tally[u][0], u))[:5]
    assert [r.user_id for r in breadth] == widest
    assert [(r.givers, r.credits) for r in breadth] == [tally[u] for u in widest]
    assert [r.user_id for r in most] == busiest


DEPARTMENTS = [f"Regional Customer Success Operations & Renewals {n:03d}" for n in range(200)]


def test_the_departments_board_of_200_departments_fits_and_says_how_many_more():
    rows = [
        DepartmentRow(rank, name, 50, 50 - rank // 4, 3_000 - rank)
        for rank, name in enumerate(DEPARTMENTS, 1)
    ]
    board = DepartmentBoard(NOVEMBER, rows, departments=200, people=10_000, givers=7_000)
    _, blocks = message = department_board_message(board)
    assert_message_ok(message)
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert body.count("credited someone") == 10
    assert body.endswith("…and 190 more departments where people gave.")
    assert "&amp; Renewals 000" in body  # escaped, whole
    empty = department_board_message(DepartmentBoard(NOVEMBER, [], 200, 10_000, 0))
    assert_message_ok(empty)
    assert "Nobody has credited anyone yet" in str(empty[1])


def test_the_departments_board_at_10000_people(sessions):
    from tests.large_org import build_large_org

    now = datetime.now(UTC)
    build_large_org(sessions, TEAM_ID, now)
    with sessions() as session:
        window = Window(now - timedelta(days=7), now + timedelta(minutes=1), "this week")
        board = department_board(session, TEAM_ID, window)
        breadth = leaderboard(session, TEAM_ID, window)
    assert board.departments == 201 and board.people == 10_004  # with Sales, of the rep
    assert_message_ok(department_board_message(board))
    assert_message_ok(leaderboard_message(breadth, window, None))
    assert_message_ok(leaderboard_message(breadth, window, None, CREDITS))

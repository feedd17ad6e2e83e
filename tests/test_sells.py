"""`/sells`: help, my stats and the leaderboard."""

from __future__ import annotations

from models.assists import AssistDraft, GivingLimit, Kind, Stage, record_assist
from models.people import PersonInfo, save_person
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA


def give(sessions, giver, recipient, kind=Kind.ASSIST, stage=None, times=1):
    with sessions.begin() as session:
        for n in range(times):
            record_assist(
                session,
                AssistDraft(
                    TEAM_ID, giver, [recipient], kind=kind, stage=stage, description=f"helped {n}"
                ),
                {recipient: PersonInfo(recipient, recipient)},
                GivingLimit(per_day=100),
            )


def reply(slack, standin, text):
    slack.command("/sells", text)
    slack.settle()
    return standin.calls("respond")[-1].args


def test_help_lists_the_commands(slack, standin):
    text = str(reply(slack, standin, "help")["blocks"])
    for command in ("/assist", "/win", "/sells stats", "/sells leaderboard"):
        assert command in text


def test_an_unknown_subcommand_says_so_in_one_line_and_suggests_the_nearest(slack, standin):
    answer = reply(slack, standin, "stat")
    assert answer["text"] == (
        "I don't know `/sells stat`. Did you mean `/sells stats`? `/sells help` lists what I can do."
    )
    assert len(answer["blocks"]) == 1
    nothing_near = reply(slack, standin, "frobnicate")["text"]
    assert nothing_near == "I don't know `/sells frobnicate`. `/sells help` lists what I can do."


def test_stats_show_given_and_received_by_kind_and_stage(slack, standin, sessions):
    give(sessions, ANA, GINA, Kind.INSIGHT, Stage.PRE_SALE, times=2)
    give(sessions, GINA, BEN, Kind.SERVICE, Stage.POST_SALE)
    answer = reply(slack, standin, "stats")
    assert answer["text"] == "You received 2 and gave 1 credit"
    blocks = str(answer["blocks"])
    assert "Insight 2" in blocks and "Pre-sale 2" in blocks
    assert "Service 1" in blocks and "Post-sale 1" in blocks


def test_leaderboard_ranks_by_credits_and_filters_by_department(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(ANA, "Ana"))
        save_person(session, TEAM_ID, PersonInfo(BEN, "Ben"))
    with sessions.begin() as session:
        from models.people import find_person

        find_person(session, TEAM_ID, ANA).department = "Sales"
        find_person(session, TEAM_ID, BEN).department = "Engineering"
    give(sessions, GINA, BEN, times=3)
    give(sessions, GINA, ANA, times=1)
    give(sessions, GINA, ANA, Kind.LESSON, times=5)

    board = reply(slack, standin, "leaderboard credits week")["blocks"][1]["text"]["text"]
    assert board.index(f"<@{BEN}>: 3 credits") < board.index(f"<@{ANA}>: 1 credit from")

    sales = reply(slack, standin, "leaderboard quarter sales")
    text = str(sales["blocks"])
    assert "in Sales" in text and f"<@{ANA}>" in text and f"<@{BEN}>" not in text


def test_an_empty_leaderboard_invites_the_first_assist(slack, standin):
    assert "Be the first" in str(reply(slack, standin, "leaderboard")["blocks"])


def test_an_unknown_department_or_period_is_named(slack, standin, sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(ANA, "Ana"))
        from models.people import find_person

        find_person(session, TEAM_ID, ANA).department = "Sales"
    text = reply(slack, standin, "leaderboard year")["text"]
    assert text.startswith("There is no department called “year”")
    assert "Periods are week, month and quarter; departments are Sales." in text


def test_an_unknown_department_among_two_hundred_names_the_nearest(slack, standin, sessions):
    from models.people import find_person

    with sessions.begin() as session:
        for n in range(200):
            user = f"UDEPT{n:05d}"
            save_person(session, TEAM_ID, PersonInfo(user, user))
            find_person(session, TEAM_ID, user).department = f"Regional Support {n:03d}"
    text = reply(slack, standin, "leaderboard week Regional Suport 042")["text"]
    assert text.startswith("There is no department called “Regional Suport 042”")
    assert "the nearest are Regional Support 042" in text
    assert "`/sells dept` lists all 200 departments" in text and len(text) < 400

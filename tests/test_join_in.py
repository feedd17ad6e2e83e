"""Join in: the bot adds the assist emoji to its win, won-referral and digest posts, and a
person who adds theirs credits the people the post recognises: once, never themselves,
revoked when they take it off. The bot's own emoji credits nobody."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.slack.client import build_client
from jobs.recognition import Recognition, run_digest
from models.assists import Assist, AssistDraft, Credit, Kind, record_assist
from models.people import PersonInfo
from models.recognition_posts import RecognitionPost
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, TEAM_ID
from tests.test_referrals import click, pass_referral
from tests.test_win import win_values
from tests.workspace import ANA, BEN, GENERAL, GINA, GONE, RECOGNITION

CARL = "UCARL00001"  # reads the recognition channel and joins in


@pytest.fixture(autouse=True)
def carl(standin) -> None:
    standin.add_user(CARL, "Carl", "carl@example.com")


def celebrate_win(slack, standin, helpers=(ANA, BEN), giver=GINA) -> str:
    """Gina's /win crediting `helpers`: the ts of its post in the recognition channel."""
    response = slack.view_submission(
        "win_modal",
        win_values(helpers=list(helpers)),
        user=giver,
        private_metadata=json.dumps({"channel_id": GENERAL}),
    )
    assert response.status == 200
    slack.settle()
    [post] = standin.delivered(RECOGNITION)
    return post_ts(standin, post.args)


def post_ts(standin, args: dict) -> str:
    """The ts the stand-in gave a post (it keeps each conversation's history)."""
    history = standin.state.history[RECOGNITION]
    return next(m["ts"] for m in reversed(history) if m["text"] == args["text"])


def join(slack, user: str, ts: str, added: bool = True, **kwargs):
    """`user` adds (or removes) the assist emoji on the bot's post at `ts`."""
    response = slack.reaction(
        added, user=user, author=BOT_USER_ID, channel=RECOGNITION, ts=ts, **kwargs
    )
    assert response.status == 200
    slack.settle()


def join_ins(sessions, giver: str | None = None) -> list[Assist]:
    """The assists joining in gave (reactions on the recognition channel)."""
    with sessions() as session:
        query = select(Assist).where(Assist.source == "reaction", Assist.channel_id == RECOGNITION)
        if giver:
            query = query.where(Assist.giver_id == giver)
        return list(session.scalars(query))


def credited(assist: Assist) -> list[str]:
    return sorted(c.recipient_id for c in assist.credits if c.revoked_at is None)


def test_the_win_post_gets_the_assist_emoji_and_is_remembered(slack, standin, sessions):
    ts = celebrate_win(slack, standin)
    [added] = standin.calls("reactions.add")
    assert added.ok and added.args["channel"] == RECOGNITION
    assert (added.args["timestamp"], added.args["name"]) == (ts, "handshake")
    with sessions() as session:
        post = session.scalars(select(RecognitionPost)).one()
        assert (post.team_id, post.channel, post.ts, post.kind) == (TEAM_ID, RECOGNITION, ts, "win")
        assert sorted(post.user_ids.split()) == sorted([ANA, BEN])


def test_joining_in_credits_the_posts_people_once_and_never_the_joiner(slack, standin, sessions):
    ts = celebrate_win(slack, standin)
    before = len(standin.calls("chat.postMessage"))

    join(slack, CARL, ts, event_id="EvCarl")
    join(slack, CARL, ts, event_id="EvCarl", retry_num=1)  # Slack's redelivery
    join(slack, CARL, ts, event_id="EvCarlAgain")  # the same emoji, delivered anew
    join(slack, BEN, ts)  # a helper joins in: thanks Ana, not himself

    [carls] = join_ins(sessions, CARL)
    assert credited(carls) == [ANA, BEN]
    assert (carls.kind, carls.permalink.endswith(ts.replace(".", ""))) == ("assist", True)
    [bens] = join_ins(sessions, BEN)
    assert credited(bens) == [ANA]
    # Nobody was told anything: no DM per joiner, no warning.
    assert len(standin.calls("chat.postMessage")) == before
    assert len(standin.calls("chat.postEphemeral")) == 1  # the win's note to Gina only


def test_removing_the_emoji_revokes_the_join_in_and_adding_it_again_restores_it(
    slack, standin, sessions
):
    ts = celebrate_win(slack, standin)
    join(slack, CARL, ts)
    join(slack, CARL, ts, added=False)
    [carls] = join_ins(sessions, CARL)
    assert carls.revoked_at is not None and credited(carls) == []

    join(slack, CARL, ts)
    [carls] = join_ins(sessions, CARL)
    assert carls.revoked_at is None and credited(carls) == [ANA, BEN]
    with sessions() as session:  # the same two credits, brought back
        assert len(session.scalars(select(Credit).where(Credit.giver_id == CARL)).all()) == 2


def test_the_wins_giver_joining_in_on_their_own_post_credits_nobody_twice(slack, standin, sessions):
    ts = celebrate_win(slack, standin)
    join(slack, GINA, ts)  # Gina logged the win: she has already thanked Ana and Ben
    assert join_ins(sessions, GINA) == []
    with sessions() as session:
        gave = session.scalars(select(Credit).where(Credit.giver_id == GINA)).all()
    assert sorted(c.recipient_id for c in gave) == [ANA, BEN]


def test_the_bots_own_reaction_credits_nobody(slack, standin, sessions):
    ts = celebrate_win(slack, standin)
    join(slack, BOT_USER_ID, ts)
    assert join_ins(sessions) == []
    assert len(standin.calls("chat.postEphemeral")) == 1  # the win's note only


def test_a_reaction_on_another_bot_message_credits_nobody_and_tells_nobody(
    slack, standin, sessions
):
    celebrate_win(slack, standin)
    calls = len(standin.state.calls)
    join(slack, CARL, "1700000000.000999")  # a bot message that is not a recognition post
    slack.reaction(True, user=CARL, author=None, channel=RECOGNITION, ts="1700000000.000998")
    slack.settle()
    assert join_ins(sessions) == []
    assert [c.method for c in standin.state.calls[calls:]] == []


def test_a_failed_reactions_add_does_not_break_the_post(slack, standin, sessions):
    standin.fail("reactions.add", "missing_scope")
    ts = celebrate_win(slack, standin)
    note = standin.calls("chat.postEphemeral")[0].args
    assert f"Celebrated in <#{RECOGNITION}>" in note["text"]
    with sessions() as session:
        assert len(session.scalars(select(Assist).where(Assist.kind == "win")).one().credits) == 2
    # People can still add the emoji themselves and join in.
    join(slack, CARL, ts)
    [carls] = join_ins(sessions, CARL)
    assert credited(carls) == [ANA, BEN]


def test_a_join_in_counts_as_one_give_against_the_daily_limit(
    make_app, standin, listeners, sessions
):
    slack = SlackRequests(make_app(daily_credit_limit=1), standin, SIGNING_SECRET, listeners.settle)
    ts = celebrate_win(slack, standin)  # two people: a /win is not held to the limit

    join(slack, CARL, ts)  # two people credited, one give
    assert credited(join_ins(sessions, CARL)[0]) == [ANA, BEN]
    standin.add_user("UDEE000001", "Dee", "dee@example.com")
    join(slack, "UDEE000001", ts)  # Carl's join-in did not spend Dee's give
    assert credited(join_ins(sessions, "UDEE000001")[0]) == [ANA, BEN]

    join(slack, CARL, ts, added=False)
    join(slack, CARL, ts)  # adding it again is a give again, and Carl's one is spent
    assert credited(join_ins(sessions, CARL)[0]) == []
    warning = standin.calls("chat.postEphemeral")[-1].args
    assert warning["user"] == CARL and warning["channel"] == RECOGNITION
    assert "Joining in counts as one of your 1 credit a day" in warning["text"]


def test_people_who_left_are_not_credited_by_joining_in(slack, standin, sessions):
    ts = celebrate_win(slack, standin)
    with sessions.begin() as session:
        post = session.scalars(select(RecognitionPost)).one()
        post.user_ids += f" {GONE}"
    join(slack, CARL, ts)
    assert credited(join_ins(sessions, CARL)[0]) == [ANA, BEN]


def test_a_won_referral_post_invites_joining_in_for_the_referrer(slack, standin, sessions):
    referral = pass_referral(slack, sessions)
    click(slack, referral.id, "won")
    slack.settle()
    view = standin.calls("views.open")[-1].args["view"]
    slack.view_submission(
        "referral_won",
        {"deal_value": {"type": "number_input", "value": "25000"}},
        user=ANA,
        private_metadata=view["private_metadata"],
    )
    slack.settle()
    [post] = standin.delivered(RECOGNITION)
    ts = post_ts(standin, post.args)
    assert standin.calls("reactions.add")[-1].args["timestamp"] == ts

    join(slack, CARL, ts)
    join(slack, GINA, ts)  # the referrer herself: nobody else to credit
    join(slack, ANA, ts)  # the rep who won it already thanked Gina in the form
    [carls] = join_ins(sessions, CARL)
    assert credited(carls) == [GINA]
    assert join_ins(sessions, GINA) == []
    assert join_ins(sessions, ANA) == []


def test_the_digest_invites_joining_in_for_its_stories_and_first_timers(
    slack, settings: Settings, standin, sessions
):
    now = datetime.now(UTC)
    fay = "UFAY000001"
    standin.add_user(fay, "Fay", "fay@example.com")
    with sessions.begin() as session:
        for giver, people, when, kind, story in (
            (ANA, [BEN], now - timedelta(days=40), Kind.ASSIST, "long ago"),
            (GINA, [BEN], now - timedelta(days=1), Kind.WIN, "the demo that closed it"),
            (BEN, [fay], now - timedelta(days=2), Kind.ASSIST, ""),  # no story: a first-timer
        ):
            draft = AssistDraft(TEAM_ID, giver, people, kind=kind, description=story)
            record_assist(session, draft, {p: PersonInfo(p, p) for p in people}, None, when)
    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="t")
    assert run_digest(job, now).posted
    [post] = standin.delivered(RECOGNITION)
    ts = post_ts(standin, post.args)
    added = standin.calls("reactions.add")[-1].args
    assert (added["channel"], added["timestamp"], added["name"]) == (RECOGNITION, ts, "handshake")
    with sessions() as session:
        remembered = session.scalars(select(RecognitionPost)).one()
        assert (remembered.kind, remembered.user_ids.split()) == ("digest", [BEN, fay])

    join(slack, CARL, ts)
    assert credited(join_ins(sessions, CARL)[0]) == [BEN, fay]


def test_a_digest_whose_emoji_fails_is_still_posted_once(settings, standin, sessions):
    standin.fail("reactions.add", "not_in_channel")
    now = datetime.now(UTC)
    with sessions.begin() as session:
        draft = AssistDraft(TEAM_ID, GINA, [BEN], description="ran the pilot")
        record_assist(session, draft, {BEN: PersonInfo(BEN, "Ben")}, None, now)
    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="t")
    assert run_digest(job, now).posted
    assert not run_digest(job, now + timedelta(minutes=1)).posted  # done: not posted again
    assert len(standin.delivered(RECOGNITION)) == 1


def test_a_quiet_digest_recognises_nobody_and_gets_no_emoji(settings, standin, sessions):
    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="t")
    assert run_digest(job, datetime.now(UTC)).posted
    assert standin.calls("reactions.add") == []
    with sessions() as session:
        assert session.scalars(select(RecognitionPost)).all() == []

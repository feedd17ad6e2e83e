"""Reactions credit a message's author, once, and removing the reaction revokes it."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.slack.directory import Memory
from models.assists import Assist, Credit
from tests.workspace import ANA, BEN, BOT, GINA, SECRET


def active_credits(sessions) -> list[Credit]:
    with sessions() as session:
        return list(session.scalars(select(Credit).where(Credit.revoked_at.is_(None))))


def test_reaction_credits_the_author_with_a_link_to_the_message(slack, standin, sessions):
    assert slack.reaction(True, user=GINA, author=ANA, ts="1700000000.000200").status == 200
    slack.settle()

    [credit] = active_credits(sessions)
    assert (credit.giver_id, credit.recipient_id, credit.kind) == (GINA, ANA, "assist")
    with sessions() as session:
        assist = session.scalars(select(Assist)).one()
        assert assist.source == "reaction"
        assert assist.permalink.endswith("/p1700000000000200")
    [dm] = standin.calls("chat.postMessage")
    assert dm.args["channel"] == ANA
    assert dm.args["text"] == (
        f":handshake: <@{GINA}> reacted to <{assist.permalink}|your message> in <#CGENERAL01> "
        "to credit you for it"
    )
    [thank_back] = [e for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (thank_back["text"]["text"], thank_back["value"]) == ("Thank Gina back", GINA)


def test_a_reaction_in_a_private_channel_is_told_without_the_channel_or_the_text(
    slack, standin, sessions
):
    slack.reaction(True, user=GINA, author=ANA, channel=SECRET, ts="1700000000.000500")
    slack.settle()
    [dm] = standin.delivered(ANA)
    link = f"https://test.slack.com/archives/{SECRET}/p1700000000000500"
    assert dm.args["text"] == (
        f":handshake: <@{GINA}> reacted to <{link}|your message> to credit you for it"
    )
    assert f"<#{SECRET}>" not in json.dumps(dm.args) and "deal-room" not in json.dumps(dm.args)


def test_a_retried_delivery_credits_once_and_notifies_once(slack, standin, sessions):
    slack.reaction(True, user=GINA, author=ANA, event_id="EvSAME")
    slack.settle()
    slack.reaction(True, user=GINA, author=ANA, event_id="EvSAME", retry_num=1)
    slack.reaction(True, user=GINA, author=ANA, event_id="EvSAME", retry_num=2)
    slack.settle()
    assert len(active_credits(sessions)) == 1
    assert standin.count("chat.postMessage") == 1


def test_the_same_reaction_delivered_under_new_event_ids_is_still_one_credit(slack, sessions):
    for event_id in ("Ev1", "Ev2", "Ev3"):
        slack.reaction(True, user=GINA, author=ANA, event_id=event_id)
    slack.settle()
    assert len(active_credits(sessions)) == 1


def test_removing_the_reaction_revokes_and_readding_restores_one_credit(slack, standin, sessions):
    slack.reaction(True, user=GINA, author=ANA, event_id="EvAdd")
    slack.settle()
    slack.reaction(False, user=GINA, author=ANA, event_id="EvRemove")
    slack.settle()
    assert active_credits(sessions) == []

    # A late retry of the first "added" must not bring the credit back.
    slack.reaction(True, user=GINA, author=ANA, event_id="EvAdd", retry_num=1)
    slack.settle()
    assert active_credits(sessions) == []

    slack.reaction(True, user=GINA, author=ANA, event_id="EvAddAgain")
    slack.settle()
    assert [c.recipient_id for c in active_credits(sessions)] == [ANA]
    assert len(standin.delivered(ANA)) == 1  # the author is not pinged again
    with sessions() as session:
        assert session.scalar(select(Assist).where(Assist.revoked_at.is_(None))) is not None
        assert len(session.scalars(select(Credit)).all()) == 1


def test_reacting_to_your_own_message_is_refused_with_a_private_note(slack, standin, sessions):
    slack.reaction(True, user=GINA, author=GINA)
    slack.settle()
    assert active_credits(sessions) == []
    [note] = standin.calls("chat.postEphemeral")
    assert note.args["user"] == GINA
    assert "can't credit yourself" in note.args["text"]


def test_reacting_to_a_bot_message_credits_nobody(slack, standin, sessions):
    slack.reaction(True, user=GINA, author=BOT)
    slack.settle()
    assert active_credits(sessions) == []
    [note] = standin.calls("chat.postEphemeral")
    assert "is a bot" in note.args["text"]


def test_other_emoji_are_ignored(slack, standin, sessions):
    slack.reaction(True, user=GINA, author=ANA, emoji="thumbsup")
    slack.settle()
    assert active_credits(sessions) == []
    assert standin.calls("chat.postMessage") == []


def test_skin_tones_count_as_the_assist_emoji(slack, sessions):
    slack.reaction(True, user=GINA, author=ANA, emoji="handshake::skin-tone-4")
    slack.settle()
    assert len(active_credits(sessions)) == 1


def test_configured_emoji_map_to_their_kind(make_app, standin, listeners, sessions):
    from bot.settings import load_settings
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests

    kinds = load_settings(
        environ={"REACTION_KINDS": "bulb=insight,handshake=assist"}
    ).reaction_kinds
    slack = SlackRequests(make_app(reaction_kinds=kinds), standin, SIGNING_SECRET, listeners.settle)
    slack.reaction(True, user=GINA, author=ANA, emoji="bulb", ts="1.1")
    slack.reaction(True, user=GINA, author=BEN, emoji="handshake", ts="1.2")
    slack.settle()
    assert sorted((c.recipient_id, c.kind) for c in active_credits(sessions)) == [
        (ANA, "insight"),
        (BEN, "assist"),
    ]


def test_a_reaction_in_a_private_channel_is_marked_private(slack, sessions):
    slack.reaction(True, user=GINA, author=ANA, channel=SECRET)
    slack.settle()
    with sessions() as session:
        assert session.scalars(select(Assist)).one().is_private is True


def test_help_and_the_welcome_name_the_configured_emoji(make_app, standin, listeners):
    from bot.settings import load_settings
    from tests.conftest import SIGNING_SECRET
    from tests.slack_requests import SlackRequests
    from tests.test_culture_programs import user_object

    kinds = load_settings(environ={"REACTION_KINDS": "bulb=insight,raised_hands=assist"})
    slack = SlackRequests(
        make_app(reaction_kinds=kinds.reaction_kinds), standin, SIGNING_SECRET, listeners.settle
    )
    slack.command("/sells", "help")
    slack.event({"type": "team_join", "user": user_object("UNEW000001", "Nia")})
    slack.settle()

    help_text = json.dumps(standin.calls("respond")[-1].args["blocks"])
    welcome_text = json.dumps(standin.delivered("UNEW000001")[0].args["blocks"])
    for text in (help_text, welcome_text):
        assert ":raised_hands:" in text and ":handshake:" not in text


def test_people_reacting_to_one_message_cost_one_permalink_lookup(slack, standin, sessions):
    for giver in (GINA, BEN):
        slack.reaction(True, user=giver, author=ANA, ts="1700000000.000300")
    slack.reaction(True, user=GINA, author=BEN, ts="1700000000.000400")
    slack.settle()

    with sessions() as session:
        links = {a.giver_id + a.message_ts: a.permalink for a in session.scalars(select(Assist))}
    assert len(links) == 3
    assert links[GINA + "1700000000.000300"] == links[BEN + "1700000000.000300"]
    assert links[GINA + "1700000000.000300"].endswith("/p1700000000000300")
    assert links[GINA + "1700000000.000400"].endswith("/p1700000000000400")
    assert standin.count("chat.getPermalink") == 2  # one per message, not per reaction


def test_what_the_directory_remembers_stays_bounded_and_fresh():
    # At 10,000 people a process keeps the most recent 20,000 names for 5 minutes, never more.
    clock = [1_000.0]
    memory: Memory[str, str] = Memory(size=2, max_age=300, clock=lambda: clock[0])
    memory.put("ana", "Ana")
    memory.put("ben", "Ben")
    assert memory.get("ana") == "Ana"  # now the most recently used
    memory.put("gina", "Gina")
    assert (memory.get("ben"), memory.get("ana"), memory.get("gina")) == (None, "Ana", "Gina")
    clock[0] += 301
    assert memory.get("ana") is None  # a name changed in Slack is asked for again

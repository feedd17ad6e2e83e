"""Overload: once the listener pool holds all the acked work it may, events wait in the
durable inbox instead of memory, and a person waiting on an answer is told the bot is
busy (or, for `/assist @x …`, that it is queued) at once. Nothing acked is lost, even when
the process dies with a full backlog, and nothing is recorded twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.blocks.referrals import MOVE_ACTION
from bot.inbox import EventInbox
from bot.listener_pool import ListenerPool
from models.assists import Assist, Credit, Source
from models.base import utcnow
from models.inbox import DONE, PENDING, InboxEvent, take_due
from tests.conftest import SIGNING_SECRET, TEST_INBOX, eventually
from tests.slack_requests import SlackRequests
from tests.workspace import ANA, BEN, GINA

BACKLOG = 3  # the pool's in-memory bound in these tests
REACTIONS = 24


class Jammed:
    """A listener pool whose threads are all busy until `release()`: what a flood of
    slow work does to the real one. ACK-lane threads stay free, as in the real pool."""

    def __init__(self, pool: ListenerPool) -> None:
        self.pool, self.gate = pool, threading.Event()
        # Two answers run (the answer lane's limit of a 4-thread pool), BACKLOG more wait.
        for _ in range(2):
            pool.defer(self.gate.wait)
        assert eventually(lambda: pool.backlog == 0, timeout=5)  # both started
        for _ in range(BACKLOG):
            pool.defer(self.gate.wait)
        assert pool.overloaded

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def jammed_pool() -> Iterator[ListenerPool]:
    pool = ListenerPool(workers=4, backlog_limit=BACKLOG, thread_name_prefix="jammed")
    yield pool
    pool.shutdown(wait=False, cancel_futures=True)


def build(settings, sessions, pool: ListenerPool, inbox: EventInbox):
    return create_app(
        replace(settings, daily_credit_limit=100), sessions, listener_executor=pool, inbox=inbox
    )


def reaction_credits(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        return sorted(
            session.execute(
                select(Assist.message_ts, Credit.recipient_id)
                .join(Credit, Credit.assist_id == Assist.id)
                .where(Assist.source == Source.REACTION.value, Credit.revoked_at.is_(None))
            ).all()
        )


def inbox_statuses(sessions) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
        ).all()
    return dict(rows)


def test_a_backlog_past_the_memory_bound_loses_nothing_when_the_process_dies(
    settings, sessions, standin, jammed_pool
):
    # The first process: its retrier never runs (it is about to die), and what it holds
    # in memory is due again a second after it took it.
    dying = EventInbox(sessions, "worker-a", replace(TEST_INBOX, hold=timedelta(seconds=1)))
    app = build(settings, sessions, jammed_pool, dying)
    slack = SlackRequests(app, standin, SIGNING_SECRET)
    Jammed(jammed_pool)
    answers = [
        slack.reaction(
            True,
            user=GINA,
            author=ANA if n % 2 else BEN,
            ts=f"1700000100.{n:06d}",
            event_id=f"EvFlood{n}",
        )
        for n in range(REACTIONS)
    ]
    assert {a.status for a in answers} == {200}  # every one acked: Slack won't resend
    assert jammed_pool.backlog <= BACKLOG + 2  # memory stays bounded
    assert reaction_credits(sessions) == []  # nothing worked yet
    assert inbox_statuses(sessions) == {PENDING: REACTIONS}

    jammed_pool.shutdown(wait=False, cancel_futures=True)  # the process dies here

    restarted = EventInbox(sessions, "worker-b", TEST_INBOX)
    pool = ListenerPool(workers=4, thread_name_prefix="restarted")
    try:
        build(settings, sessions, pool, restarted)
        restarted.start()
        assert eventually(lambda: len(reaction_credits(sessions)) == REACTIONS, timeout=20)
        assert eventually(lambda: inbox_statuses(sessions) == {DONE: REACTIONS}, timeout=10)
    finally:
        restarted.stop(flush_seconds=1)
        pool.shutdown(wait=True)
    credited = reaction_credits(sessions)
    assert len(set(credited)) == REACTIONS  # one credit per reaction: none lost, none doubled
    assert sum(1 for _, who in credited if who == ANA) == REACTIONS // 2


def test_events_past_the_bound_are_worked_from_the_inbox_once_the_pool_has_room(
    settings, sessions, standin, jammed_pool, inbox
):
    app = build(settings, sessions, jammed_pool, inbox)
    slack = SlackRequests(app, standin, SIGNING_SECRET)
    jam = Jammed(jammed_pool)

    def react(n: int, retry_num: int | None = None):
        return slack.reaction(
            True,
            user=GINA,
            author=ANA,
            ts=f"1700000200.{n:06d}",
            event_id=f"EvRoom{n}",
            retry_num=retry_num,
        )

    assert {react(n).status for n in range(10)} == {200}
    with sessions() as session:  # stored for the retrier, not held by anyone
        waiting = session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.held_by == "")
        )
    assert waiting == 10
    assert react(9, retry_num=1).status == 200  # Slack's redelivery, while it waits
    jam.release()
    assert eventually(lambda: len(reaction_credits(sessions)) == 10, timeout=20)
    assert eventually(lambda: inbox_statuses(sessions) == {DONE: 10}, timeout=10)
    assert jammed_pool.wait_idle(10)
    assert len(reaction_credits(sessions)) == 10


def test_a_quick_assist_while_swamped_is_queued_at_once_then_recorded_and_confirmed_once(
    settings, sessions, standin, jammed_pool, inbox
):
    app = build(settings, sessions, jammed_pool, inbox)
    slack = SlackRequests(app, standin, SIGNING_SECRET)
    jam = Jammed(jammed_pool)
    response = slack.command("/assist", f"<@{ANA}> untangled the renewal quote")
    assert response.status == 200
    ack = response.body if isinstance(response.body, str) else str(response.body)
    assert "queued" in ack and f"<@{ANA}>" in ack and "No need to send it again" in ack
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 0

    jam.release()
    answer = standin.wait_for("respond", timeout=20)[0].args
    assert "You credited" in answer["text"] and answer["response_type"] == "ephemeral"
    with sessions() as session:
        [assist] = session.scalars(select(Assist)).all()
    assert (assist.giver_id, [c.recipient_id for c in assist.credits]) == (GINA, [ANA])
    assert assist.description == "untangled the renewal quote"
    # Told "no need", the person sends it again anyway: still one assist.
    slack.command("/assist", f"<@{ANA}> untangled the renewal quote")
    assert jammed_pool.wait_idle(10)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 1


def test_answers_the_bot_cannot_give_in_time_say_busy_and_change_nothing(
    settings, sessions, standin, jammed_pool, inbox
):
    app = build(settings, sessions, jammed_pool, inbox)
    slack = SlackRequests(app, standin, SIGNING_SECRET)
    jam = Jammed(jammed_pool)
    response = slack.command("/sells", "stats")
    assert response.status == 200
    busy = response.body if isinstance(response.body, dict) else json.loads(response.body)
    assert "swamped" in busy["text"] and "try again in a minute" in busy["text"]
    assert busy["response_type"] == "ephemeral"  # only the person sees it, with the ack
    # A button's answer can't ride on its ack: it comes at once through response_url.
    assert slack.block_action(f"{MOVE_ACTION}_contacted", "999999:contacted").status == 200
    [moved] = standin.wait_for("respond")
    assert "swamped" in moved.args["text"] and moved.args["response_type"] == "ephemeral"
    jam.release()
    assert jammed_pool.wait_idle(10)
    assert len(standin.calls("respond")) == 1  # the stats never followed, minutes late


def test_a_reaction_removed_waits_for_the_reaction_added_it_undoes(
    settings, sessions, standin, jammed_pool
):
    # Both wait in the inbox (the pool is full); then the removal happens to be taken first,
    # as two threads or two processes may. It must not run before the reaction it undoes.
    inbox = EventInbox(sessions, "worker-a", TEST_INBOX)  # its retrier is driven by hand
    slack = SlackRequests(build(settings, sessions, jammed_pool, inbox), standin, SIGNING_SECRET)
    jam = Jammed(jammed_pool)
    for added in (True, False):
        reaction = slack.reaction(added, user=GINA, author=ANA, ts="1700000300.000001")
        assert reaction.status == 200
    jam.release()
    assert jammed_pool.wait_idle(10)
    with sessions.begin() as session:
        add, remove = take_due(session, utcnow(), held_by="worker-a", hold=timedelta(1), limit=9)
    assert (add.event_type, remove.event_type) == ("reaction_added", "reaction_removed")

    assert inbox.run(remove) is False  # put back: the reaction it removes is not in yet
    assert inbox.run(add) is True
    assert reaction_credits(sessions) == [("1700000300.000001", ANA)]

    def worked_once_due() -> bool:
        inbox.retry_due()
        return inbox_statuses(sessions) == {DONE: 2}

    assert eventually(worked_once_due)
    assert reaction_credits(sessions) == []  # taken off, as it was in Slack

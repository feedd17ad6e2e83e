"""An acked event is never lost and never counted twice: through a failing Slack, a database
that refuses connections, redeliveries and restarts. The person hears only of a final failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.inbox import EventInbox, InboxSettings
from models.assists import Assist, Credit
from models.inbox import DONE, FAILED, InboxEvent, InboxItem, accept
from tests.conftest import eventually
from tests.workspace import ANA, BEN, GENERAL, GINA


class DatabaseOutage:
    """Every statement on `engine` fails as a refused connection would, while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = threading.Event()
        event.listen(engine, "before_cursor_execute", self._refuse)

    def _refuse(self, *_args: object) -> None:
        if self.down.is_set():
            raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


@pytest.fixture
def outage(engine: Engine) -> Iterator[DatabaseOutage]:
    cut = DatabaseOutage(engine)
    yield cut
    cut.down.clear()
    cut.close()


def credits_to(sessions, user: str) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(Credit).where(Credit.recipient_id == user)
        )


def dms_to(standin, user: str) -> list[str]:
    return [c.args["text"] for c in standin.delivered(user)]


def inbox_rows(sessions) -> list[tuple[str, int]]:
    with sessions() as session:
        return [
            (row.status, row.attempts)
            for row in session.scalars(select(InboxEvent).order_by(InboxEvent.id))
        ]


def test_a_reaction_is_recorded_once_slack_stops_failing(slack, standin, sessions):
    standin.fail_http("users.info", 500, times=3)
    response = slack.reaction(True, user=GINA, author=ANA, event_id="EvSLACKDOWN1")

    assert response.status == 200
    assert eventually(lambda: credits_to(sessions, ANA) == 1, timeout=10)
    standin.quiet()
    assert len(dms_to(standin, ANA)) == 1
    assert dms_to(standin, GINA) == [] and standin.calls("chat.postEphemeral") == []
    assert inbox_rows(sessions) == [(DONE, 4)]
    # Slack's own redelivery of the same event changes nothing.
    assert slack.reaction(True, user=GINA, author=ANA, event_id="EvSLACKDOWN1").status == 200
    slack.settle()
    assert credits_to(sessions, ANA) == 1 and len(dms_to(standin, ANA)) == 1


def test_reactions_acked_while_the_database_is_down_are_recorded_when_it_returns(
    slack, standin, sessions, outage
):
    outage.down.set()
    answers = [
        slack.reaction(
            True, user=GINA, author=author, ts=f"1700000001.00000{n}", event_id=f"EvDB{n}"
        )
        for n, author in enumerate((ANA, BEN, ANA))
    ]
    slack.settle()
    assert [a.status for a in answers] == [200, 200, 200]  # acked: Slack will not resend
    assert standin.delivered() == []
    outage.down.clear()

    assert eventually(lambda: credits_to(sessions, ANA) == 2 and credits_to(sessions, BEN) == 1)
    standin.quiet()
    assert len(dms_to(standin, ANA)) == 2 and len(dms_to(standin, BEN)) == 1
    assert [status for status, _ in inbox_rows(sessions)] == [DONE, DONE, DONE]
    slack.reaction(True, user=GINA, author=BEN, ts="1700000001.000001", event_id="EvDB1")
    slack.settle()
    assert credits_to(sessions, BEN) == 1


@pytest.fixture
def inbox_settings() -> InboxSettings:
    # A short hold: the retrier takes over what a failed write left held.
    return InboxSettings(
        hold=timedelta(seconds=1),
        retry_seconds=0.05,
        poll_seconds=0.1,
        give_up_after=timedelta(hours=1),
    )


def test_a_database_outage_in_the_middle_of_the_work_is_waited_out(
    slack, standin, sessions, outage
):
    slow_slack = standin.hold("chat.getPermalink")
    assert slack.reaction(True, user=GINA, author=ANA, event_id="EvMIDWAY").status == 200
    standin.wait_for_held("chat.getPermalink", 1)
    outage.down.set()  # stored already; now the credit's own transaction will fail
    slow_slack.set()
    standin.wait_for("chat.getPermalink")
    threading.Event().wait(1.5)  # past the hold: the retrier tries again, and fails again
    assert dms_to(standin, ANA) == []  # nothing was recorded, so nobody was told
    outage.down.clear()

    assert eventually(lambda: credits_to(sessions, ANA) == 1, timeout=10)
    standin.quiet()
    assert len(dms_to(standin, ANA)) == 1
    assert inbox_rows(sessions)[0][0] == DONE


def test_a_reaction_that_keeps_failing_is_given_up_and_the_giver_told(slack, standin, sessions):
    # Not a passing fault: Slack refuses the scope. Three attempts, then the giver hears.
    standin.fail("users.info", "missing_scope")
    slack.reaction(True, user=GINA, author=ANA, event_id="EvREFUSED")
    assert eventually(lambda: inbox_rows(sessions) == [(FAILED, 3)], timeout=10)
    note = standin.wait_for("chat.postEphemeral")[0].args
    assert note["user"] == GINA and note["channel"] == GENERAL
    assert "I couldn't record your :handshake:" in note["text"]
    assert "add it again" in note["text"]
    assert credits_to(sessions, ANA) == 0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_faults_are_waited_out_past_five_minutes_and_given_up_only_after_a_day(sessions):
    clock = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    inbox = EventInbox(
        sessions,
        "worker",
        InboxSettings(
            hold=timedelta(minutes=5), retry_seconds=2, give_up_after=timedelta(hours=24)
        ),
        clock=clock,
    )
    failures, given_up = [0], []

    def flaky(item: InboxItem) -> None:
        failures[0] += 1
        raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))

    inbox.register("reaction_added", flaky, gave_up=lambda item, why: given_up.append(why))
    body = {"event_id": "EvLONG", "event": {"type": "reaction_added"}}
    with sessions.begin() as session:
        stored = accept(
            session,
            InboxItem(None, "T1", "EvLONG", "reaction_added", body, clock.now),
            held_by="worker",
            hold=timedelta(minutes=5),
        )
    inbox.run(stored)
    # Ten minutes of a refusing database: every due retry fails, none gives up.
    end = clock.now + timedelta(minutes=10)
    while clock.now < end:
        clock.now += timedelta(seconds=30)
        inbox.retry_due()
    assert given_up == [] and failures[0] >= 10
    with sessions() as session:
        row = session.scalars(select(InboxEvent)).one()
        assert row.status == "pending" and row.due_at <= clock.now + timedelta(seconds=60)
    # A day later it is given up, once, and whoever registered is told why.
    clock.now += timedelta(hours=24)
    inbox.retry_due()
    inbox.retry_due()
    assert given_up == ["the database failed: connection refused"]
    with sessions() as session:
        assert session.scalars(select(InboxEvent.status)).one() == FAILED


def test_a_retried_assist_command_credits_once_and_says_so(slack, standin, sessions):
    standin.fail("users.info", "service_unavailable")
    slack.command("/assist", f"<@{ANA}> fixed the invoice")
    first = standin.wait_for("respond")[0].args["text"]
    assert "nothing was saved" in first and "try again in a minute" in first
    standin.state.errors.clear()

    for _ in range(2):  # the person tries again; then once more, to be sure
        slack.command("/assist", f"<@{ANA}> fixed the invoice")
        slack.settle()
    answers = [c.args for c in standin.calls("respond")][1:]
    assert all("You credited" in a["text"] for a in answers)
    assert "recorded once" in str(answers[1]["blocks"]) and "recorded once" not in str(
        answers[0]["blocks"]
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 1
    standin.quiet()
    assert len(dms_to(standin, ANA)) == 1


def an_assist() -> Assist:
    return Assist(team_id="T1", giver_id=GINA, kind="other", source="reaction", description="x")


def _stored_item(sessions, event_id: str) -> InboxItem:
    body = {"event_id": event_id, "event": {"type": "reaction_added"}}
    with sessions.begin() as session:
        return accept(
            session,
            InboxItem(None, "T1", event_id, "reaction_added", body, datetime.now(UTC)),
            held_by="worker",
            hold=timedelta(minutes=5),
        )


def _inbox_status(sessions) -> str:
    with sessions() as session:
        return session.scalars(select(InboxEvent.status)).one()


def test_work_marked_done_with_its_record_is_not_redone_when_a_later_step_fails(sessions):
    # The credit and the item's "done" commit together; a failure after that (a DM, a
    # Home) must not retry the work, nor tell the giver their credit was lost.
    inbox = EventInbox(sessions, "worker", InboxSettings(retry_seconds=0))
    runs, given_up = [0], []

    def record_then_fail(item: InboxItem) -> None:
        runs[0] += 1
        with sessions.begin() as session:
            session.add(an_assist())
            inbox.finish_in(session, item)
        raise RuntimeError("the DM could not be sent")

    inbox.register("reaction_added", record_then_fail, gave_up=lambda i, why: given_up.append(why))
    assert inbox.run(_stored_item(sessions, "EvLATER")) is True
    for _ in range(4):
        inbox.retry_due()
    assert runs == [1] and given_up == [] and _inbox_status(sessions) == DONE
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assist)) == 1


def test_work_whose_transaction_rolls_back_stays_pending_though_it_marked_itself_done(sessions):
    inbox = EventInbox(sessions, "worker", InboxSettings(retry_seconds=0))
    runs = [0]

    def fail_inside(item: InboxItem) -> None:
        runs[0] += 1
        with sessions.begin() as session:
            inbox.finish_in(session, item)
            if runs[0] == 1:
                raise OperationalError("INSERT", {}, ConnectionRefusedError("refused"))
            session.add(an_assist())

    inbox.register("reaction_added", fail_inside)
    assert inbox.run(_stored_item(sessions, "EvROLLBACK")) is False
    assert _inbox_status(sessions) == "pending"
    assert eventually(lambda: (inbox.retry_due(), runs[0] == 2)[1], timeout=5)
    assert _inbox_status(sessions) == DONE


def test_an_event_that_fails_to_be_stored_in_an_unknown_way_is_refused_so_slack_resends_it(
    slack, standin, sessions, engine
):
    # A driver failing oddly as its server goes away (psycopg's "can't change 'autocommit'
    # now" from a pool ping): not a known outage, yet acking would lose the event. Once is
    # tried again at once (the next connection shows the outage); twice is refused.
    failed: list[str] = []

    def fail_twice(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO inbox_events") and len(failed) < 2:
            failed.append(statement)
            raise ProgrammingError(statement, {}, Exception("can't change 'autocommit' now"))

    event.listen(engine, "before_cursor_execute", fail_twice)
    try:
        first = slack.reaction(True, user=GINA, author=ANA, event_id="EvODDFAULT")
        assert first.status == 503 and failed  # Slack sends it again
        assert credits_to(sessions, ANA) == 0
        again = slack.reaction(True, user=GINA, author=ANA, event_id="EvODDFAULT")
        assert again.status == 200
        assert eventually(lambda: credits_to(sessions, ANA) == 1)
    finally:
        event.remove(engine, "before_cursor_execute", fail_twice)
    slack.settle()
    assert len(dms_to(standin, ANA)) == 1


def test_an_odd_failure_storing_an_event_is_tried_again_at_once_and_acked(
    slack, standin, sessions, engine
):
    failed: list[str] = []

    def fail_once(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO inbox_events") and not failed:
            failed.append(statement)
            raise ProgrammingError(statement, {}, Exception("can't change 'autocommit' now"))

    event.listen(engine, "before_cursor_execute", fail_once)
    try:
        assert slack.reaction(True, user=GINA, author=ANA, event_id="EvODDONCE").status == 200
    finally:
        event.remove(engine, "before_cursor_execute", fail_once)
    assert failed and eventually(lambda: credits_to(sessions, ANA) == 1)
    slack.settle()
    assert len(dms_to(standin, ANA)) == 1

"""`everybody-sells demo`: a sample company with no Slack, and what the bot would show for it."""

from __future__ import annotations

import re
import socket
import sys
from collections import Counter
from datetime import UTC

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import aliased

from bot.cli import main
from bot.commands.sample_company import DEMO_TEAM_ID
from models.assists import Assist, AssistDraft, Credit, GivingLimit, record_assist
from models.base import utcnow
from models.database import make_engine, make_session_factory, upgrade
from models.people import Person, PersonInfo
from models.stats import period_window

SIZE = ["--people", "30", "--weeks", "3"]


@pytest.fixture(autouse=True)
def no_slack(monkeypatch, tmp_path):
    """No Slack settings, no network, a clean working directory."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("DATABASE_URL", "TIMEZONE", "DAILY_CREDIT_LIMIT"):
        monkeypatch.delenv(name, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("the demo tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def demo(capsys, *args: str) -> str:
    assert main(["demo", *args]) == 0
    return capsys.readouterr().out


def part(output: str, command: str) -> str:
    """The answer printed under `$ command` (parts of the output are three newlines apart)."""
    return next(p for p in output.split("\n\n\n") if p.startswith(f"$ {command}"))


def flat(text: str) -> str:
    return " ".join(text.split())


def numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in text]


def sessions_for(url: str):
    engine = make_engine(url)
    return engine, make_session_factory(engine)


def test_intro_counts_are_the_databases(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, *SIZE)
    intro = re.search(
        r"A sample company of ([\d,]+) people in (\d+) departments, (\d+) weeks of assists: "
        r"([\d,]+) credits from ([\d,]+) assists",
        flat(output),
    )
    assert intro, output
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        people = session.scalar(select(func.count(Person.id)))
        departments = session.scalar(select(func.count(func.distinct(Person.department))))
        credits = session.scalar(select(func.count(Credit.id)).where(Credit.revoked_at.is_(None)))
        assists = session.scalar(select(func.count(Assist.id)))
    engine.dispose()
    assert numbers(intro.groups()) == [people, departments, 3, credits, assists]
    assert (people, departments) == (30, 7)
    assert credits > 30
    assert all(len(line) <= 80 for line in output.splitlines())


def test_leaderboard_lists_generated_people_by_how_many_people_credited_them(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, *SIZE)
    board = part(output, "/sells leaderboard month")
    found = re.findall(
        r"^\s+(?::\w+: |\d+\. )@(.+?): credited by (\d+) (?:person|people) \((\d+) credits?\)",
        board,
        re.MULTILINE,
    )
    assert len(found) >= 3, board
    breadth = [(int(people), int(count)) for _, people, count in found]
    assert breadth == sorted(breadth, reverse=True)  # by people, then by credits
    rows = [(name, count) for name, _, count in found]

    month = period_window("month", utcnow(), UTC)
    recipient = aliased(Person)
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        tally = {
            name: (givers, count)
            for name, givers, count in session.execute(
                select(
                    recipient.name,
                    func.count(func.distinct(Credit.giver_id)),
                    func.count(Credit.id),
                )
                .join(recipient, recipient.user_id == Credit.recipient_id)
                .where(
                    Credit.revoked_at.is_(None),
                    Credit.kind != "lesson",
                    Credit.created_at >= month.start,
                )
                .group_by(recipient.name)
            )
        }
    engine.dispose()
    assert {name: int(count) for name, count in rows} == {name: tally[name][1] for name, _ in rows}
    assert breadth[0] == max(tally.values())

    support = part(output, "/sells leaderboard quarter Support")
    assert "Leaderboard, Q" in support and "in Support" in support
    assert re.search(r"@\w+ \w+: credited by \d+ (?:person|people)", support)


def test_stats_show_what_the_sample_person_gave_and_received(capsys, database_url):
    output = demo(capsys, "--database-url", database_url, *SIZE)
    stats = part(output, "/sells stats")
    who = re.match(r"\$ /sells stats\s+\(as (.+), (.+)\)", stats)
    assert who, stats
    name, department = who.groups()
    assert department != "Sales"
    shown = re.search(r"Received\s+Given\s+(\d+) credits?\s+(\d+) credits?", stats)
    assert shown, stats

    month = period_window("month", utcnow(), UTC)
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        person = session.scalars(select(Person).where(Person.name == name)).one()
        assert person.department == department

        def count(column) -> int:
            return session.scalar(
                select(func.count(Credit.id)).where(
                    column == person.user_id,
                    Credit.revoked_at.is_(None),
                    Credit.created_at >= month.start,
                )
            )

        assert numbers(shown.groups()) == [count(Credit.recipient_id), count(Credit.giver_id)]
    engine.dispose()


def test_generated_data_follows_the_rules(capsys, database_url, monkeypatch):
    monkeypatch.setenv("DAILY_CREDIT_LIMIT", "2")
    demo(capsys, "--database-url", database_url, *SIZE)
    engine, sessions = sessions_for(database_url)
    with sessions() as session:
        credits = session.execute(
            select(Credit.giver_id, Credit.recipient_id, Credit.created_at, Credit.assist_id)
        ).all()
        assists = session.scalars(select(Assist)).all()
        people = session.scalars(select(Person)).all()
    engine.dispose()
    assert credits and all(giver != recipient for giver, recipient, _, _ in credits)
    # A deal confirmed from the CRM and a referral it won are not held to the limit.
    limited = {
        a.id
        for a in assists
        if a.source != "webhook" and not (a.dedupe_key or "").startswith("referral:")
    }
    per_day = Counter(
        (giver, at.astimezone(UTC).date()) for giver, _, at, assist in credits if assist in limited
    )
    assert max(per_day.values()) <= 2
    now = utcnow()
    assert all(a.created_at.tzinfo is not None and a.created_at <= now for a in assists)
    assert {a.kind for a in assists} >= {"assist", "service", "insight", "win"}
    assert {a.source for a in assists} >= {"command", "modal", "reaction"}
    assert any(a.is_private for a in assists)
    assert {p.team_id for p in people} == {DEMO_TEAM_ID}
    managers = {p.user_id: p for p in people if p.manager_id is None}
    assert {p.department for p in managers.values()} == {p.department for p in people}
    assert all(p.email and "@" in p.email for p in people)


def test_running_again_gives_the_same_fresh_company(capsys, database_url):
    def snapshot() -> tuple[int, Counter]:
        engine, sessions = sessions_for(database_url)
        giver, recipient = aliased(Person), aliased(Person)
        with sessions() as session:
            people = session.scalar(select(func.count(Person.id)))
            credits = session.execute(
                select(giver.name, recipient.name, Credit.kind)
                .join(giver, giver.user_id == Credit.giver_id)
                .join(recipient, recipient.user_id == Credit.recipient_id)
            ).all()
        engine.dispose()
        return people, Counter(credits)

    first_output = demo(capsys, "--database-url", database_url, *SIZE)
    first = snapshot()
    second_output = demo(capsys, "--database-url", database_url, *SIZE)
    assert snapshot() == first
    assert first[0] == 30
    intro = re.compile(r"A sample company of .*? assists")
    assert intro.search(flat(first_output)).group(0) == intro.search(flat(second_output)).group(0)

    demo(capsys, "--database-url", database_url, *SIZE, "--seed", "2")
    assert snapshot()[1] != first[1]


def test_the_bot_keeps_recording_in_a_demo_database(capsys, database_url):
    demo(capsys, "--database-url", database_url, *SIZE)
    engine, sessions = sessions_for(database_url)
    with sessions.begin() as session:
        giver, helper = session.scalars(select(Person.user_id).limit(2)).all()
        highest = session.scalar(select(func.max(Assist.id)))
        outcome = record_assist(
            session,
            AssistDraft(
                team_id=DEMO_TEAM_ID, giver_id=giver, recipient_ids=[helper], description="x"
            ),
            {helper: PersonInfo(helper)},
            GivingLimit(per_day=1000),
        )
        assert outcome.recorded
    assert outcome.assist.id > highest
    engine.dispose()


def test_refuses_a_database_with_another_workspace(capsys, database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(Person), [{"team_id": "TREAL00001", "user_id": "U1", "name": "Real Person"}]
        )
    assert main(["demo", "--database-url", database_url, *SIZE]) == 1
    assert "another workspace" in capsys.readouterr().err
    with make_session_factory(engine)() as session:
        assert session.scalars(select(Person.name)).all() == ["Real Person"]
    engine.dispose()


def test_default_is_a_fresh_file_here_and_leaves_the_bots_database_alone(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    (tmp_path / "everybody_sells_demo.db").write_bytes(b"not a database, from an old run")
    output = demo(capsys, "--people", "14", "--weeks", "1")
    assert "A sample company of 14 people in 7 departments, 1 weeks" in flat(output)
    assert "everybody_sells_demo.db" in output
    assert not (tmp_path / "bot.db").exists()
    engine, sessions = sessions_for(f"sqlite:///{tmp_path / 'everybody_sells_demo.db'}")
    with sessions() as session:
        assert session.scalar(select(func.count(Person.id))) == 14
    engine.dispose()


def test_the_closing_hint_names_the_command_as_it_was_started(capsys, tmp_path, monkeypatch):
    """./scripts/run starts .venv/bin/everybody-sells, which is not on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "argv", [".venv/bin/everybody-sells", "demo"])
    output = demo(capsys, "--people", "14", "--weeks", "1")
    assert output.endswith("\n  .venv/bin/everybody-sells export --format csv | head\n")


def test_the_closing_hint_uses_the_bare_name_when_it_is_on_path(capsys, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "everybody-sells"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(sys, "argv", [str(script), "demo"])
    output = demo(capsys, "--people", "14", "--weeks", "1")
    assert output.endswith("\n  everybody-sells export --format csv | head\n")


def test_shows_the_weekly_digest_and_a_managers_nudge_as_they_would_be_posted(capsys, database_url):
    from datetime import timedelta

    from models.digest import build_digest

    output = demo(capsys, "--database-url", database_url, *SIZE)
    digest = next(p for p in output.split("\n\n\n") if p.startswith("In the recognition channel"))
    nudge = next(p for p in output.split("\n\n\n") if p.startswith("In a DM to @"))

    engine, sessions = sessions_for(database_url)
    now = utcnow()
    with sessions() as session:
        week = build_digest(session, DEMO_TEAM_ID, now - timedelta(days=7), now)
    engine.dispose()
    headline = re.search(
        r"([\d,]+) assists? logged, ([\d,]+) credits? to ([\d,]+) (?:people|person)", flat(digest)
    )
    assert headline and numbers(headline.groups()) == [
        week.assists,
        week.credits,
        week.people_credited,
    ]
    assert "Most thanked" in digest and "<@" not in digest  # mentions read as names
    assert "Your team, week" in nudge and "[Say thanks]" in nudge

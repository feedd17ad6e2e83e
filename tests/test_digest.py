"""The weekly digest: what it says, and that it is posted exactly once per period."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.slack.client import build_client
from jobs.recognition import Recognition, run_digest, sweep
from models.assists import Assist, AssistDraft, Kind, Stage, record_assist, update_details
from models.database import make_engine, make_session_factory
from models.deliveries import Delivery, claim
from models.digest import build_digest
from models.people import PersonInfo, find_person, save_person
from models.stats import Window, personal_stats
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA, RECOGNITION

# A Wednesday; the digest schedule (Monday 09:00 UTC) last fired two days before.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def job(settings: Settings, sessions) -> Recognition:
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")


def org(sessions) -> None:
    with sessions.begin() as session:
        for user, name, department in (
            (GINA, "Gina", "Support"),
            (ANA, "Ana", "Sales"),
            (BEN, "Ben", "Engineering"),
            ("UFIN000001", "Fay", "Finance"),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            find_person(session, TEAM_ID, user).department = department


def give(sessions, giver, recipients, when, **fields) -> None:
    with sessions.begin() as session:
        record_assist(
            session,
            AssistDraft(TEAM_ID, giver, recipients, **fields),
            {r: PersonInfo(r, r) for r in recipients},
            limit=None,
            now=when,
        )


def posts(standin) -> list[dict]:
    return [c.args for c in standin.delivered(RECOGNITION)]


def a_week_of_assists(sessions) -> None:
    org(sessions)
    give(
        sessions,
        ANA,
        [GINA],
        NOW - timedelta(days=2),
        kind=Kind.SERVICE,
        stage=Stage.POST_SALE,
        customer="Acme",
        description="spotted the expansion need",
    )
    give(
        sessions,
        GINA,
        [BEN],
        NOW - timedelta(days=1),
        kind=Kind.WIN,
        stage=Stage.SALE,
        customer="Globex",
        description="the demo that closed it",
    )
    give(
        sessions,
        ANA,
        [BEN],
        NOW - timedelta(days=3),
        description="the CFO's secret budget",
        is_private=True,
    )
    give(sessions, BEN, [GINA], NOW - timedelta(days=30), description="long ago")
    give(
        sessions,
        GINA,
        [ANA],
        NOW - timedelta(days=1),
        kind=Kind.LESSON,
        description="we shipped without a rollback plan",
    )


def test_the_digest_shows_the_week_in_figures_and_stories(job, standin, sessions):
    a_week_of_assists(sessions)
    assert run_digest(job, NOW).posted
    [post] = posts(standin)
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert post["text"].endswith("4 assists, 4 credits to 3 people")
    assert "3* of 4 departments contributing" in text
    assert "Everybody-sells index:* 75%" in text
    assert "Post-sale 1" in text and "Sale 1" in text and "Resale 0" in text
    assert "*4 assists* logged, *4 credits* to *3 people*" in text  # what the bars add up to
    assert "Most thanked*, by how many different people credited them" in text
    assert f"1. <@{BEN}>: credited by 2 people · Engineering" in text
    assert "the demo that closed it" in text and "*Globex*" in text
    assert "the CFO's secret budget" not in text and "in a private conversation" in text
    # In the order their first credit came: Ben three days ago, Ana yesterday.
    assert "First credits, welcome!* <@UBEN000001> and <@UANA000001>" in text
    assert "Loud mistakes" in text and "rollback plan" in text
    assert "Finance" not in text  # nobody is called out in public for not taking part
    assert len(post["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in post["blocks"])


def test_a_stage_set_later_moves_every_credit_of_the_assist(sessions):
    """Credits carry their assist's stage (counts by stage need no join), kept in step."""
    org(sessions)
    give(sessions, ANA, [GINA, BEN], NOW - timedelta(days=1), description="helped")
    give(sessions, BEN, [GINA], NOW - timedelta(days=2), stage=Stage.SALE, description="x")
    with sessions.begin() as session:
        assist = session.scalars(select(Assist).where(Assist.giver_id == ANA)).one()
        update_details(
            assist,
            kind=Kind.INSIGHT,
            stage=Stage.RESALE,
            customer="Acme",
            description="spotted it",
            crm_url=None,
        )
    week = Window(NOW - timedelta(days=7), NOW, "week")
    with sessions() as session:
        digest = build_digest(session, TEAM_ID, week.start, week.end)
        stats = personal_stats(session, TEAM_ID, GINA, week)
    assert digest.assists == 2 and digest.people_credited == 2
    assert digest.credits_by_stage == {"pre-sale": 0, "sale": 1, "post-sale": 0, "resale": 2}
    assert dict(stats.received_by_stage) == {"resale": 1, "sale": 1}
    assert dict(stats.received_by_kind) == {"insight": 1, "assist": 1}


def test_a_quiet_week_gets_a_short_post_with_a_suggestion(job, standin, sessions):
    org(sessions)
    assert run_digest(job, NOW).posted
    [post] = posts(standin)
    assert "a quiet week" in post["text"]
    assert "Who in *Engineering* helped a customer lately?" in json.dumps(post["blocks"])
    assert len(post["blocks"]) == 2


def test_the_digest_names_the_configured_emoji(settings, standin, sessions):
    from dataclasses import replace

    org(sessions)
    kinds = {"bulb": Kind.INSIGHT, "raised_hands": Kind.ASSIST}
    custom = Recognition(
        replace(settings, reaction_kinds=kinds),
        sessions,
        build_client(settings),
        team_id=TEAM_ID,
        worker="test",
    )
    assert run_digest(custom, NOW).posted
    text = json.dumps(posts(standin)[0]["blocks"])
    assert "react to their message with :raised_hands:" in text and ":handshake:" not in text


def test_a_monthly_digest_covers_the_month_and_is_posted_once_a_month(settings, standin, sessions):
    from dataclasses import replace

    org(sessions)
    give(sessions, ANA, [GINA], NOW - timedelta(days=3), description="fixed the invoice")
    give(sessions, GINA, [BEN], NOW - timedelta(days=20), description="ran the pilot")
    give(sessions, BEN, [ANA], NOW - timedelta(days=40), description="last month's demo")
    monthly = Recognition(
        replace(settings, digest_period="month", digest_schedule="0 9 1 * *"),
        sessions,
        build_client(settings),
        team_id=TEAM_ID,
        worker="test",
    )
    first = run_digest(monthly, NOW)
    again = run_digest(monthly, NOW + timedelta(days=4))  # later in November: nothing new

    assert first.posted and first.period == "2026-11"
    assert not again.posted and "already posted" in again.reason
    [post] = posts(standin)
    text = json.dumps(post["blocks"])
    assert post["text"].endswith("2 assists, 2 credits to 2 people")
    assert "ran the pilot" in text and "last month's demo" not in text
    assert "contributed this month" in text and "Not heard from" not in text
    assert "25 Oct – 25 Nov 2026" in post["text"]

    # The sweep posts December's on 1 December, once.
    with sessions.begin() as session:
        claim(session, TEAM_ID, "installed", NOW - timedelta(days=60))
    sweep(monthly, datetime(2026, 12, 1, 9, 5, tzinfo=UTC))
    sweep(monthly, datetime(2026, 12, 1, 9, 10, tzinfo=UTC))
    assert len(posts(standin)) == 2


def test_one_digest_per_period_unless_forced(job, standin, sessions):
    a_week_of_assists(sessions)
    first = run_digest(job, NOW)
    second = run_digest(job, NOW + timedelta(hours=5))
    assert (first.posted, second.posted) == (True, False)
    assert "already posted" in second.reason
    assert run_digest(job, NOW + timedelta(hours=6), force=True).posted
    assert run_digest(job, NOW + timedelta(days=6)).posted  # the next ISO week
    assert len(posts(standin)) == 3


def test_after_downtime_the_missed_period_is_posted_once(job, standin, sessions):
    with sessions.begin() as session:  # installed long before the outage
        claim(session, TEAM_ID, "installed", NOW - timedelta(days=60))
    # Down for two Mondays' worth of ticks; back on Wednesday: one catch-up post.
    sweep(job, NOW)
    sweep(job, NOW + timedelta(minutes=5))
    assert len(posts(standin)) == 1
    with sessions() as session:
        assert (
            session.scalar(select(Delivery.key).where(Delivery.key.like("digest:%")))
            == "digest:2026-W48"
        )


def test_a_fresh_install_does_not_post_for_periods_before_it_existed(job, standin):
    sweep(job, NOW)
    assert posts(standin) == []
    sweep(job, NOW + timedelta(days=5))  # the next Monday 09:00 has passed
    assert len(posts(standin)) == 1


def test_a_run_that_crashed_before_posting_is_completed_by_a_later_sweep(job, standin, sessions):
    with sessions.begin() as session:
        claim(session, TEAM_ID, "installed", NOW - timedelta(days=60))
        claim(session, TEAM_ID, "digest:2026-W48", NOW, worker="crashed")
    sweep(job, NOW + timedelta(minutes=10))
    assert posts(standin) == []  # the crashed run's lease still holds
    sweep(job, NOW + timedelta(minutes=31))
    sweep(job, NOW + timedelta(minutes=36))
    assert len(posts(standin)) == 1


def test_two_schedulers_on_one_database_post_once(settings, database_url, standin, sessions):
    with sessions.begin() as session:
        claim(session, TEAM_ID, "installed", NOW - timedelta(days=60))
    engines = [make_engine(database_url) for _ in range(2)]
    jobs = [
        Recognition(
            settings, make_session_factory(e), build_client(settings), TEAM_ID, f"instance-{i}"
        )
        for i, e in enumerate(engines)
    ]
    barrier = threading.Barrier(2)

    def tick(job):
        barrier.wait()
        sweep(job, NOW)

    threads = [threading.Thread(target=tick, args=(j,)) for j in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(posts(standin)) == 1


def test_two_digest_processes_at_once_post_once(database_url, standin, sessions, tmp_path):
    org(sessions)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "RECOGNITION_CHANNEL": RECOGNITION,
    }
    command = [sys.executable, "-m", "bot.cli", "digest"]
    root = os.path.dirname(os.path.dirname(__file__))
    env["PYTHONPATH"] = root
    procs = [
        subprocess.Popen(
            command,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert len(posts(standin)) == 1
    assert sorted("Posted the digest" in o for o in outputs) == [False, True]
    assert any("already posted" in o for o in outputs)


def test_digest_preview_prints_names_and_posts_nothing(
    database_url, standin, sessions, monkeypatch, tmp_path, capsys
):
    from bot.cli import main

    a_week_of_assists(sessions)
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["digest", "--preview"]) == 0
    out = capsys.readouterr().out
    assert "Everybody sells" in out and "@Ben" in out and "<@" not in out
    assert standin.delivered() == []


def test_a_digest_that_fails_part_way_gives_its_claim_back(job, standin, sessions):
    """The connection to Slack drops (not a refusal): nothing was posted, so the rerun posts."""
    a_week_of_assists(sessions)
    standin.drop("chat.postMessage", times=5)  # more than the client's own retries
    with pytest.raises(OSError):
        run_digest(job, NOW)
    assert posts(standin) == []

    again = run_digest(job, NOW + timedelta(minutes=1))
    assert again.posted, again.reason
    assert len(posts(standin)) == 1


def test_stored_text_with_control_characters_cannot_break_the_digest(job, standin, sessions):
    """Rows from before input was cleaned: a renderer's placeholder is never in user text."""
    org(sessions)
    give(
        sessions,
        GINA,
        [BEN],
        NOW - timedelta(days=1),
        customer="Acme\x010\x01",  # PostgreSQL refuses NUL itself; SQLite took it
        description="closed it \x019\x01 \ue0007\ue000 <!here>",
    )
    assert run_digest(job, NOW).posted
    [post] = posts(standin)
    assert "closed it" in json.dumps(post["blocks"])


@pytest.mark.parametrize(
    ("text", "quoted", "rendered"),
    [
        ("\x009\x00 done", "\x009\x00 done", "\x009\x00 done"),  # crashed both before
        ("a \x000\x00 <b>", "a \x000\x00 &lt;b&gt;", "a \x000\x00 <b>"),
        ("\ue0003\ue000 *x*", "\ue0003\ue000 *x*", "3 x"),  # the renderer's own marker
    ],
)
def test_no_text_collides_with_a_placeholder(text, quoted, rendered):
    from bot.blocks.text import safe_mrkdwn
    from bot.render import render_mrkdwn

    assert safe_mrkdwn(text) == quoted
    assert render_mrkdwn(quoted) == rendered

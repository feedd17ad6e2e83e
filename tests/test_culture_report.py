"""The culture report: its figures, the chart, and that it is uploaded once per month."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from matplotlib.image import imread

from bot.report import (
    INDEX_LABEL,
    chart_series,
    draw_chart,
    figures_table,
    render_chart,
    report_comment,
)
from bot.runner import scheduled_jobs
from bot.settings import Settings
from bot.slack.client import build_client
from jobs.culture_report import run_report
from jobs.recognition import Recognition
from models.assists import (
    AssistDraft,
    Kind,
    Stage,
    get_assist,
    record_assist,
    revoke_assist,
)
from models.culture import UNSET, CultureReport, culture_report
from models.database import make_engine, make_session_factory
from models.people import PersonInfo, find_person, save_person
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GENERAL, GINA, RECOGNITION

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
SAM, FAY, OLD = "USAM000001", "UFAY000001", "UOLD000001"
PNG = b"\x89PNG\r\n\x1a\n"
STAGES = ["Pre-sale", "Sale", "Post-sale", "Resale", "No stage"]


def org(sessions) -> None:
    with sessions.begin() as session:
        for user, name, department in (
            (GINA, "Gina", "Support"),
            (SAM, "Sam", "Support"),
            (ANA, "Ana", "Sales"),
            (BEN, "Ben", "Engineering"),
            (FAY, "Fay", "Finance"),
            (OLD, "Old", "Finance"),
        ):
            save_person(session, TEAM_ID, PersonInfo(user, name))
            find_person(session, TEAM_ID, user).department = department


def give(sessions, giver, recipients, when, stage=None, kind=Kind.ASSIST):
    with sessions.begin() as session:
        outcome = record_assist(
            session,
            AssistDraft(TEAM_ID, giver, recipients, kind=kind, stage=stage, description="x"),
            {r: PersonInfo(r, r) for r in recipients},
            limit=None,
            now=when,
        )
        return outcome.assist.id


def half_a_year(sessions) -> None:
    """Credits from December to July; see the expected figures in the tests below."""
    org(sessions)
    give(sessions, ANA, [BEN], datetime(2025, 12, 15, tzinfo=UTC), Stage.SALE)
    revoked = give(sessions, ANA, [GINA], datetime(2026, 3, 10, tzinfo=UTC), Stage.PRE_SALE)
    give(sessions, GINA, [ANA, BEN], datetime(2026, 4, 8, tzinfo=UTC), kind=Kind.LESSON)
    give(sessions, BEN, [SAM], datetime(2026, 5, 5, tzinfo=UTC), Stage.PRE_SALE)
    # 1 June 01:30 in Berlin: June there, May in UTC.
    give(sessions, ANA, [FAY], datetime(2026, 5, 31, 23, 30, tzinfo=UTC), Stage.RESALE)
    give(sessions, ANA, [GINA], datetime(2026, 6, 10, tzinfo=UTC), Stage.POST_SALE)
    give(sessions, GINA, [BEN, SAM], datetime(2026, 6, 20, tzinfo=UTC), Stage.SALE)
    give(sessions, ANA, [OLD], datetime(2026, 6, 15, tzinfo=UTC), Stage.PRE_SALE)
    give(sessions, BEN, [ANA], datetime(2026, 7, 3, tzinfo=UTC), Stage.SALE)
    with sessions.begin() as session:
        revoke_assist(session, get_assist(session, TEAM_ID, revoked))
        find_person(session, TEAM_ID, OLD).is_deleted = True  # has left: not in the org chart


def figures(sessions, tz=BERLIN, **options) -> CultureReport:
    with sessions() as session:
        return culture_report(session, TEAM_ID, NOW, tz, **options)


def column(report: CultureReport, department: str) -> list[float]:
    return [m.participation[department] for m in report.months]


@pytest.fixture
def job(settings: Settings, sessions) -> Recognition:
    settings = replace(settings, timezone=BERLIN)
    return Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")


def uploads(standin, channel: str = RECOGNITION) -> list[dict]:
    return [
        c.args
        for c in standin.calls("files.completeUploadExternal")
        if c.ok and c.args.get("channel_id") == channel
    ]


def uploaded_bytes(standin, upload: dict) -> bytes:
    """The culture report's chart (the participation chart comes second)."""
    return standin.uploaded(upload["files"][0]["id"])


# -- the figures ------------------------------------------------------------------------


def test_the_figures_cover_the_last_six_complete_months_in_the_workspace_zone(sessions):
    half_a_year(sessions)
    report = figures(sessions)
    assert [m.month.key for m in report.months] == [f"2026-0{i}" for i in range(1, 7)]
    assert report.headcount == {"Engineering": 1, "Finance": 1, "Sales": 1, "Support": 2}
    assert [m.index for m in report.months] == [0, 0, 0, 0.5, 0.25, 0.75]
    assert column(report, "Support") == [0, 0, 0, 0, 0.5, 1]
    assert column(report, "Sales") == [0, 0, 0, 1, 0, 0]
    assert column(report, "Finance") == [0, 0, 0, 0, 0, 1]
    assert report.months[-1].departments_contributing == ("Engineering", "Finance", "Support")
    april, may, june = report.months[3:]
    assert april.credits_by_stage == {"pre-sale": 0, "sale": 0, "post-sale": 0, "resale": 0} | {
        UNSET: 2
    }
    assert may.credits_by_stage["pre-sale"] == 1 and may.credits == 1
    # Old has left, so is not counted in Finance, but the credit Old received still counts.
    assert june.credits_by_stage == {"pre-sale": 1, "sale": 2, "post-sale": 1, "resale": 1}
    assert [m.credits for m in report.months] == [0, 0, 0, 2, 1, 5]  # March's was revoked


def test_months_are_cut_at_local_midnight(sessions):
    half_a_year(sessions)
    in_utc = figures(sessions, tz=ZoneInfo("UTC"))
    may, june = in_utc.months[4:]
    assert (may.credits_by_stage["resale"], june.credits_by_stage["resale"]) == (1, 0)
    assert column(in_utc, "Finance")[4:] == [1, 0]


def test_to_date_ends_with_the_current_month_so_far(sessions):
    half_a_year(sessions)
    report = figures(sessions, to_date=True, months=3)
    assert [m.month.key for m in report.months] == ["2026-05", "2026-06", "2026-07"]
    july = report.months[-1]
    assert july.month.to_date and july.month.end == NOW
    assert july.index == 0.25 and july.credits_by_stage["sale"] == 1
    assert report.span == "May 2026 – Jul 2026 (to date)"


def test_a_workspace_without_an_org_chart_has_no_index(sessions):
    report = figures(sessions)
    assert report.headcount == {} and report.months[-1].index is None
    assert "–" in figures_table(report)
    assert render_chart(report).startswith(PNG)


# -- the chart and the text -------------------------------------------------------------


def test_the_chart_is_a_png_of_the_expected_series(sessions):
    half_a_year(sessions)
    report = figures(sessions)
    series = chart_series(report)
    assert series.months == ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
    assert list(series.lines) == [INDEX_LABEL, "Engineering", "Finance", "Sales", "Support"]
    assert series.lines[INDEX_LABEL] == (0, 0, 0, 50, 25, 75)
    assert series.lines["Support"] == (0, 0, 0, 0, 50, 100)
    assert list(series.bars) == STAGES
    assert series.bars["Sale"] == (0, 0, 0, 0, 0, 2)
    assert series.bars["No stage"] == (0, 0, 0, 2, 0, 0)

    figure = draw_chart(report)
    lines, bars = figure.axes
    assert lines.get_legend_handles_labels()[1] == list(series.lines)
    assert list(lines.lines[0].get_ydata()) == list(series.lines[INDEX_LABEL])
    assert bars.get_legend_handles_labels()[1] == STAGES
    assert [t.get_text() for t in lines.get_xticklabels()] == list(series.months)

    png = render_chart(report)
    assert png.startswith(PNG)
    height, width, _ = imread(BytesIO(png)).shape
    assert (width, height) == (1100, 850)


def test_the_figures_as_text(sessions):
    half_a_year(sessions)
    report = figures(sessions)
    table = figures_table(report).splitlines()
    assert table[0].split() == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    assert table[1].split() == ["Everybody-sells", "index", "0%", "0%", "0%", "50%", "25%", "75%"]
    assert table[5].split() == ["Support", "(2)", "0%", "0%", "0%", "0%", "50%", "100%"]
    assert table[6].split() == ["Credits", "0", "0", "0", "2", "1", "5"]
    assert table[-1].split() == ["No", "stage", "0", "0", "0", "2", "0", "0"]
    comment = report_comment(report)
    assert comment.startswith("*Everybody sells: culture report, Jan 2026 – Jun 2026*")
    assert "4 departments, 5 people" in comment and "```" in comment


def test_department_names_cannot_ping_or_break_the_code_block(sessions):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(GINA, "Gina"))
        find_person(session, TEAM_ID, GINA).department = "R&D <!channel> ```"
    comment = report_comment(figures(sessions))
    assert "<!channel>" not in comment and "R&amp;D" in comment
    assert comment.count("```") == 2


# -- uploads, once per month --------------------------------------------------------------


def test_the_monthly_run_uploads_the_chart_with_the_figures(job, standin, sessions):
    half_a_year(sessions)
    result = run_report(job, NOW)
    assert result.posted and result.period == "2026-07"
    [upload] = uploads(standin)
    assert "Everybody-sells index" in upload["initial_comment"]
    assert "Jan 2026 – Jun 2026" in upload["initial_comment"]
    assert upload["files"][0]["title"] == "Everybody sells: culture report, Jan 2026 – Jun 2026"
    png = uploaded_bytes(standin, upload)
    assert png.startswith(PNG)
    asked, second = standin.calls("files.getUploadURLExternal")
    assert asked.args["filename"] == "culture-report-2026-06.png"
    assert second.args["filename"] == "participation-2026-06.png"
    assert int(asked.args["length"]) == len(png)


def test_one_report_per_month_unless_forced(job, standin, sessions):
    org(sessions)
    give(sessions, ANA, [GINA], NOW - timedelta(days=40))
    assert run_report(job, NOW).posted
    second = run_report(job, NOW + timedelta(days=3))
    assert not second.posted and "already posted" in second.reason
    assert run_report(job, NOW + timedelta(days=3), force=True).posted
    assert run_report(job, datetime(2026, 8, 1, 7, 0, tzinfo=UTC)).posted  # 09:00 in Berlin
    assert len(uploads(standin)) == 3
    assert [c.args["length"] for c in standin.calls("upload")] == [
        len(standin.uploaded(f["id"])) for u in uploads(standin) for f in u["files"]
    ]


def test_a_refused_upload_is_retried_by_the_next_run(job, standin, sessions):
    org(sessions)
    give(sessions, ANA, [GINA], NOW - timedelta(days=40))
    standin.fail("files.completeUploadExternal", "not_in_channel")
    failed = run_report(job, NOW)
    assert not failed.posted and "not_in_channel" in failed.reason
    del standin.state.errors["files.completeUploadExternal"]
    assert run_report(job, NOW + timedelta(minutes=1)).posted
    assert len(uploads(standin)) == 1


def test_two_instances_at_once_upload_once(job, database_url, standin, sessions):
    org(sessions)
    give(sessions, ANA, [GINA], NOW - timedelta(days=40))
    engines = [make_engine(database_url) for _ in range(2)]
    jobs = [
        replace(job, sessions=make_session_factory(e), worker=f"i{i}")
        for i, e in enumerate(engines)
    ]
    barrier = threading.Barrier(2)

    def tick(each: Recognition) -> None:
        barrier.wait()
        run_report(each, NOW)

    threads = [threading.Thread(target=tick, args=(j,)) for j in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(uploads(standin)) == 1


def test_the_scheduler_runs_it_on_the_first_of_the_month_at_nine(settings, sessions, standin):
    settings = replace(settings, timezone=BERLIN)
    jobs = {j.id: j for j in scheduled_jobs(settings, sessions, build_client(settings))}
    monthly = jobs["culture_report"]
    fire = monthly.trigger.get_next_fire_time(None, NOW)
    assert fire == datetime(2026, 8, 1, 9, 0, tzinfo=BERLIN)
    last_month_credit(sessions)
    monthly.run()
    monthly.run()
    assert len(uploads(standin)) == 1


# -- the command line -------------------------------------------------------------------


def last_month_credit(sessions) -> None:
    org(sessions)
    now = datetime.now(UTC)
    last_month = now.replace(day=1, hour=12, minute=0) - timedelta(days=15)
    give(sessions, ANA, [GINA], last_month, Stage.POST_SALE)


@pytest.fixture
def cli_env(database_url, standin, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_API_URL", standin.api_url)
    monkeypatch.setenv("RECOGNITION_CHANNEL", RECOGNITION)
    return monkeypatch


def test_report_out_writes_the_chart_and_prints_the_figures(
    cli_env, sessions, standin, tmp_path, capsys
):
    from bot.cli import main

    last_month_credit(sessions)
    out = tmp_path / "report.png"
    assert main(["report", "--out", str(out), "--months", "3"]) == 0
    assert out.read_bytes().startswith(PNG)
    printed = capsys.readouterr().out
    support = next(line for line in printed.splitlines() if "Support (2)" in line)
    assert support.split()[-3:] == ["0%", "0%", "50%"]
    assert "Everybody-sells index" in printed and f"Chart written to {out}" in printed
    assert standin.count("files.getUploadURLExternal") == 0


def test_report_uploads_once_per_month_from_the_command_line(cli_env, sessions, standin, capsys):
    from bot.cli import main

    last_month_credit(sessions)
    cli_env.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["report"]) == 0
    assert main(["report"]) == 0
    assert main(["report", "--force"]) == 0
    printed = capsys.readouterr().out
    assert printed.count(f"Uploaded the culture report to {RECOGNITION}") == 2
    assert "Nothing uploaded: the report for" in printed and "already posted" in printed
    assert len(uploads(standin)) == 2
    assert all(uploaded_bytes(standin, u).startswith(PNG) for u in uploads(standin))


def test_report_refuses_a_bad_number_of_months(cli_env, capsys):
    from bot.cli import main

    with pytest.raises(SystemExit):
        main(["report", "--months", "0"])
    assert "from 1 to 36" in capsys.readouterr().err


# -- /sells report ------------------------------------------------------------------------


@pytest.fixture
def admin_slack(make_app, standin, listeners) -> SlackRequests:
    app = make_app(admin_user_ids=frozenset({GINA}))
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


def answer(slack: SlackRequests, standin, text: str, user: str, channel: str = GENERAL) -> str:
    assert slack.command("/sells", text, user=user, channel=channel).status == 200
    slack.settle()
    return standin.calls("respond")[-1].args["text"]


def test_an_admin_posts_the_report_in_the_channel_of_the_command(admin_slack, standin, sessions):
    last_month_credit(sessions)
    said = answer(admin_slack, standin, "report", GINA)
    assert said.startswith("Posted the culture report for")
    [upload] = uploads(standin, GENERAL)
    assert "Support (2)" in upload["initial_comment"] and "(to date)" in upload["initial_comment"]
    assert uploaded_bytes(standin, upload).startswith(PNG)
    assert uploads(standin, RECOGNITION) == []


def test_someone_else_is_refused(admin_slack, standin, sessions):
    org(sessions)
    assert answer(admin_slack, standin, "report", ANA) == "Only admins can post the culture report."
    assert standin.count("files.getUploadURLExternal") == 0


def test_bad_months_and_a_channel_without_the_bot_get_a_clear_answer(admin_slack, standin):
    assert answer(admin_slack, standin, "report lots", GINA).startswith("Usage: `/sells report")
    standin.add_channel("COUTSIDE01", "outside", member=False)
    said = answer(admin_slack, standin, "report 3", GINA, channel="COUTSIDE01")
    assert "Invite me to the channel" in said


def test_a_report_missed_on_the_first_is_posted_once_when_the_bot_returns(
    settings, sessions, standin
):
    from datetime import UTC, datetime, timedelta

    from bot.slack.client import build_client
    from jobs.culture_report import catch_up_report
    from jobs.recognition import Recognition
    from models.deliveries import claim
    from tests.slack_standin import TEAM_ID

    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")
    back = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)  # down over 1 Nov 09:00
    with sessions.begin() as session:
        claim(session, TEAM_ID, "installed", back - timedelta(days=90))
    org(sessions)
    give(sessions, ANA, [GINA], back - timedelta(days=20))
    assert catch_up_report(job, back).posted
    assert catch_up_report(job, back + timedelta(minutes=5)) is None
    assert len(standin.calls("files.completeUploadExternal")) == 1


def test_a_report_with_no_credits_is_not_posted(settings, sessions, standin):
    from bot.slack.client import build_client
    from jobs.culture_report import run_report
    from jobs.recognition import Recognition
    from tests.slack_standin import TEAM_ID

    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")
    result = run_report(job, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    assert not result.posted and "no credits were recorded" in result.reason
    assert uploads(standin) == []

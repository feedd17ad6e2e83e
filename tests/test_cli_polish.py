"""The command line's manners: what `db upgrade` says, quiet logs, named jobs, scripts/run."""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from apscheduler.triggers.interval import IntervalTrigger

from bot.cli import configure_logging, main
from bot.settings import Settings
from jobs.scheduler import ScheduledJob, build_scheduler
from models.database import alembic_config, make_engine, upgrade
from tests.test_run_http import run_command
from tests.test_settings import SETTING_NAMES

REPOSITORY = Path(__file__).resolve().parent.parent
QUIETED = ("apscheduler", "everybody_sells.bolt", "alembic", "slack_sdk.web.base_client")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


@pytest.fixture
def logger_levels():
    """Put back the levels configure_logging changes, so other tests see the usual ones."""
    saved = {name: logging.getLogger(name).level for name in QUIETED}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def migrations() -> tuple[int, str]:
    """How many migrations there are, and the head revision."""
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return len(list(script.walk_revisions())), head


def test_db_upgrade_says_what_it_applied_then_that_nothing_was_left(cli_env, capsys):
    count, head = migrations()

    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"applied {count} migrations (now at {head})\n"

    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"database is already up to date ({head})\n"


def test_db_upgrade_counts_only_the_pending_migrations(cli_env, database_url, capsys):
    count, head = migrations()
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
    finally:
        engine.dispose()

    assert main(["db", "upgrade"]) == 0
    pending = count - 2
    plural = "" if pending == 1 else "s"
    assert capsys.readouterr().out == f"applied {pending} migration{plural} (now at {head})\n"


def test_scheduler_and_sdk_chatter_is_kept_out_of_the_log(logger_levels):
    configure_logging(Settings(log_level="INFO"))
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO) is False
    assert logging.getLogger("slack_sdk.web.base_client").isEnabledFor(logging.INFO) is False


def test_debug_logs_the_scheduler_too(logger_levels):
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)
    configure_logging(Settings(log_level="DEBUG"))
    assert logging.getLogger("apscheduler").level == logging.NOTSET  # left to LOG_LEVEL


def test_bolts_token_warning_is_dropped_and_other_warnings_kept(logger_levels, caplog):
    configure_logging(Settings(log_level="INFO"))
    bolt = logging.getLogger("everybody_sells.bolt")
    with caplog.at_level(logging.WARNING, logger="everybody_sells.bolt"):
        bolt.warning("As you gave `client` as well, `token` will be unused.")
        bolt.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_jobs_are_named_by_their_id_in_the_scheduler():
    jobs = [
        ScheduledJob("referral_sla", IntervalTrigger(minutes=10), lambda: None),
        ScheduledJob("recognition_sweep", IntervalTrigger(minutes=5), lambda: None, True),
    ]
    scheduler = build_scheduler(Settings(), jobs)
    scheduler.start(paused=True)
    try:
        names = sorted(job.name for job in scheduler.get_jobs())
    finally:
        scheduler.shutdown(wait=False)
    assert names == ["recognition_sweep", "recognition_sweep_at_start", "referral_sla"]


# -- scripts/run --------------------------------------------------------------------------


def fake_checkout(tmp_path: Path, demo_status: int) -> Path:
    """scripts/run in a copy of the repository whose .venv is two small stand-ins."""
    root = checkout(tmp_path)
    venv = root / ".venv" / "bin"
    # `python -c` (the version check) succeeds; `python -` (is a token set?) says no.
    executable(venv / "python", '#!/bin/sh\n[ "$1" = "-" ] && exit 1\nexit 0\n')
    executable(
        venv / "everybody-sells", f'#!/bin/sh\necho "everybody-sells $*"\nexit {demo_status}\n'
    )
    return root


def real_checkout(tmp_path: Path) -> Path:
    """scripts/run in a copy of the repository whose .venv runs this Python and the bot."""
    root = checkout(tmp_path)
    venv = root / ".venv" / "bin"
    executable(venv / "python", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    executable(venv / "everybody-sells", f'#!/bin/sh\nexec {shlex.join(run_command()[:-1])} "$@"\n')
    return root


def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPOSITORY / "scripts" / "run", root / "scripts" / "run")
    (root / "pyproject.toml").write_text("")
    (root / ".venv" / "bin").mkdir(parents=True)
    installed = root / ".venv" / ".installed"
    installed.write_text("")
    later = time.time() + 60
    os.utime(installed, (later, later))  # newer than pyproject.toml: no pip install
    return root


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def run_script(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    return subprocess.run(
        ["bash", str(root / "scripts" / "run"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_scripts_run_explains_how_to_connect_slack_after_the_demo(tmp_path):
    finished = run_script(fake_checkout(tmp_path, 0))

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("everybody-sells demo\n")
    assert "That was the demo" in finished.stdout


def test_scripts_run_passes_on_a_failed_demo_without_the_hint(tmp_path):
    finished = run_script(fake_checkout(tmp_path, 3))

    assert finished.returncode == 3
    assert finished.stdout == "everybody-sells demo\n"
    assert "That was the demo" not in finished.stdout + finished.stderr


def test_scripts_run_passes_arguments_to_run_even_without_a_token(tmp_path):
    finished = run_script(fake_checkout(tmp_path, 0), "--no-scheduler")

    assert finished.stdout == "everybody-sells run --no-scheduler\n"
    assert "That was the demo" not in finished.stdout


def test_scripts_run_help_prints_the_help_of_run(tmp_path):
    finished = run_script(real_checkout(tmp_path), "--help")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("usage: everybody-sells run [-h] [--no-scheduler]\n")
    assert "Socket Mode" in finished.stdout
    assert "demo" not in finished.stdout


def test_scripts_run_with_arguments_and_no_token_says_which_setting_is_missing(tmp_path):
    finished = run_script(real_checkout(tmp_path), "--no-scheduler")

    assert finished.returncode == 2, finished.stderr
    assert finished.stderr == (
        "everybody-sells: configuration error: SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)\n"
    )
    assert finished.stdout == ""


# -- help texts ---------------------------------------------------------------------------


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_run_help_explains_the_two_modes_and_the_settings_it_reads(capsys):
    text = help_of(capsys, "run")

    assert "SLACK_APP_TOKEN set    Socket Mode" in text
    assert "SLACK_APP_TOKEN empty  HTTP mode: listens on $PORT (default 3000)" in text
    assert "at /slack/events" in text
    for setting in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORT", "DATABASE_URL"):
        assert f"\n  {setting} " in text, setting
    assert ".env.example" in text


def test_every_demo_option_says_what_it_does(capsys):
    text = help_of(capsys, "demo")

    for option in ("--database-url URL", "--people N", "--weeks N", "--seed N"):
        assert re.search(rf"^  {option}\s+\w", text, re.MULTILINE), option


@pytest.mark.parametrize(
    ("args", "choices"),
    [([], "{run,db,crm,digest,nudge,report,scheduler,export,org,demo}"),
     (["org"], "{import}"), (["db"], "{upgrade}"), (["crm"], "{example}")],
)  # fmt: skip
def test_a_missing_subcommand_is_named_by_its_choices(capsys, args, choices):
    with pytest.raises(SystemExit) as stopped:
        main(args)

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(f"error: the following arguments are required: {choices}\n")
    assert "_command" not in err

"""What a new user sees when something is wrong: the real console script, one line on stderr
naming the problem and its fix, no traceback, and an exit code a script can test."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.slack_standin import SlackStandIn
from tests.test_run_http import bot_environment, run_command

BOT_TOKEN = "xoxb-cli-errors"
PASSWORD = "s3cret-pw"


def everybody_sells(
    *args: str, cwd: Path, timeout: float = 120, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`everybody-sells ARGS` as a user runs it, with only `settings` set."""
    return subprocess.run(
        [*run_command()[:-1], *args],
        cwd=cwd,
        env=bot_environment(**settings),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(finished: subprocess.CompletedProcess[str]) -> str:
    """The single line the command wrote on stderr."""
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    return lines[0]


# -- the scheduler ------------------------------------------------------------------------


def test_the_scheduler_runs_with_only_the_bot_token(tmp_path, standin: SlackStandIn, database_url):
    """It serves no HTTP, so it has no use for SLACK_SIGNING_SECRET."""
    log = tmp_path / "scheduler.log"
    env = bot_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=standin.api_url, DATABASE_URL=database_url
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*run_command()[:-1], "scheduler"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "scheduler running" not in log.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert process.poll() is None, log.read_text()
        assert "SLACK_SIGNING_SECRET" not in log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_the_scheduler_without_a_token_exits_2_with_one_line(tmp_path, database_url):
    finished = everybody_sells("scheduler", cwd=tmp_path, DATABASE_URL=database_url)

    assert finished.returncode == 2, finished.stderr
    assert "SLACK_BOT_TOKEN is not set" in one_line(finished)

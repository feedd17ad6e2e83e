"""What a new user sees when something is wrong: the real console script, one line on stderr
naming the problem and its fix, no traceback, and an exit code a script can test."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.database_failures import database_failure
from models.database import make_engine
from tests.conftest import POSTGRES_URL, SIGNING_SECRET
from tests.slack_standin import SlackStandIn
from tests.test_run_http import bot_environment, free_port, run_command

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


# -- a database that cannot be opened -----------------------------------------------------

COMMANDS = {
    "run": ["run"],
    "db upgrade": ["db", "upgrade"],
    "export": ["export", "--format", "csv"],
    "digest --preview": ["digest", "--preview"],
}


@pytest.mark.parametrize("command", [*COMMANDS, "demo"])
def test_postgresql_not_running_is_one_line_naming_the_url_and_the_fix(tmp_path, command):
    port = free_port()  # nothing listens there
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/test"
    args = COMMANDS.get(command) or ["demo", "--database-url", url]
    finished = everybody_sells(
        *args,
        cwd=tmp_path,
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )

    assert finished.returncode == 2, finished.stderr
    setting = "--database-url" if command == "demo" else "DATABASE_URL"
    assert one_line(finished) == (
        "everybody-sells: cannot open the database "
        f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/test: nothing accepts connections "
        f"at 127.0.0.1:{port} (connection refused); start PostgreSQL there, or correct the "
        f"host and port in {setting}"
    )
    assert PASSWORD not in finished.stderr
    assert finished.stdout == ""


@pytest.mark.parametrize("command", ["run", "db upgrade"])
def test_a_sqlite_file_in_a_missing_folder_is_one_line_and_creates_nothing(tmp_path, command):
    folder = tmp_path / "no" / "such" / "dir"
    finished = everybody_sells(
        *COMMANDS[command],
        cwd=tmp_path,
        DATABASE_URL=f"sqlite:///{folder / 'sells.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )

    assert finished.returncode == 2, finished.stderr
    assert one_line(finished) == (
        f"everybody-sells: cannot open the database sqlite:///{folder / 'sells.db'}: "
        f"the folder {folder} does not exist; create it, or correct the path in DATABASE_URL"
    )
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs a PostgreSQL server: set TEST_DATABASE_URL")
def test_a_database_the_server_does_not_have_is_named_with_how_to_create_it(tmp_path):
    server = urlsplit(POSTGRES_URL or "")
    name = f"nosuchdb_{uuid.uuid4().hex[:8]}"
    url = f"postgresql://{server.netloc}/{name}"
    finished = everybody_sells("db", "upgrade", cwd=tmp_path, DATABASE_URL=url)

    assert finished.returncode == 2, finished.stderr
    line = one_line(finished)
    assert line.startswith("everybody-sells: cannot open the database postgresql+psycopg://")
    assert f'has no database "{name}"; create it (createdb {name}) or correct' in line


def test_a_url_sqlalchemy_cannot_parse_is_one_line_with_an_example(tmp_path):
    finished = everybody_sells("db", "upgrade", cwd=tmp_path, DATABASE_URL="sqlite:/sells.db")

    assert finished.returncode == 2, finished.stderr
    line = one_line(finished)
    assert line.startswith("everybody-sells: DATABASE_URL is not a database URL")
    assert "sqlite:/sells.db" in line
    assert "use e.g. sqlite:///path/to/file.db or postgresql://" in line


def test_run_without_a_token_names_the_token_before_the_database(tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    finished = everybody_sells("run", cwd=tmp_path, DATABASE_URL=url)

    assert finished.returncode == 2, finished.stderr
    assert one_line(finished) == (
        "everybody-sells: configuration error: SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)"
    )


def test_a_failing_statement_keeps_its_traceback(database_url):
    """A constraint violation mid-statement is a bug to debug, not a database to fix."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            with pytest.raises(IntegrityError) as raised:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    finally:
        engine.dispose()
    assert database_failure(raised.value, database_url) is None


def test_connecting_errors_are_explained_without_a_running_command(tmp_path):
    url = f"sqlite:///{tmp_path}"  # a folder, not a file
    with pytest.raises(OperationalError) as raised:
        create_engine(url).connect()
    assert database_failure(raised.value, url) == (
        f"cannot open the database {url}: {tmp_path} is a folder; "
        f"DATABASE_URL must name a file, e.g. {tmp_path}/sells.db"
    )


# -- previews of a database with nothing in it yet -----------------------------------------

PREVIEWS = {
    "digest --preview": ["digest", "--preview"],
    "nudge --preview": ["nudge", "--preview"],
    "report --out": ["report", "--out", "chart.png"],
}


def no_tables(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", PREVIEWS)
def test_a_preview_of_a_new_database_says_no_data_yet_and_creates_nothing(
    tmp_path, database_url, command
):
    """database_url is a SQLite file not created yet, or an empty PostgreSQL schema."""
    finished = everybody_sells(*PREVIEWS[command], cwd=tmp_path, DATABASE_URL=database_url)

    assert finished.returncode == 0, finished.stderr
    line = one_line(finished)
    assert line.startswith("everybody-sells: no data yet in ")
    assert line.endswith(
        ": start the bot with `everybody-sells run` and use it in Slack, "
        "or see a sample company with `everybody-sells demo`"
    )
    assert finished.stdout == ""
    assert not (tmp_path / "chart.png").exists()
    if database_url.startswith("sqlite"):
        assert sorted(path.name for path in tmp_path.iterdir()) == []
    else:
        assert no_tables(database_url)


def test_a_preview_of_a_migrated_database_with_nobody_in_it_says_no_data_yet(
    tmp_path, database_url
):
    assert everybody_sells("db", "upgrade", cwd=tmp_path, DATABASE_URL=database_url).returncode == 0

    finished = everybody_sells("digest", "--preview", cwd=tmp_path, DATABASE_URL=database_url)

    assert finished.returncode == 0, finished.stderr
    assert one_line(finished).startswith("everybody-sells: no data yet in ")
    assert finished.stdout == ""


# -- org import: the file first, then the token ---------------------------------------------

ORG_CHART = """\
email,department,manager_email
gina@example.com,Support,
ana@example.com,Sales,gina@example.com
ben@example.com,Engineering,ana@example.com
sam@example.com, sales ,ana@example.com
"""
BROKEN_ROWS = """\
email,department,manager_email
gina@example.com,Support,
ana@example.com,Sales,gina@example
,Sales,
ben-at-example.com,Engineering,
gina@example.com,Finance,
"""


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "org.csv: no such file"),
        (
            "email,dept,manager\ngina@example.com,Support,\n",
            "org.csv: the header must have the columns email,department,manager_email; "
            "missing department, manager_email (found email,dept,manager)",
        ),
        ("email,department,manager_email\n", "org.csv: has the header but nobody in it"),
        (
            ORG_CHART,
            "configuration error: SLACK_BOT_TOKEN is not set (org import looks people up in "
            "Slack; xoxb-...); `org import --dry-run` checks the file without it",
        ),
    ],
    ids=["missing-file", "bad-header", "nobody", "good-file-no-token"],
)
def test_org_import_checks_the_file_before_asking_for_the_token(tmp_path, content, problem):
    if content is not None:
        (tmp_path / "org.csv").write_text(content)
    finished = everybody_sells(
        "org", "import", "org.csv", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"
    )

    assert finished.returncode == 2, finished.stderr
    assert one_line(finished) == f"everybody-sells: {problem}"
    assert finished.stdout == ""


def test_org_import_dry_run_of_a_good_file_says_what_would_be_imported_and_exits_0(
    tmp_path, standin: SlackStandIn, database_url
):
    (tmp_path / "org.csv").write_text(ORG_CHART)
    finished = everybody_sells(
        "org", "import", "--dry-run", "org.csv",
        cwd=tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
    )  # fmt: skip

    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""
    assert finished.stdout.splitlines()[:4] == [
        "Checked org.csv (dry run: nothing was looked up in Slack or written): 4 rows, "
        "4 people to import in 3 departments, 3 with a manager; 0 rows to fix.",
        "  Engineering  1",
        "  Sales        2",
        "  Support      1",
    ]
    assert standin.state.calls == []  # no Slack call at all
    if database_url.startswith("sqlite"):
        assert sorted(path.name for path in tmp_path.iterdir()) == ["org.csv"]
    else:
        assert no_tables(database_url)


def test_org_import_dry_run_lists_every_row_to_fix_and_exits_2_without_a_token(tmp_path):
    (tmp_path / "org.csv").write_text(BROKEN_ROWS)
    finished = everybody_sells("org", "import", "--dry-run", "org.csv", cwd=tmp_path)

    assert finished.returncode == 2, finished.stderr
    assert one_line(finished) == "everybody-sells: org.csv: 4 rows to fix before importing"
    out = finished.stdout
    assert "5 rows, 2 people to import in 2 departments, 0 with a manager; 4 rows to fix" in out
    assert "Would not be imported (3):\n  row 4: (no email): the email is empty\n" in out
    assert "  row 5: ben-at-example.com: is not an email address\n" in out
    assert "  row 6: gina@example.com: also on row 2; only the first is imported\n" in out
    assert (
        "Would be imported without a manager (1):\n"
        "  row 3: ana@example.com: manager gina@example: is not an email address\n"
    ) in out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["org.csv"]


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

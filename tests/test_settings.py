"""`load_settings`: defaults, parsing, clear errors naming the setting, and the `.env` file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings
from models.assists import Kind

# Every variable load_settings reads, removed from the real environment where a test needs that.
SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "PORT",
    "DATABASE_URL",
    "RECOGNITION_CHANNEL",
    "REFERRALS_CHANNEL",
    "SESSIONS_CHANNEL",
    "TIMEZONE",
    "ADMIN_USER_IDS",
    "REACTION_KINDS",
    "DAILY_CREDIT_LIMIT",
    "HTTP_THREADS",
    "LOG_LEVEL",
)


def test_defaults_with_nothing_set() -> None:
    settings = load_settings(environ={})
    assert settings.bot_token is None
    assert settings.signing_secret is None
    assert settings.app_token is None
    assert settings.socket_mode is False
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.recognition_channel is None
    assert settings.timezone == ZoneInfo("UTC")
    assert settings.admin_user_ids == frozenset()
    assert settings.reaction_kinds == {"handshake": Kind.ASSIST}
    assert settings.daily_credit_limit == 10
    assert settings.log_level == "INFO"


def test_values_are_read_and_trimmed() -> None:
    settings = load_settings(
        environ={
            "SLACK_BOT_TOKEN": " xoxb-1 ",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9000/api",
            "PORT": "8080",
            "RECOGNITION_CHANNEL": "C0123ABCD",
            "TIMEZONE": "Europe/Berlin",
            "ADMIN_USER_IDS": "U1, U2,,U3 ",
            "DAILY_CREDIT_LIMIT": "25",
            "LOG_LEVEL": "debug",
            "DIGEST_PERIOD": "Month",
        }
    )
    assert settings.bot_token == "xoxb-1"
    assert settings.socket_mode is True
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.port == 8080
    assert settings.recognition_channel == "C0123ABCD"
    assert settings.timezone == ZoneInfo("Europe/Berlin")
    assert settings.admin_user_ids == frozenset({"U1", "U2", "U3"})
    assert settings.daily_credit_limit == 25
    assert settings.log_level == "DEBUG"
    assert settings.digest_period == "month"


def test_blank_values_mean_the_default() -> None:
    settings = load_settings(environ={"PORT": "  ", "TIMEZONE": "", "REACTION_KINDS": " "})
    assert settings.port == 3000
    assert settings.timezone == ZoneInfo("UTC")
    assert settings.reaction_kinds == {"handshake": Kind.ASSIST}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("handshake=assist,bulb=insight", {"handshake": Kind.ASSIST, "bulb": Kind.INSIGHT}),
        (":tada:=win", {"tada": Kind.WIN}),
        (
            " handshake = assist , :bulb: = insight ",
            {"handshake": Kind.ASSIST, "bulb": Kind.INSIGHT},
        ),
        ("handshake", {"handshake": Kind.ASSIST}),
        ("moneybag=referral,wrench=service", {"moneybag": Kind.REFERRAL, "wrench": Kind.SERVICE}),
    ],
)
def test_reaction_kinds_map_emoji_to_kind(value: str, expected: dict[str, Kind]) -> None:
    assert load_settings(environ={"REACTION_KINDS": value}).reaction_kinds == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("TIMEZONE", "Mars/Olympus_Mons"),
        ("DAILY_CREDIT_LIMIT", "ten"),
        ("DAILY_CREDIT_LIMIT", "0"),
        ("DAILY_CREDIT_LIMIT", "-3"),
        ("REACTION_KINDS", "handshake=bribe"),
        ("REACTION_KINDS", "=assist"),
        ("DATABASE_URL", "mysql://root@127.0.0.1/test"),
        ("SLACK_API_URL", "ftp://slack.example/api/"),
        ("HTTP_THREADS", "many"),
        ("LOG_LEVEL", "LOUD"),
        ("DIGEST_PERIOD", "fortnight"),
        ("WORKER_PROCESSES", "0"),
    ],
)
def test_bad_values_raise_an_error_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(environ={name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECOGNITION_CHANNEL", "general"),
        ("RECOGNITION_CHANNEL", "#everybody-sells"),
        ("REFERRALS_CHANNEL", "c0123abcd"),
        ("REFERRALS_CHANNEL", "C12"),
        ("SESSIONS_CHANNEL", "U0123ABCD"),
        ("SESSIONS_CHANNEL", "<#C0123ABCD|sessions>"),
    ],
)
def test_a_channel_name_instead_of_its_id_is_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name) as raised:
        load_settings(environ={name: value})
    message = str(raised.value)
    assert repr(value) in message
    assert "channel ID" in message
    assert "not the channel's name" in message


@pytest.mark.parametrize(
    "value", ["CRECOG0001", "CQUEUE0001", "CGENERAL01", "G0123ABC", "C0123456789"]
)
def test_channel_ids_are_accepted(value: str) -> None:
    settings = load_settings(
        environ={
            "RECOGNITION_CHANNEL": value,
            "REFERRALS_CHANNEL": value,
            "SESSIONS_CHANNEL": f" {value} ",
        }
    )
    assert (
        settings.recognition_channel,
        settings.referrals_channel,
        settings.sessions_channel,
    ) == (value, value, value)


def test_an_unknown_reaction_kind_lists_the_kinds() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"REACTION_KINDS": "handshake=assist,eyes=gossip"})
    assert "gossip" in str(raised.value)
    assert all(kind.value in str(raised.value) for kind in Kind)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db.example:5432/sells", "postgresql+psycopg://u:p@db.example:5432/sells"),
        (
            "postgresql://u@db/sells?sslmode=require",
            "postgresql+psycopg://u@db/sells?sslmode=require",
        ),
        ("postgresql+psycopg://u@db/sells", "postgresql+psycopg://u@db/sells"),
        ("sqlite:////var/lib/sells.db", "sqlite:////var/lib/sells.db"),
    ],
)
def test_database_urls_are_normalised_for_psycopg(url: str, expected: str) -> None:
    assert load_settings(environ={"DATABASE_URL": url}).database_url == expected


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
    ],
)
def test_run_requires_the_slack_settings(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environ=environ).require_slack()


@pytest.mark.parametrize(
    "environ",
    [
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
    ],
    ids=["http", "socket-mode-needs-no-signing-secret"],
)
def test_complete_slack_settings_pass(environ: dict[str, str]) -> None:
    load_settings(environ=environ).require_slack()


def test_a_process_serving_no_requests_needs_only_the_bot_token() -> None:
    """`everybody-sells scheduler`: no HTTP, so no signing secret; no Socket Mode either."""
    load_settings(environ={"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack(serving=False)
    load_settings(environ={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "x"}).require_slack(
        serving=False
    )
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        load_settings(environ={"SLACK_SIGNING_SECRET": "s"}).require_slack(serving=False)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty working directory and no setting in the real environment."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_dotenv_file_in_the_working_directory_is_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(
        "# comments and quotes as python-dotenv reads them\n"
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\n"
        'RECOGNITION_CHANNEL="C0DOTENV"\n'
        "PORT=4000\n"
    )
    settings = load_settings()
    assert settings.bot_token == "xoxb-from-dotenv"
    assert settings.recognition_channel == "C0DOTENV"
    assert settings.port == 4000


def test_the_real_environment_wins_over_dotenv(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text("PORT=4000\nSLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    monkeypatch.setenv("PORT", "5000")
    settings = load_settings()
    assert settings.port == 5000
    assert settings.bot_token == "xoxb-from-dotenv"


def test_a_bad_value_in_dotenv_is_named_too(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("TIMEZONE=Nowhere/Special\n")
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings()


def test_no_dotenv_file_means_defaults(clean_environment: Path) -> None:
    assert load_settings().port == 3000


def test_an_explicit_environ_ignores_dotenv(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("PORT=4000\n")
    assert load_settings(environ={}).port == 3000


def test_env_file_names_another_file(clean_environment: Path) -> None:
    other = clean_environment / "production.env"
    other.write_text("PORT=4100\n")
    assert load_settings(env_file=other).port == 4100

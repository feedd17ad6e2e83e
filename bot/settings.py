"""Every setting the bot reads, parsed and checked once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from dotenv import dotenv_values

from bot.webhooks import CrmCredentials
from models.assists import Kind
from models.periods import DIGEST_PERIODS

DEFAULT_DATABASE_URL = "sqlite:///everybody_sells.db"
DEFAULT_REACTION_KINDS = {"handshake": Kind.ASSIST}
# A Slack conversation ID: public channels start with C, older private channels with G.
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """The bot's configuration, from the environment and an optional `.env` file."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    database_url: str = DEFAULT_DATABASE_URL
    recognition_channel: str | None = None
    referrals_channel: str | None = None
    referral_sla_hours: int = 48
    sessions_channel: str | None = None
    session_cadence_days: int = 90
    sales_department: str = "Sales"
    digest_schedule: str = "0 9 * * mon"
    digest_period: str = "week"
    nudge_schedule: str = "0 15 * * thu"
    pulse_schedule: str = "0 11 * * tue"
    pulse_size: int = 3
    pulse_cooldown_weeks: int = 8
    prompt_schedule: str = "0 14 * * fri"
    prompt_size: int = 5
    prompt_cooldown_weeks: int = 6
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    admin_user_ids: frozenset[str] = frozenset()
    reaction_kinds: Mapping[str, Kind] = field(default_factory=lambda: dict(DEFAULT_REACTION_KINDS))
    daily_credit_limit: int = 10
    currency: str = "USD"
    crm_webhook_secret: str | None = None
    hubspot_client_secret: str | None = None
    crm_webhook_token: str | None = None
    public_url: str | None = None
    http_threads: int = 8
    socket_mode_http: bool = True
    worker_processes: int = 1
    claim_lease_seconds: int = 600
    run_lease_seconds: int = 1800
    sweep_seconds: int = 300
    inbox_hold_seconds: int = 300
    inbox_retry_seconds: float = 2.0
    inbox_give_up_hours: int = 24
    log_level: str = "INFO"

    @property
    def assist_emoji(self) -> str:
        """The reaction people are told about: the first that logs an assist, else the first."""
        assists = (emoji for emoji, kind in self.reaction_kinds.items() if kind == Kind.ASSIST)
        return next(assists, next(iter(self.reaction_kinds)))

    @property
    def referral_queue(self) -> str | None:
        """Where unassigned referrals wait to be claimed."""
        return self.referrals_channel or self.recognition_channel

    @property
    def session_channel(self) -> str | None:
        """Where sessions are announced unless the presenter picks another channel."""
        return self.sessions_channel or self.recognition_channel

    @property
    def claim_lease(self) -> timedelta:
        """How long a claim on one scheduled message holds before another sender may take it."""
        return timedelta(seconds=self.claim_lease_seconds)

    @property
    def run_lease(self) -> timedelta:
        """How long a claim on a digest, nudge or report run holds before a sweep takes it over."""
        return timedelta(seconds=self.run_lease_seconds)

    @property
    def crm_credentials(self) -> CrmCredentials:
        """How a CRM proves a deal-won report is real; none set: the webhook is off."""
        return CrmCredentials(
            self.crm_webhook_secret, self.hubspot_client_secret, self.crm_webhook_token
        )

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def require_slack(self, *, serving: bool = True) -> None:
        """Stop early, naming the first Slack setting this process cannot do without.

        Every process needs the bot token; one `serving` Slack's requests (`run`) also needs
        a well-formed app token in Socket Mode, or the signing secret in HTTP mode. The
        `scheduler` serves nothing, so it needs only the token.
        """
        if not self.bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
        if not self.bot_token.startswith("xox"):
            raise SettingsError("SLACK_BOT_TOKEN does not look like a Slack token (xoxb-...)")
        if not serving:
            return
        if self.app_token and not self.app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token (xapp-...)")
        if not self.socket_mode and not self.signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set "
                "(required in HTTP mode, i.e. without SLACK_APP_TOKEN)"
            )


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Read settings from `environ` (default: the process environment) over a `.env` file."""
    values: dict[str, str] = {}
    dotenv_path = env_file if env_file is not None else Path.cwd() / ".env"
    if environ is None and dotenv_path.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def text(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    api_url = text("SLACK_API_URL") or "https://slack.com/api/"
    if not api_url.startswith(("http://", "https://")):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    return Settings(
        bot_token=text("SLACK_BOT_TOKEN"),
        signing_secret=text("SLACK_SIGNING_SECRET"),
        app_token=text("SLACK_APP_TOKEN"),
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        port=_integer(text("PORT"), "PORT", 3000, low=1, high=65535),
        database_url=normalise_database_url(text("DATABASE_URL") or DEFAULT_DATABASE_URL),
        recognition_channel=_channel(text("RECOGNITION_CHANNEL"), "RECOGNITION_CHANNEL"),
        referrals_channel=_channel(text("REFERRALS_CHANNEL"), "REFERRALS_CHANNEL"),
        referral_sla_hours=_integer(
            text("REFERRAL_SLA_HOURS"), "REFERRAL_SLA_HOURS", 48, low=1, high=24 * 90
        ),
        sessions_channel=_channel(text("SESSIONS_CHANNEL"), "SESSIONS_CHANNEL"),
        session_cadence_days=_integer(
            text("SESSION_CADENCE_DAYS"), "SESSION_CADENCE_DAYS", 90, low=7, high=730
        ),
        sales_department=text("SALES_DEPARTMENT") or "Sales",
        digest_schedule=_cron(text("DIGEST_SCHEDULE") or "0 9 * * mon", "DIGEST_SCHEDULE"),
        digest_period=_digest_period(text("DIGEST_PERIOD") or "week"),
        nudge_schedule=_cron(text("NUDGE_SCHEDULE") or "0 15 * * thu", "NUDGE_SCHEDULE"),
        pulse_schedule=_cron(text("PULSE_SCHEDULE") or "0 11 * * tue", "PULSE_SCHEDULE"),
        pulse_size=_integer(text("PULSE_SIZE"), "PULSE_SIZE", 3, low=0, high=100),
        pulse_cooldown_weeks=_integer(
            text("PULSE_COOLDOWN_WEEKS"), "PULSE_COOLDOWN_WEEKS", 8, low=0, high=104
        ),
        prompt_schedule=_cron(text("PROMPT_SCHEDULE") or "0 14 * * fri", "PROMPT_SCHEDULE"),
        prompt_size=_integer(text("PROMPT_SIZE"), "PROMPT_SIZE", 5, low=0, high=1000),
        prompt_cooldown_weeks=_integer(
            text("PROMPT_COOLDOWN_WEEKS"), "PROMPT_COOLDOWN_WEEKS", 6, low=0, high=104
        ),
        timezone=_zone(text("TIMEZONE") or "UTC"),
        admin_user_ids=frozenset(_split(text("ADMIN_USER_IDS"))),
        reaction_kinds=_reaction_kinds(text("REACTION_KINDS")),
        daily_credit_limit=_integer(
            text("DAILY_CREDIT_LIMIT"), "DAILY_CREDIT_LIMIT", 10, low=1, high=1000
        ),
        currency=_currency(text("CURRENCY") or "USD"),
        crm_webhook_secret=text("CRM_WEBHOOK_SECRET"),
        hubspot_client_secret=text("HUBSPOT_CLIENT_SECRET"),
        crm_webhook_token=_token(text("CRM_WEBHOOK_TOKEN"), "CRM_WEBHOOK_TOKEN"),
        public_url=_public_url(text("PUBLIC_URL")),
        http_threads=_integer(text("HTTP_THREADS"), "HTTP_THREADS", 8, low=1, high=256),
        socket_mode_http=_switch(text("SOCKET_MODE_HTTP"), "SOCKET_MODE_HTTP", True),
        worker_processes=_integer(text("WORKER_PROCESSES"), "WORKER_PROCESSES", 1, low=1, high=64),
        claim_lease_seconds=_integer(
            text("CLAIM_LEASE_SECONDS"), "CLAIM_LEASE_SECONDS", 600, low=1, high=86400
        ),
        run_lease_seconds=_integer(
            text("RUN_LEASE_SECONDS"), "RUN_LEASE_SECONDS", 1800, low=1, high=86400
        ),
        sweep_seconds=_integer(text("SWEEP_SECONDS"), "SWEEP_SECONDS", 300, low=1, high=86400),
        inbox_hold_seconds=_integer(
            text("INBOX_HOLD_SECONDS"), "INBOX_HOLD_SECONDS", 300, low=5, high=86400
        ),
        inbox_retry_seconds=_integer(
            text("INBOX_RETRY_SECONDS"), "INBOX_RETRY_SECONDS", 2, low=1, high=3600
        ),
        inbox_give_up_hours=_integer(
            text("INBOX_GIVE_UP_HOURS"), "INBOX_GIVE_UP_HOURS", 24, low=1, high=24 * 14
        ),
        log_level=_log_level(text("LOG_LEVEL") or "INFO"),
    )


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` URLs hosting providers hand out; we ship psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite:", "postgresql+")):
        raise SettingsError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]!r}"
        )
    return url


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _integer(value: str | None, name: str, default: int, *, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _switch(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in {"on", "true", "yes", "1"}:
        return True
    if value.lower() in {"off", "false", "no", "0"}:
        return False
    raise SettingsError(f"{name} must be on or off, got {value!r}")


def _channel(value: str | None, name: str) -> str | None:
    """A channel setting must be the channel's ID: Slack's API takes IDs, not names."""
    if value is None or CHANNEL_ID.fullmatch(value):
        return value
    raise SettingsError(
        f"{name} must be a channel ID like C0123456789, got {value!r}; use the ID shown at"
        " the bottom of the channel's details (click the channel name), not the channel's name"
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"TIMEZONE {name!r} is not a known time zone (e.g. Europe/Berlin)"
        ) from None


def _cron(expression: str, name: str) -> str:
    """A five-field crontab expression (minute hour day month weekday), checked now."""
    try:
        CronTrigger.from_crontab(expression)
    except ValueError as problem:
        raise SettingsError(
            f"{name} must be a crontab expression like '0 9 * * mon', got {expression!r} ({problem})"
        ) from None
    return expression


def _digest_period(name: str) -> str:
    period = name.lower()
    if period not in DIGEST_PERIODS:
        raise SettingsError(f"DIGEST_PERIOD must be week or month, got {name!r}")
    return period


def _token(value: str | None, name: str) -> str | None:
    """A shared secret sent as is: long enough that guessing it is hopeless."""
    if value is not None and len(value) < 24:
        raise SettingsError(f"{name} must be at least 24 characters (a long random string)")
    return value


def _public_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise SettingsError(
            f"PUBLIC_URL must be an http(s) URL like https://bot.example.com, got {value!r}"
        )
    return value.rstrip("/") if value else None


def _currency(code: str) -> str:
    """An ISO 4217 code (EUR, USD, GBP…): deal values are shown and summed in it."""
    if not re.fullmatch(r"[A-Za-z]{3}", code):
        raise SettingsError(f"CURRENCY must be a three-letter ISO 4217 code like EUR, got {code!r}")
    return code.upper()


def _log_level(name: str) -> str:
    level = name.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {name!r}")
    return level


def _reaction_kinds(value: str | None) -> dict[str, Kind]:
    """Parse `handshake=assist,bulb=insight` into an emoji → kind map."""
    if value is None:
        return dict(DEFAULT_REACTION_KINDS)
    kinds: dict[str, Kind] = {}
    for pair in _split(value):
        emoji, _, kind = pair.partition("=")
        emoji = emoji.strip().strip(":")
        try:
            kinds[emoji] = Kind(kind.strip() or "assist")
        except ValueError:
            allowed = ", ".join(k.value for k in Kind)
            raise SettingsError(
                f"REACTION_KINDS: {kind.strip()!r} is not a kind (one of {allowed})"
            ) from None
        if not emoji:
            raise SettingsError(f"REACTION_KINDS: {pair!r} names no emoji")
    if not kinds:
        raise SettingsError("REACTION_KINDS is empty; use e.g. handshake=assist")
    return kinds

"""Shared by `digest`, `nudge` and `report`: the database, the Slack client and the workspace."""

from __future__ import annotations

from sqlalchemy import inspect, make_url, select

from bot.commands.export import missing_sqlite_file
from bot.settings import Settings, SettingsError
from bot.slack.client import build_client
from bot.workers import worker_name
from jobs.recognition import Recognition
from models.database import make_engine, make_session_factory, upgrade
from models.people import Person


class NoDataYet(Exception):
    """A preview of a database that holds nothing yet: the message says what to do first."""

    def __init__(self, database_url: str) -> None:
        shown = make_url(database_url).render_as_string(hide_password=True)
        super().__init__(
            f"no data yet in {shown}: start the bot with `everybody-sells run` and use it in "
            "Slack, or see a sample company with `everybody-sells demo`"
        )


def recognition(settings: Settings, *, needs_slack: bool) -> Recognition:
    """Everything a manual run needs. A preview works without Slack when the database
    holds exactly one workspace, and creates nothing when it holds none."""
    if not needs_slack:
        require_data(settings.database_url)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    if needs_slack or settings.bot_token:
        if not settings.bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is not set (needed to post to Slack)")
        client = build_client(settings)
        team_id = client.auth_test()["team_id"]
    else:
        client = build_client(settings)
        with sessions() as session:
            teams = list(session.scalars(select(Person.team_id).distinct()))
        if not teams:
            raise NoDataYet(settings.database_url)
        if len(teams) > 1:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set, and the database holds several workspaces "
                f"({len(teams)}); set it to preview the one the token belongs to"
            )
        team_id = teams[0]
    return Recognition(settings, sessions, client, team_id=team_id, worker=worker_name())


def require_data(database_url: str) -> None:
    """Raise NoDataYet for a SQLite file that does not exist or a database without the
    bot's tables, without creating either (opening a SQLite path creates the file)."""
    if missing_sqlite_file(database_url) is not None:
        raise NoDataYet(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(Person.__tablename__):
                raise NoDataYet(database_url)
    finally:
        engine.dispose()

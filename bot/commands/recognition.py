"""Shared by `digest` and `nudge`: the database, the Slack client and the workspace."""

from __future__ import annotations

from sqlalchemy import select

from bot.settings import Settings, SettingsError
from bot.slack_client import build_client
from jobs.recognition import Recognition
from jobs.scheduler import worker_name
from models.database import make_engine, make_session_factory, upgrade
from models.people import Person


def recognition(settings: Settings, *, needs_slack: bool) -> Recognition:
    """Everything a manual run needs. A preview works without Slack when the database
    holds exactly one workspace."""
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
        if len(teams) != 1:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set, and the database does not hold exactly one "
                f"workspace to preview ({len(teams)} found)"
            )
        team_id = teams[0]
    return Recognition(settings, sessions, client, team_id=team_id, worker=worker_name())

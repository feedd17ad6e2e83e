"""The shipped migrations build exactly the schema the models describe, both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import models.all_tables  # noqa: F401
from models.base import Base
from models.database import alembic_config, upgrade


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_downgrade_and_upgrade_again(engine):
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert {"assists", "credits", "referrals", "deliveries"} <= set(
        inspect(engine).get_table_names()
    )


def test_several_instances_starting_at_once_migrate_once(database_url, tmp_path):
    """Three `db upgrade` processes on one empty database (as several instances starting)."""
    import os
    import subprocess
    import sys

    from sqlalchemy import create_engine

    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("SLACK_BOT_TOKEN", None)
    command = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
    procs = [
        subprocess.Popen(
            command,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = create_engine(database_url)
    assert "credits" in inspect(engine).get_table_names()
    engine.dispose()

"""Engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine tuned for a threaded bot: WAL and a busy timeout on SQLite."""
    if url.startswith("sqlite"):
        # Every SQLite transaction takes the one write lock (BEGIN IMMEDIATE below), so a
        # process gains nothing from more connections; one, handed over by the pool in
        # arrival order, beats threads polling sqlite's busy handler for the lock.
        database = make_url(url).database
        one_connection = (
            {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
            if database and database != ":memory:"
            else {}
        )
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **one_connection
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # We emit BEGIN ourselves (below); pysqlite's own handling breaks savepoints.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            # instead of one failing with "database is locked" when its snapshot goes stale.
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 720_451_118  # any fixed number: the advisory lock instances share


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply pending migrations; safe to call at every start, from several instances at once
    (on PostgreSQL they queue on an advisory lock; SQLite serialises writers itself)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            lock.commit()


@cache
def head_revision() -> str | None:
    """The newest migration this code ships (read once: it cannot change while running)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_problem(engine: Engine) -> str | None:
    """Why the database is not ready for this code (unreachable, migrations pending), or None."""
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"the database does not answer ({reason[0] if reason else type(error).__name__})"
    head = head_revision()
    if current != head:
        return (
            f"migrations are pending (the database is at {current or 'none'}, the code at {head})"
        )
    return None

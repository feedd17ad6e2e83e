"""Alembic environment: the engine comes from the caller (`models.database.upgrade`)."""

from __future__ import annotations

from alembic import context

import models.all_tables  # noqa: F401  (registers every table on the metadata)
from models.base import Base

engine = context.config.attributes.get("engine")
if engine is None:
    raise RuntimeError("run migrations through `everybody-sells db upgrade`")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

"""Imports every table module so the metadata is complete (for Alembic and tests)."""

from models import assists, events, people  # noqa: F401

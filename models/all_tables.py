"""Imports every table module so the metadata is complete (for Alembic and tests)."""

from models import assists, deliveries, events, people, referrals  # noqa: F401

"""Imports every table module so the metadata is complete (for Alembic and tests)."""

from models import (  # noqa: F401
    assists,
    deals,
    deliveries,
    departments,
    events,
    inbox,
    knowledge_sessions,
    nudges,
    people,
    prompts,
    pulse,
    recognition_posts,
    referrals,
)

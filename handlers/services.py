"""What listeners share: settings, the database and the people directory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Directory
from bot.settings import Settings
from models.assists import GivingLimit


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    directory: Directory

    @property
    def giving_limit(self) -> GivingLimit:
        return GivingLimit(
            per_day=self.settings.daily_credit_limit, timezone=self.settings.timezone
        )

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admin_user_ids

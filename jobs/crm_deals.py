"""Every ten minutes: deals won in the CRM whose owner was not asked yet are asked, and
those pending for 3 days get one reminder, for 7 days one question to the owner's manager.
Each message is claimed once per deal, so several instances send it once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.flows.deals import follow_up
from bot.services import Services

logger = logging.getLogger(__name__)


def deal_job(services: Services) -> Callable[[], None]:
    def run() -> None:
        done = follow_up(services)
        if any(done.values()):
            logger.info("CRM deals: %s", ", ".join(f"{n} {what}" for what, n in done.items()))

    return run

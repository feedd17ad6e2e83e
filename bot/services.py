"""What listeners share: settings, the database and the people directory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.faults import is_transient
from bot.inbox import EventInbox
from bot.settings import Settings
from bot.slack.directory import Directory
from models.assists import GivingLimit

logger = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and it has been logged. Please try again."
# A fault of Slack or the database: nothing was recorded, and it should pass soon.
BUSY = (
    "Sorry, something went wrong and nothing was saved: a passing fault, which has been "
    "logged. Please try again in a minute."
)


# Someone waiting on an answer gets one within this long, or is told the bot is busy.
ANSWER_PATIENCE_SECONDS = 5.0
TOO_BUSY = (
    "I'm swamped right now and didn't get to that, so nothing changed. "
    "Please try again in a minute."
)


def run_now(work: Callable[[], None]) -> object:
    return work()


def never_busy() -> bool:
    return False


def apologise(respond: Callable[..., object], error: BaseException | None = None) -> None:
    """Tell the person, only them, that their request failed (the log has the details)."""
    text = BUSY if error is not None and is_transient(error) else SORRY
    try:
        respond(response_type="ephemeral", replace_original=False, text=text)
    except Exception:
        logger.exception("could not tell the user about the failure")


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    directory: Directory
    client: WebClient
    team_id: str  # the workspace the bot is installed in
    inbox: EventInbox
    # The bot's own user ID (auth.test `user_id`): never credited, its reactions credit nobody.
    bot_user_id: str = ""
    # Where work goes once its request is acked: the listener pool's background lane.
    defer: Callable[[Callable[[], None]], object] = run_now
    # True while memory holds all the acked work it may: events then wait in the inbox.
    overloaded: Callable[[], bool] = never_busy
    # True while an answer would come too late (the pool's answer lane is slow, or it is
    # overloaded): listeners then say they are busy, or queue the work in the inbox.
    busy: Callable[[], bool] = never_busy

    @property
    def giving_limit(self) -> GivingLimit:
        return GivingLimit(
            per_day=self.settings.daily_credit_limit, timezone=self.settings.timezone
        )

    def kept_private(self, client: WebClient, values: dict, channel_id: str | None) -> bool:
        """A form's "keep it private" box, ticked or implied. A form opened in a private
        conversation is private whatever the box says: a private channel's ID looks like a
        public one's, so the box can only be pre-ticked for DMs, and Slack is asked here."""
        if "private" in (values.get("privacy") or []):
            return True
        return bool(channel_id) and self.directory.is_private(client, channel_id)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admin_user_ids

    def after_ack(
        self,
        respond: Callable[..., object] | None,
        work: Callable[[], None],
        *,
        ack: Callable[..., object] | None = None,
    ) -> None:
        """Run `work` behind requests still waiting for their ack. Only for work that needs
        no trigger_id (those expire in 3 s). A failure is logged and the person told.

        `ack`: a slash command's, not yet called. It is called here, and carries the busy
        answer itself: no call to Slack when calls are slowest."""

        def run() -> None:
            try:
                work()
            except Exception as error:
                logger.exception("work after the ack failed")
                if respond is not None:
                    apologise(respond, error)

        if self.busy() and (respond is not None or ack is not None):
            # Saying so now beats an answer minutes late, or an ack Slack never sees.
            logger.warning("too busy to answer a request after its ack; told the person")
            if ack is not None:
                ack(response_type="ephemeral", text=TOO_BUSY)
                return
            try:
                respond(response_type="ephemeral", replace_original=False, text=TOO_BUSY)
            except Exception:
                logger.exception("could not tell the user the bot is busy")
            return
        if ack is not None:
            ack()
        self.defer(run)

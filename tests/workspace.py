"""The small workspace every test starts from."""

from __future__ import annotations

from tests.slack_standin import SlackStandIn

GINA = "UGINA00001"  # support engineer, usually the giver
ANA = "UANA000001"  # sales rep
BEN = "UBEN000001"  # engineer
BOT = "UBOTTY0001"
GONE = "UGONE00001"  # deactivated
GENERAL = "CGENERAL01"
RECOGNITION = "CRECOG0001"
SECRET = "CSECRET001"  # a private channel with a new-style C id


def populate(standin: SlackStandIn) -> None:
    standin.add_user(GINA, "Gina", "gina@example.com")
    standin.add_user(ANA, "Ana", "ana@example.com")
    standin.add_user(BEN, "Ben", "ben@example.com")
    standin.add_user(BOT, "Deploybot", is_bot=True)
    standin.add_user(GONE, "Gone", "gone@example.com", deleted=True)
    standin.add_channel(GENERAL, "general")
    standin.add_channel(RECOGNITION, "everybody-sells")
    standin.add_channel(SECRET, "deal-room", private=True)

"""The digest's builders: a week in figures and stories, and a quiet week, as Slack takes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks.digest import digest_blocks, digest_label, quiet_blocks, quiet_tip
from models.digest import Contributor, Digest, Story
from tests.slack_limits import assert_message_ok

END = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
START = END - timedelta(days=7)


def story(n: int, private: bool = False) -> Story:
    return Story(
        "assist",
        f"UGIVER{n:04d}",
        (f"UHELP{n:05d}",),
        f"Customer {n}",
        f"tuned the demo for the {n}th time & it worked <!here>",
        private,
        None,
    )


def a_week() -> Digest:
    return Digest(
        START,
        END,
        assists=120,
        credits=125,
        people_credited=95,
        departments_contributing=tuple(f"Dept {n}" for n in range(30)),
        departments_total=40,
        credits_by_stage={"pre-sale": 20, "sale": 30, "post-sale": 50, "resale": 10, "unset": 15},
        top=tuple(Contributor(f"UTOP{n:06d}", f"Dept {n}", 20 - n) for n in range(10)),
        stories=tuple(story(n, private=n == 3) for n in range(8)),
        first_timers=tuple(f"UNEW{n:06d}" for n in range(12)),
        referrals_won=(("UREF000001", "Globex", "UREP000001"),),
        sessions_held=(("How we build billing", "Engineering", 14),),
        sessions_upcoming=(("How I sell SSO", "Sales", END + timedelta(days=2)),),
        lessons=(story(99),),
        learned=(("ULEARN0001", "why SSO matters"),),
        passions=(("UPASS00001", "their faces when it works"),),
    )


def test_a_busy_week_in_figures_and_stories():
    text, blocks = message = digest_blocks(a_week(), digest_label(a_week(), ZoneInfo("UTC")))
    assert_message_ok(message)
    assert text == "Everybody sells, 23 Nov – 30 Nov 2026: 120 assists, 125 credits to 95 people"
    posted = str(blocks)
    assert "Customer 0" in posted and "in a private conversation" in posted
    assert "<!here>" not in posted and "&amp;" in posted


def test_a_quiet_week_suggests_one_thing_to_do():
    quiet = Digest(START, END, sessions_upcoming=(("Demo day", "Sales", END + timedelta(days=1)),))
    tip = quiet_tip(["Finance"], reaction="handshake")
    text, blocks = message = quiet_blocks(quiet, "23 Nov – 30 Nov 2026", tip)
    assert_message_ok(message)
    assert "a quiet week" in text and "*Finance*" in blocks[1]["text"]["text"]
    assert digest_blocks(quiet, "23 Nov – 30 Nov 2026", tip) == (text, blocks)
    assert quiet_tip([]) is None

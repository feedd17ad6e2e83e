"""Block Kit rendered as terminal text: what `demo` and `digest --preview` users read."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bot.blocks.assists import assist_confirmation, assist_modal, win_celebration
from bot.blocks.sells import help_message, leaderboard_message, stats_message
from bot.render import mentioned_user_ids, render_blocks, render_mrkdwn
from models.assists import AssistInfo
from models.stats import LeaderRow, PersonalStats, Window

NAMES = {"UANA000001": "Ana Silva", "UBEN000001": "Ben Okafor"}
NOVEMBER = Window(
    datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC), "November 2026"
)


def info(**fields) -> AssistInfo:
    """An assist as builders take it: plain data, the unset fields empty."""
    empty = dict.fromkeys(("stage", "customer", "crm_url", "deal_value", "channel_id", "permalink"))
    return AssistInfo(**{**empty, "source": "modal", **fields})


def test_mentions_read_as_names_with_label_and_id_fallbacks():
    text = "<@UANA000001> thanks <@UBEN000001|ben>, <@UZED000009|zed> and <@UNOBODY01>"
    assert render_mrkdwn(text, NAMES) == "@Ana Silva thanks @Ben Okafor, @zed and @UNOBODY01"


def test_channels_links_and_broadcasts_are_readable():
    text = (
        "see <#C123|deals> and <#C999>, the <https://crm.example.com/a/1|Acme deal>, "
        "<https://example.com/plain>, <mailto:ana@example.com|ana@example.com>, "
        "<!here>, <!subteam^S0614TZR7|@sales-team> on <!date^1392734382^{date}|Feb 18>"
    )
    assert render_mrkdwn(text) == (
        "see #deals and #C999, the Acme deal (https://crm.example.com/a/1), "
        "https://example.com/plain, ana@example.com, @here, @sales-team on Feb 18"
    )


def test_escaped_text_is_shown_as_typed_and_never_turned_into_markup():
    text = "fixed the &lt;select&gt; bug for R&amp;D, not &lt;@UANA000001&gt;"
    assert render_mrkdwn(text, NAMES) == "fixed the <select> bug for R&D, not <@UANA000001>"


def test_emphasis_markers_are_stripped_but_words_codes_and_emoji_kept():
    text = "*Received* _none yet_ ~old~ :first_place_medal: snake_case_name `*literal*` 2*3*4"
    assert render_mrkdwn(text) == (
        "Received none yet old :first_place_medal: snake_case_name `*literal*` 2*3*4"
    )


def test_bold_around_a_mention_keeps_the_name():
    assert render_mrkdwn("*Thanks <@UANA000001>!*", NAMES) == "Thanks @Ana Silva!"


def test_stats_show_received_and_given_side_by_side_then_breakdowns():
    stats = PersonalStats(
        "UANA000001",
        NOVEMBER,
        given_by_kind=Counter({"assist": 2}),
        given_by_stage=Counter({"pre-sale": 2}),
        received_by_kind=Counter({"service": 5, "insight": 2}),
        received_by_stage=Counter({"post-sale": 5, "unset": 2}),
    )
    lines = render_blocks(stats_message(stats)[1]).splitlines()
    assert lines[:2] == ["Your record, November 2026", "=" * len("Your record, November 2026")]
    header = next(i for i, line in enumerate(lines) if line.startswith("Received "))
    assert lines[header].split() == ["Received", "Given"]
    assert lines[header + 1].split() == ["7", "credits", "2", "credits"]
    assert ":hammer_and_wrench: Service 5, :bulb: Insight 2" in lines
    assert "Post-sale 5 · stage not set 2" in lines
    assert "*" not in "\n".join(lines)


def test_leaderboard_lists_people_by_name_in_order():
    rows = [
        LeaderRow(1, "UANA000001", "Ana Silva", "Support", 12, 5),
        LeaderRow(2, "UBEN000001", "Ben Okafor", "Engineering", 3, 1),
    ]
    text = render_blocks(leaderboard_message(rows, NOVEMBER, None)[1], NAMES)
    assert ":first_place_medal: @Ana Silva: credited by 5 people (12 credits) · Support" in text
    assert (
        ":second_place_medal: @Ben Okafor: credited by 1 person (3 credits) · Engineering" in text
    )
    assert text.index("Ana Silva") < text.index("Ben Okafor")
    assert "<@" not in text


def test_confirmation_shows_the_users_own_text_and_a_button():
    assist = info(
        id=7,
        giver_id="UBEN000001",
        kind="insight",
        stage="pre-sale",
        customer="R&D <Labs>",
        description="found the <select> gap & fixed it",
        is_private=False,
        credited=("UANA000001",),
    )
    _, blocks = assist_confirmation(assist, [], offer_details=True)
    text = render_blocks(blocks, NAMES)
    said = "You credited @Ana Silva for “found the <select> gap & fixed it”"
    assert said in " ".join(text.split())
    assert ":bulb: Insight · Pre-sale · R&D <Labs>" in text
    assert text.endswith("[Add details]")


def test_win_post_has_an_underlined_header_and_side_by_side_fields():
    assist = info(
        id=8,
        giver_id="UBEN000001",
        kind="win",
        stage="sale",
        customer="Acme",
        description="*Six months* of work",
        deal_value=120000,
        is_private=False,
        credited=("UANA000001",),
    )
    _, blocks = win_celebration(assist)
    lines = render_blocks(blocks, NAMES).splitlines()
    assert lines[0] == "🏆 We won Acme!"
    assert set(lines[1]) == {"="}
    assert "Six months of work" in lines
    assert lines[lines.index("Six months of work") + 2].split() == ["Stage", "Deal", "value"]
    assert "Thanks to @Ana Silva · logged by @Ben Okafor" in lines


def test_divider_image_and_actions():
    blocks = [
        {"type": "section", "text": {"type": "plain_text", "text": "Weekly digest"}},
        {"type": "divider"},
        {"type": "image", "image_url": "https://x/chart.png", "alt_text": "credits per week"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://x/a.png", "alt_text": "Ana"},
                {"type": "mrkdwn", "text": "logged by <@UANA000001>"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Accept"}, "value": "1"},
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Not a fit"},
                    "value": "2",
                },
            ],
        },
    ]
    assert render_blocks(blocks, NAMES, width=40).split("\n\n") == [
        "Weekly digest",
        "-" * 40,
        "[image: credits per week]",
        "[image: Ana]  logged by @Ana Silva",
        "[Accept] [Not a fit]",
    ]


def test_long_lines_wrap_to_the_width_with_bullets_hanging():
    text = render_blocks(help_message()[1], width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    bullet = next(i for i, line in enumerate(text.splitlines()) if "leaderboard [week" in line)
    assert (
        text.splitlines()[bullet + 1].startswith("  ") and "most" in text.splitlines()[bullet + 1]
    )


def test_rich_text_and_mentioned_ids():
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Thanks "},
                        {"type": "user", "user_id": "UBEN000001"},
                        {"type": "text", "text": " for the "},
                        {"type": "link", "url": "https://x/doc", "text": "doc"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}
                    ],
                },
            ],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "and <@UANA000001|ana>"}},
    ]
    assert (
        render_blocks(blocks, NAMES)
        == "Thanks @Ben Okafor for the doc (https://x/doc)\n• one\n\nand @Ana Silva"
    )
    assert mentioned_user_ids(blocks) == {"UANA000001", "UBEN000001"}


def test_a_modal_reads_as_a_form():
    lines = render_blocks(assist_modal("C1", ["UANA000001"])["blocks"]).split("\n\n")
    assert lines[:2] == ["Who helped?: [Choose people ▾]", "What kind of help: [Assist ▾]"]
    assert "Privacy: [ ] Keep the details out of public posts" in lines

"""Re-posted user text never pings a crowd and never breaks the markup."""

from __future__ import annotations

from bot.blocks.text import neutralise_broadcasts, safe_mrkdwn


def test_broadcasts_become_plain_words():
    text = neutralise_broadcasts(
        "<!channel> <!here> <!here|here> <!everyone> <!subteam^S123|@sales>"
    )
    assert "<!" not in text
    assert text.count("@\u200b") == 5


def test_user_mentions_channels_and_links_are_kept_but_stray_markup_escaped():
    text = safe_mrkdwn("thanks <@U123|ana> in <#C123|deals>, see <https://x.test/a> & a<b>c")
    assert "<@U123|ana>" in text and "<#C123|deals>" in text and "<https://x.test/a>" in text
    assert "&amp; a&lt;b&gt;c" in text


def test_a_raw_special_token_typed_in_a_modal_is_defused():
    assert "<!channel>" not in safe_mrkdwn("<!channel> look")

"""No text a person typed can ping a crowd: @here, @channel, @everyone and user-group
mentions never reach a post or an update live, in its blocks or in its notification text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.recognition import Recognition, run_digest
from models.assists import Assist, AssistDraft, Kind, record_assist
from models.base import utcnow
from models.knowledge_sessions import KnowledgeSession
from models.people import PersonInfo
from models.referrals import Referral
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID
from tests.test_referrals import form as referral_form
from tests.test_sessions import form as session_form
from tests.test_win import win_values
from tests.workspace import ANA, BEN, GENERAL, GINA, RECOGNITION

PINGS = "<!here> <!channel|channel> <!everyone> <!subteam^S0ENG123|@engineering>"
LIVE = ("<!here", "<!channel", "<!everyone", "<!subteam")
QUEUE = "CQUEUE0001"


@pytest.fixture
def slack(make_app, standin, listeners) -> SlackRequests:
    standin.add_channel(QUEUE, "referrals")
    app = make_app(
        referrals_channel=QUEUE, sessions_channel=GENERAL, admin_user_ids=frozenset({GINA})
    )
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


def live_pings(standin) -> list[str]:
    """Every post or update that would ping a crowd, as JSON."""
    sent = standin.calls("chat.postMessage") + standin.calls("chat.update")
    assert sent, "nothing was posted"
    dumps = [json.dumps({k: c.args.get(k) for k in ("text", "blocks")}) for c in sent]
    return [d for d in dumps if any(token in d for token in LIVE)]


def with_pings(values: dict, *fields: str) -> dict:
    return {
        **values,
        **{name: {"type": "plain_text_input", "value": f"{PINGS} {name}"} for name in fields},
    }


def test_a_win_post_pings_nobody(slack, standin):
    slack.view_submission("win_modal", with_pings(win_values(), "customer", "description"))
    slack.settle()
    assert [c for c in standin.delivered(RECOGNITION)], "the win was not posted"
    assert live_pings(standin) == []


def test_referral_cards_and_outcomes_ping_nobody(slack, standin, sessions):
    values = with_pings(referral_form(owner=None), "customer", "context", "contact")
    slack.view_submission("referral_modal", values, private_metadata='{"channel_id": "CGENERAL01"}')
    slack.settle()
    with sessions() as session:
        referral = session.scalars(select(Referral)).one()
    slack.block_action("referral_claim", str(referral.id), user=ANA)
    slack.settle()
    slack.view_submission(
        "referral_reason",
        {"reason": {"type": "plain_text_input", "value": f"{PINGS} no budget"}},
        user=ANA,
        private_metadata=json.dumps({"id": referral.id, "state": "lost"}),
    )
    slack.settle()
    assert standin.delivered(QUEUE), "the queue card was not posted"
    assert standin.calls("chat.update"), "the cards were not updated"
    assert live_pings(standin) == []


def test_session_announcements_and_their_updates_ping_nobody(slack, standin, sessions):
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    values = with_pings(session_form(start), "title", "department")
    slack.view_submission("session_modal", values, user=BEN)
    slack.settle()
    with sessions() as session:
        talk = session.scalars(select(KnowledgeSession)).one()
    slack.block_action("session_cancel", str(talk.id), user=GINA)
    slack.settle()
    assert standin.delivered(GENERAL) and standin.calls("chat.update")
    assert live_pings(standin) == []


def test_the_digest_pings_nobody_even_with_text_stored_before_cleaning(settings, sessions, standin):
    """Rows written by an older version, or straight into the database, are quoted safely."""
    now = utcnow()
    with sessions.begin() as session:
        outcome = record_assist(
            session,
            AssistDraft(
                TEAM_ID,
                GINA,
                [ANA, BEN],
                kind=Kind.WIN,
                customer=f"{PINGS} Corp",
                description=f"{PINGS} closed it",
            ),
            {ANA: PersonInfo(ANA, "Ana"), BEN: PersonInfo(BEN, "Ben")},
            limit=None,
            now=now - timedelta(days=1),
        )
        assert session.get(Assist, outcome.assist.id).customer.startswith("<!here>")
    from bot.slack.client import build_client

    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")
    assert run_digest(job, now).posted
    assert live_pings(standin) == []

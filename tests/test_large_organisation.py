"""Every surface at the largest size the bot promises: 10,000 people, 200 departments, 300
helpers on one win, 200 reports under one manager, 5,000 credits for one person.

The Slack stand-in refuses, as Slack does, any message or view over Slack's limits, and
the test fails on any such refusal; so driving each surface once is the check. The
largest payload of each kind is printed (pytest -s) for the record.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import timedelta

import pytest

from bot.flows.welcomes import send_welcomes
from bot.slack.client import build_client
from jobs.culture_report import run_report
from jobs.recognition import Recognition, run_digest, run_nudges
from models.base import utcnow
from tests.conftest import SIGNING_SECRET
from tests.large_org import ADMIN, BOSS, DEPARTMENTS, REP, STAR, build_large_org
from tests.slack_requests import SlackRequests
from tests.slack_standin import TEAM_ID
from tests.workspace import GENERAL, GINA, RECOGNITION

QUEUE = "CQUEUE0001"


@pytest.fixture
def big(sessions):
    return build_large_org(sessions, TEAM_ID, utcnow())


@pytest.fixture
def slack(make_app, standin, listeners) -> SlackRequests:
    standin.add_channel(QUEUE, "referrals")
    app = make_app(
        admin_user_ids=frozenset({ADMIN}),
        referrals_channel=QUEUE,
        sessions_channel=GENERAL,
        currency="EUR",
    )
    return SlackRequests(app, standin, SIGNING_SECRET, listeners.settle)


def payload_sizes(standin) -> dict[str, tuple[int, int]]:
    """The largest payload per method: (blocks, characters of text and blocks as JSON)."""
    largest: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for call in standin.state.calls:
        blocks = call.args.get("blocks") or (call.args.get("view") or {}).get("blocks") or []
        size = len(call.args.get("text") or "") + len(json.dumps(blocks))
        if size > largest[call.method][1]:
            largest[call.method] = (len(blocks), size)
    return dict(largest)


def test_every_surface_fits_slacks_limits_at_the_largest_size(
    big, slack, standin, settings, sessions, listeners
):
    started = time.monotonic()
    helpers = big.people[1000:1300]
    slack.view_submission(
        "win_modal",
        {
            "customer": {"type": "plain_text_input", "value": "A" * 150},
            "deal_value": {"type": "number_input", "value": "1250000"},
            "stage": {"type": "static_select", "selected_option": {"value": "sale"}},
            "recipients": {"type": "multi_users_select", "selected_users": helpers},
            "description": {"type": "plain_text_input", "value": "We won it together. " * 75},
        },
        user=GINA,
        private_metadata=json.dumps({"channel_id": GENERAL}),
    )
    listeners.settle(timeout=300)
    assert len(standin.delivered(RECOGNITION)) == 1, "the win was not posted"

    for user, text in (
        (STAR, "stats"),
        (STAR, "leaderboard quarter"),
        (STAR, "leaderboard credits quarter"),
        (STAR, "leaderboard departments quarter"),
        (STAR, f"leaderboard month {DEPARTMENTS[7]}"),
        (STAR, "leaderboard month Regional Customer Succes Operations 07"),
        (STAR, "dept"),
        (ADMIN, "sessions"),
        (REP, "referrals"),
        (STAR, "nonsense"),
    ):
        slack.command("/sells", text, user=user)
    slack.command("/session", "", user=STAR)
    slack.command("/session", "list", user=STAR)
    for user in (STAR, BOSS, ADMIN, REP):
        slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"})
    slack.reaction(True, user=GINA, author=STAR, ts="1700000009.000100")
    listeners.settle(timeout=300)

    job = Recognition(settings, sessions, build_client(settings), team_id=TEAM_ID, worker="test")
    assert run_digest(job, utcnow()).posted
    nudged = run_nudges(job, utcnow() + timedelta(minutes=1))
    assert BOSS in nudged.recipients
    assert run_report(job, utcnow(), force=True).posted
    comment = standin.calls("files.completeUploadExternal")[-1].args["initial_comment"]
    assert len(comment) < 4000 and "the 15 largest are shown" in comment
    assert send_welcomes(sessions, build_client(settings), TEAM_ID, [GINA], settings=settings)
    standin.quiet()

    assert standin.state.invalid == []
    sizes = payload_sizes(standin)
    print(f"\nlarge organisation: {time.monotonic() - started:.1f} s")
    for method, (blocks, characters) in sorted(sizes.items()):
        print(f"{method:24} {blocks:3} blocks {characters:7,} characters")
    assert sizes["chat.postMessage"][0] <= 50 and sizes["views.publish"][0] <= 100

"""What starting the bot loads: matplotlib (half a second, ~50 MB) only when a chart is drawn."""

from __future__ import annotations

import subprocess
import sys

from tests.slack_standin import SlackStandIn

BUILD_THE_APP = """
import sys
from bot.runner import build
from bot.settings import Settings

bot = build(Settings(
    bot_token="xoxb-startup", signing_secret="secret", slack_api_url=sys.argv[1],
    database_url=sys.argv[2],
))
print(sorted(name for name in sys.modules if name.partition(".")[0] == "matplotlib"))
"""

DRAW_A_CHART = """
import sys
from datetime import UTC, datetime
from bot.report import render_chart
from models.culture import CultureReport, culture_report
from models.database import make_engine, make_session_factory, upgrade

engine = make_engine(sys.argv[2])
upgrade(engine)
with make_session_factory(engine)() as session:
    report = culture_report(session, "T0", datetime.now(UTC), UTC)
render_chart(report)
print("matplotlib" in sys.modules)
"""


def python(code: str, *args: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip()


def test_importing_and_building_the_app_does_not_load_matplotlib(
    standin: SlackStandIn, database_url
):
    assert python(BUILD_THE_APP, standin.api_url, database_url) == "[]"


def test_drawing_a_chart_loads_it(database_url):
    assert python(DRAW_A_CHART, "unused", database_url) == "True"

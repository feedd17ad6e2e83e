"""`everybody-sells demo`: a sample company in a local database, and what the bot would show.

Needs no Slack workspace, tokens or network. By default it writes a fresh SQLite file
in the working directory and never touches the bot's own DATABASE_URL; with
`--database-url` it refuses any database that holds another workspace's data and
replaces only the demo workspace's rows.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.deals import deal_request
from bot.blocks.kit import mrkdwn_section
from bot.blocks.nudges import nudge_blocks, week_label
from bot.blocks.sells import help_message, leaderboard_message, stats_message
from bot.blocks.text import money, plural, stage_label
from bot.commands.demo_participation import fair_boards, participation_text
from bot.commands.sample_company import (
    DEMO_TEAM_ID,
    MIN_PEOPLE,
    DepartmentLoop,
    SampleSize,
    build_sample_company,
    clear_team,
    credits_by_department,
    sample_size,
    tables_with_other_teams,
)
from bot.commands.sample_deals import build_sample_deals
from bot.render import mentioned_user_ids, render_blocks, render_mrkdwn
from bot.settings import Settings, normalise_database_url
from jobs.recognition import digest_post, manager_nudges
from models.assists import Stage
from models.base import utcnow
from models.database import make_engine, make_session_factory, upgrade
from models.deals import (
    CrmDeal,
    DealStatus,
    DepartmentRevenue,
    WonTotal,
    deal_info,
    department_revenue,
    help_chain,
    won_totals,
)
from models.people import Person, people_by_id
from models.periods import iso_week
from models.stats import Window, leaderboard, period_window, personal_stats

DEMO_FILE = "everybody_sells_demo.db"
WIDTH = 80
# Runs bigger than this (people × weeks) report progress on stderr.
QUIET_BELOW = 20_000
# The department whose leaderboard the demo shows, and where it looks for a sample person.
SHOWCASE_DEPARTMENT = "Support"
SAMPLE_PERSON_DEPARTMENTS = ("Engineering", "Support", "Customer Success", "Product")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="build a sample company in a local database and show what the bot would post",
        description="Build a sample company (no Slack workspace needed) and print what "
        "/sells help, stats and the leaderboards would answer, the weekly digest and a "
        "manager's nudge the scheduler would post, a deal won in the CRM as its owner is asked "
        "who helped, and the quarter's revenue per department.",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"where to build it (default: a fresh SQLite file {DEMO_FILE} in this directory; "
        "a database holding another workspace's data is refused)",
    )
    parser.add_argument(
        "--people",
        type=_whole(MIN_PEOPLE, 1_000_000),
        default=40,
        metavar="N",
        help=f"how many people the company has (default 40, at least {MIN_PEOPLE}: one per "
        "department)",
    )
    parser.add_argument(
        "--weeks",
        type=_whole(1, 520),
        default=6,
        metavar="N",
        help="how many weeks of assists to make up, up to today (default 6, at most 520)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, metavar="N", help="same seed, same company (default 1)"
    )


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return number

    return parse


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the company, then print the intro, `/sells` answers, posts and the loop table."""
    url, where = _target(args.database_url)
    engine = make_engine(url)
    try:
        others = tables_with_other_teams(engine)
        if others:
            print(
                f"everybody-sells demo: {where} already holds another workspace's data "
                f"(in {', '.join(others)}); the demo only builds in a database of its own. "
                "Leave out --database-url to use a local file.",
                file=sys.stderr,
            )
            return 1
        report = _Progress(args.people * args.weeks >= QUIET_BELOW)
        report.say(f"Building a sample company of {args.people:,} people in {where} ...")
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            clear_team(session)
            session.commit()
            build_sample_company(
                session,
                people=args.people,
                weeks=args.weeks,
                seed=args.seed,
                per_day_limit=settings.daily_credit_limit,
                tz=settings.timezone,
                progress=report.days,
            )
            build_sample_deals(
                session,
                weeks=args.weeks,
                seed=args.seed,
                currency=settings.currency,
                tz=settings.timezone,
            )
            report.done()
            print(show(session, settings, args.weeks, where))
    finally:
        engine.dispose()
    return 0


def target_url(database_url: str | None) -> str:
    """The URL the demo builds in: the one given, else its own file in this directory."""
    if database_url:
        return normalise_database_url(database_url)
    return f"sqlite:///{Path.cwd() / DEMO_FILE}"


def _target(database_url: str | None) -> tuple[str, str]:
    """The URL to build in and how to name it to the user; the default file starts fresh."""
    if database_url:
        return target_url(database_url), "the given database"
    path = Path.cwd() / DEMO_FILE
    for leftover in (path, *(Path(f"{path}{end}") for end in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)
    return target_url(None), DEMO_FILE


class _Progress:
    """Progress lines on stderr for big runs, so a long build is visibly alive."""

    def __init__(self, enabled: bool) -> None:
        self.enabled, self.started, self.last_tenth = enabled, time.monotonic(), 0

    def say(self, line: str) -> None:
        if self.enabled:
            print(line, file=sys.stderr, flush=True)

    def days(self, done: int, total: int, credits: int) -> None:
        tenth = done * 10 // total
        if tenth > self.last_tenth:
            self.last_tenth = tenth
            self.say(f"  {tenth * 10:3d}%  day {done:,} of {total:,}: {credits:,} credits")

    def done(self) -> None:
        self.say(f"Built in {time.monotonic() - self.started:.0f} s; reading the figures ...")


def show(session: Session, settings: Settings, weeks: int, where: str) -> str:
    """Everything the demo prints, as one text."""
    now, tz = utcnow(), settings.timezone
    size = sample_size(session, DEMO_TEAM_ID)
    month = period_window("month", now, tz)
    quarter = period_window("quarter", now, tz)
    person = _sample_person(session, month)
    stats = personal_stats(session, DEMO_TEAM_ID, person.user_id, month)
    answers = [
        ("/sells help", "", help_message(reaction=settings.assist_emoji)[1]),
        ("/sells stats", f"as {person.name}, {person.department}", stats_message(stats)[1]),
        (
            "/sells leaderboard month",
            "",
            leaderboard_message(leaderboard(session, DEMO_TEAM_ID, month), month, None)[1],
        ),
        (
            f"/sells leaderboard quarter {SHOWCASE_DEPARTMENT}",
            "",
            leaderboard_message(
                leaderboard(session, DEMO_TEAM_ID, quarter, SHOWCASE_DEPARTMENT),
                quarter,
                SHOWCASE_DEPARTMENT,
            )[1],
        ),
        *fair_boards(session, month),
    ]
    posts = _posts(session, settings, now) + _deal_awaiting(session, now)
    headings = [[mrkdwn_section(where_to)] for where_to, _, _ in posts]
    names = _names(session, [blocks for _, _, blocks in (*answers, *posts)] + headings)
    parts = [_intro(size, weeks, where)]
    parts += [_answer(command, note, blocks, names) for command, note, blocks in answers]
    parts += [_post(where_to, note, blocks, names) for where_to, note, blocks in posts]
    parts.append(participation_text(session, settings, now, weeks))
    parts.append(loop_table(credits_by_department(session, DEMO_TEAM_ID), weeks))
    parts.append(
        revenue_table(
            department_revenue(session, DEMO_TEAM_ID, quarter.start, quarter.end),
            won_totals(session, DEMO_TEAM_ID, quarter.start, quarter.end),
            quarter.label,
        )
    )
    parts.append(_outro(where))
    return "\n\n\n".join(parts)


def _intro(size: SampleSize, weeks: int, where: str) -> str:
    text = (
        f"A sample company of {size.people:,} people in {size.departments} departments, "
        f"{weeks} weeks of assists: {size.credits:,} credits from {size.assists:,} assists"
    )
    if size.revoked_credits:
        text += f" ({size.revoked_credits:,} more credits were revoked and count nowhere)"
    text += ". Here is what people would see in Slack."
    title = "Everybody Sells demo (no Slack workspace needed)"
    return f"{title}\n{'=' * len(title)}\n\n" + textwrap.fill(text, WIDTH)


def _answer(command: str, note: str, blocks: list[dict], names: dict[str, str]) -> str:
    """One slash command and the bot's answer, indented under it."""
    typed = f"$ {command}" + (f"   ({note})" if note else "")
    return f"{typed}\n\n" + textwrap.indent(render_blocks(blocks, names, WIDTH - 2), "  ")


def _posts(session: Session, settings: Settings, now: datetime) -> list[tuple[str, str, list]]:
    """What the scheduled jobs would post now: the digest and one manager's nudge."""
    _, _, digest = digest_post(session, DEMO_TEAM_ID, settings, now)
    posts = [("the recognition channel", f"the {settings.digest_period}ly digest", digest)]
    nudges = manager_nudges(session, DEMO_TEAM_ID, settings, now)
    # The fullest one shows the most; empty ones are never sent.
    fullest = max((n for n in nudges if not n.empty), key=lambda n: n.credit_count, default=None)
    if fullest is not None:
        week = week_label(iso_week(now, settings.timezone))
        _, nudge_post = nudge_blocks(fullest, week, now)
        posts.append((f"a DM to <@{fullest.manager_id}>", "a manager's weekly nudge", nudge_post))
    return posts


def _deal_awaiting(session: Session, now: datetime) -> list[tuple[str, str, list]]:
    """The newest deal from the CRM still waiting for its owner, as the owner's DM shows it."""
    deal = session.scalars(
        select(CrmDeal)
        .where(
            CrmDeal.team_id == DEMO_TEAM_ID,
            CrmDeal.status == DealStatus.PENDING.value,
            CrmDeal.owner_id.is_not(None),
        )
        .order_by(CrmDeal.received_at.desc(), CrmDeal.id.desc())
        .limit(1)
    ).first()
    if deal is None:
        return []
    owner = deal.owner_id or ""
    chain = help_chain(session, DEMO_TEAM_ID, deal.customer, deal.url, now, exclude=[owner])
    _, blocks = deal_request(deal_info(deal), chain)
    note = "a deal won in the CRM, to confirm who helped"
    return [(f"a DM to <@{owner}>", note, blocks)]


def _post(where_to: str, note: str, blocks: list[dict], names: dict[str, str]) -> str:
    """A message a scheduled job would post, indented under where it goes."""
    heading = render_mrkdwn(f"In {where_to}: {note}", names)
    return f"{heading}\n\n" + textwrap.indent(render_blocks(blocks, names, WIDTH - 2), "  ")


def _names(session: Session, messages: Sequence[list[dict]]) -> dict[str, str]:
    """Display names of everyone mentioned, so mentions read as names."""
    ids = set().union(*(mentioned_user_ids(blocks) for blocks in messages))
    return {user_id: p.name for user_id, p in people_by_id(session, DEMO_TEAM_ID, ids).items()}


def _sample_person(session: Session, window: Window) -> Person:
    """Someone outside sales who both gave and received this month, if anyone did."""
    candidates: list[str] = []
    for department in SAMPLE_PERSON_DEPARTMENTS:
        candidates += [r.user_id for r in leaderboard(session, DEMO_TEAM_ID, window, department, 5)]
    for user_id in candidates:
        if personal_stats(session, DEMO_TEAM_ID, user_id, window).given:
            break
    else:
        user_id = candidates[0] if candidates else ""
    person = people_by_id(session, DEMO_TEAM_ID, [user_id]).get(user_id)
    if person is not None:
        return person
    return session.scalars(
        select(Person)
        .where(Person.team_id == DEMO_TEAM_ID, Person.department != "Sales")
        .order_by(Person.name)
        .limit(1)
    ).one()


def loop_table(rows: Sequence[DepartmentLoop], weeks: int) -> str:
    """Credits received per department, and how they spread over the stages of the loop."""
    stages = [s.value for s in Stage]
    header = ["Department", "People", "Credited", "Credits", *(stage_label(s) for s in stages)]
    total = DepartmentLoop("All", 0, 0, Counter())
    lines = []
    for row in [*rows, None]:
        if row is None:
            row = total
        else:
            total = DepartmentLoop(
                "All",
                total.people + row.people,
                total.credited_people + row.credited_people,
                total.by_stage + row.by_stage,
            )
        lines.append(
            [
                row.department or "(none)",
                f"{row.people:,}",
                _percent(row.credited_people, row.people),
                f"{row.credits:,}",
                *(_percent(row.by_stage[s], row.credits) for s in stages),
            ]
        )
    title = (
        f"Credits received per department over the {weeks} weeks, and how they spread over "
        "the stages of the sales loop (the rest had no stage set). Credited: the share of "
        "the department's people credited at least once."
    )
    by_stage = " · ".join(
        f"{stage_label(s)} {total.by_stage[s]:,}" for s in stages if total.by_stage[s]
    )
    unset = total.by_stage["unset"]
    footer = f"By stage: {by_stage}" + (f" · no stage set {unset:,}" if unset else "")
    return "\n".join(
        [textwrap.fill(title, WIDTH), "", _table(header, lines), "", textwrap.fill(footer, WIDTH)]
    )


REVENUE_ROWS = 15  # departments listed in the revenue table; the rest are counted


def revenue_table(rows: Sequence[DepartmentRevenue], totals: Sequence[WonTotal], label: str) -> str:
    """Sourced and influenced revenue per department this quarter, and the deals' total."""
    title = (
        f"Revenue from deals won in the CRM, {label}, per department. Sourced: deals that "
        "came from a referral by someone in the department. Influenced: deals whose "
        "confirmed helpers include someone from it, each deal counted whole for every such "
        "department, not split, so the column adds up to more than the deals' total."
    )
    if not rows:
        return textwrap.fill(title, WIDTH) + "\n\nNo deals from the CRM yet this quarter."
    several = len({r.currency for r in rows}) > 1
    header = ["Department", "Sourced", "Deals", "Influenced", "Deals"]
    lines = [
        [
            (r.department or "(none)") + (f" ({r.currency})" if several else ""),
            money(r.sourced, r.currency),
            f"{r.deals_sourced:,}",
            money(r.influenced, r.currency),
            f"{r.deals_influenced:,}",
        ]
        for r in rows[:REVENUE_ROWS]
    ]
    if (more := len(rows) - REVENUE_ROWS) > 0:
        lines.append([f"…and {plural(more, 'more department')}", "", "", "", ""])
    for total in totals:
        sourced = [r for r in rows if r.currency == total.currency]
        lines.append(
            [
                "All deals won" + (f" ({total.currency})" if several else ""),
                money(sum((r.sourced for r in sourced), Decimal(0)), total.currency),
                f"{sum(r.deals_sourced for r in sourced):,}",
                money(total.value, total.currency),
                f"{total.deals:,}",
            ]
        )
    footer = "All deals won: each deal counted once, in Sourced those that came from a referral."
    return "\n".join(
        [
            textwrap.fill(title, WIDTH),
            "",
            _table(header, lines, totals=len(totals)),
            "",
            textwrap.fill(footer, WIDTH),
        ]
    )


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _table(header: list[str], rows: list[list[str]], totals: int = 1) -> str:
    """First column left-aligned, the rest right-aligned, two spaces apart; a rule under
    the header and above the last `totals` rows."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for number, row in enumerate([header, *rows]):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0 or (totals and number == len(rows) - totals):
            out.append("-" * len(out[0]))
    return "\n".join(out)


def _outro(where: str) -> str:
    """Where the sample lives and what to try next."""
    if where != DEMO_FILE:
        text = f"The sample company is workspace {DEMO_TEAM_ID} in the given database; "
        return textwrap.fill(text + "running the demo again rebuilds it.", WIDTH)
    text = f"The sample company is in {DEMO_FILE} (workspace {DEMO_TEAM_ID}); each run rebuilds it."
    return (
        textwrap.fill(text + " Look around, e.g.:", WIDTH)
        + f"\n\n  export DATABASE_URL=sqlite:///{DEMO_FILE}"
        + f"\n  {_command()} export --format csv | head"
    )


def _command() -> str:
    """How to run everybody-sells again from here: by name only when that name is on PATH.

    `./scripts/run` starts `.venv/bin/everybody-sells`, which is not on PATH, so the hint
    repeats the path the demo was started with.
    """
    started = sys.argv[0]
    on_path = shutil.which("everybody-sells")
    if Path(started).name == "everybody-sells":
        if on_path and Path(on_path).resolve() == Path(started).resolve():
            return "everybody-sells"
        return shlex.quote(started)
    return "everybody-sells" if on_path else ".venv/bin/everybody-sells"

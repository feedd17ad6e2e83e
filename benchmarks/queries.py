"""Queries at scale: the digest, leaderboards, `/sells stats` and the culture report on a
sample company of about a million credits, against a hand-written SQL floor.

    python -m benchmarks.queries                    # builds a SQLite file in /tmp
    python -m benchmarks.queries --reuse            # time again on the company built before
    python -m benchmarks.queries --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Builds the demo company (`everybody-sells demo`'s generator, workspace TDEMO00001, a fixed
clock so every build is the same) into a database of its own: by default a SQLite file in
/tmp; on PostgreSQL a schema of its own (`--schema`, created here and reached through
`options=-csearch_path=...`; nothing outside it is touched). Without `--reuse` that file or
schema is dropped and built again (a SQLite file given by URL is kept and only the demo
workspace's rows replaced); with it the company already there is used, and the
migrations are brought up to date first, so a new index migration is measured on the same
data. ANALYZE runs before timing (`--statistics keep` leaves the planner statistics as they
are; `--statistics none`, SQLite only, deletes them: a bot's own SQLite database is never
ANALYZEd, so that is how its queries are planned in production).

Each query runs once to warm up and then `--repeat` times, each time in a new session, as
the bot runs it; the table shows the median and the best. The floor is one hand-written
SQL statement that reads the same things the digest reads from credits and assists: the
headline figures (assists, people credited, departments contributing, credits per stage),
the top contributors, the first-timers and the stories: what the database needs at least
to answer them. The ORM digest is checked against it. The digest's headline figures alone
(`models.digest.headline_figures`) are also timed against a floor of their own, one SQL
aggregate.

Targets (issue 7): the digest under 1 s on PostgreSQL and 2 s on SQLite, and within 1.5x
of the floor; `/sells stats` under 100 ms. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, bindparam, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.commands.sample_company import (
    DEMO_TEAM_ID,
    MIN_PEOPLE,
    build_sample_company,
    clear_team,
    sample_size,
    tables_with_other_teams,
)
from bot.settings import normalise_database_url
from models.assists import Credit, Stage
from models.base import UtcDateTime
from models.culture import culture_report
from models.database import make_engine, make_session_factory, upgrade
from models.digest import Digest, build_digest, headline_figures
from models.stats import Window, leaderboard, period_window, personal_stats

DEFAULT_SQLITE = Path("/tmp/everybody_sells_queries.db")
DEFAULT_SCHEMA = "bench_queries"
# The clock the company is built against: the digest covers the 7 days before it.
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TZ = ZoneInfo("UTC")
DEPARTMENT = "Support"
DIGEST_SECONDS = {"sqlite": 2.0, "postgresql": 1.0}
DIGEST_VS_FLOOR = 1.5
STATS_SECONDS = 0.1

# The digest's headline figures in one statement: one pass over the week's credits, each
# joined to the person credited (a credit carries its assist's stage since migration 0007).
FLOOR_SQL = """
SELECT count(DISTINCT c.assist_id) AS assists,
       count(DISTINCT c.recipient_id) AS people,
       count(DISTINCT nullif(p.department, '')) AS departments,
       sum(CASE WHEN c.stage = 'pre-sale' THEN 1 ELSE 0 END) AS pre_sale,
       sum(CASE WHEN c.stage = 'sale' THEN 1 ELSE 0 END) AS sale,
       sum(CASE WHEN c.stage = 'post-sale' THEN 1 ELSE 0 END) AS post_sale,
       sum(CASE WHEN c.stage = 'resale' THEN 1 ELSE 0 END) AS resale,
       sum(CASE WHEN c.stage IS NULL THEN 1 ELSE 0 END) AS unset
FROM credits c
LEFT JOIN people p ON p.team_id = c.team_id AND p.user_id = c.recipient_id
WHERE c.team_id = :team AND c.revoked_at IS NULL
  AND c.created_at >= :start AND c.created_at < :end
"""
FLOOR = text(FLOOR_SQL).bindparams(
    bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
)


@dataclass(frozen=True)
class Headline:
    assists: int
    people: int
    departments: int
    by_stage: dict[str, int]


# The same for everything the digest reads from credits and assists, in one statement:
# figures per stage, departments contributing and in all, the top contributors, the
# first-timers (credited now and never before) and the ids of the stories and lessons.
# (Referrals won, sessions and pulse answers are a handful of rows from small tables.)
DIGEST_FLOOR_SQL = """
WITH week AS (
    SELECT c.assist_id, c.recipient_id, c.giver_id, c.stage, c.kind FROM credits c
    WHERE c.team_id = :team AND c.revoked_at IS NULL
      AND c.created_at >= :start AND c.created_at < :end
), recipients AS (SELECT DISTINCT recipient_id FROM week)
SELECT 'stage' AS section, coalesce(stage, 'unset') AS name,
       count(DISTINCT assist_id) AS a, count(*) AS b
FROM week GROUP BY stage
UNION ALL
SELECT 'credited', p.department, count(*), NULL
FROM recipients r LEFT JOIN people p ON p.team_id = :team AND p.user_id = r.recipient_id
GROUP BY p.department
UNION ALL
SELECT 'department', department, NULL, NULL FROM people
WHERE team_id = :team AND department IS NOT NULL AND department <> '' GROUP BY department
UNION ALL
SELECT 'top', recipient_id, n, g FROM (
    SELECT recipient_id, count(*) AS n, count(DISTINCT giver_id) AS g FROM week
    WHERE kind <> 'lesson'
    GROUP BY recipient_id ORDER BY g DESC, n DESC, recipient_id LIMIT 5
) top_five
UNION ALL
SELECT 'first', r.recipient_id, NULL, NULL FROM recipients r
WHERE NOT EXISTS (
    SELECT 1 FROM credits e WHERE e.team_id = :team AND e.recipient_id = r.recipient_id
      AND e.revoked_at IS NULL AND e.created_at < :start
)
UNION ALL
SELECT 'story', NULL, id, NULL FROM (
    SELECT a.id FROM assists a
    WHERE a.team_id = :team AND a.revoked_at IS NULL AND a.created_at >= :start
      AND a.created_at < :end AND a.description <> '' AND a.source <> 'reaction'
      AND a.kind <> 'lesson'
    ORDER BY a.kind = 'win' DESC, a.customer IS NULL, a.created_at DESC LIMIT 3
) stories
UNION ALL
SELECT 'lesson', NULL, id, NULL FROM (
    SELECT a.id FROM assists a
    WHERE a.team_id = :team AND a.revoked_at IS NULL AND a.created_at >= :start
      AND a.created_at < :end AND a.description <> '' AND a.source <> 'reaction'
      AND a.kind = 'lesson'
    ORDER BY a.customer IS NULL, a.created_at DESC LIMIT 3
) lessons
"""
DIGEST_FLOOR = text(DIGEST_FLOOR_SQL).bindparams(
    bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
)


@dataclass(frozen=True)
class DigestFigures:
    """What the ORM digest and the whole-digest floor must agree on."""

    headline: Headline
    departments_total: int
    top: tuple[tuple[str, int, int], ...]
    first_timers: tuple[str, ...]
    stories: int
    lessons: int


def digest_floor(session: Session, start: datetime, end: datetime) -> DigestFigures:
    rows = session.execute(DIGEST_FLOOR, {"team": DEMO_TEAM_ID, "start": start, "end": end})
    by_stage: dict[str, int] = {stage.value: 0 for stage in Stage}
    assists = people = departments_total = stories = lessons = 0
    contributing: list[str] = []
    top: list[tuple[str, int, int]] = []
    first: list[str] = []
    for section, name, a, b in rows:
        if section == "stage":
            assists += a
            by_stage[name] = b
        elif section == "credited":
            people += a
            contributing += [name] if name else []
        elif section == "department":
            departments_total += 1
        elif section == "top":
            top.append((name, a, b))
        elif section == "first":
            first.append(name)
        elif section == "story":
            stories += 1
        else:
            lessons += 1
    headline = Headline(assists, people, len(contributing), by_stage)
    top.sort(key=lambda row: (-row[2], -row[1], row[0]))
    return DigestFigures(
        headline, departments_total, tuple(top), tuple(sorted(first)), stories, lessons
    )


def digest_figures(digest: Digest) -> DigestFigures:
    headline = Headline(
        digest.assists,
        digest.people_credited,
        len(digest.departments_contributing),
        digest.credits_by_stage,
    )
    return DigestFigures(
        headline,
        digest.departments_total,
        tuple((c.user_id, c.credits, c.givers) for c in digest.top),
        tuple(sorted(digest.first_timers)),
        len(digest.stories),
        len(digest.lessons),
    )


@dataclass(frozen=True)
class Timing:
    query: str
    seconds: list[float]
    target: str = "-"
    met: bool | None = None
    vs_floor: float | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def best_ms(self) -> float:
        return min(self.seconds) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help=f"default: sqlite:///{DEFAULT_SQLITE}")
    parser.add_argument(
        "--schema", default=DEFAULT_SCHEMA, help="PostgreSQL: the schema the company lives in"
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query")
    parser.add_argument(
        "--reuse", action="store_true", help="use the company already built there, if any"
    )
    parser.add_argument(
        "--statistics",
        choices=("analyze", "keep", "none"),
        default="analyze",
        help="planner statistics before timing: ANALYZE (default), keep them as they are, "
        "or none (SQLite only)",
    )
    args = parser.parse_args()
    if args.people < MIN_PEOPLE or args.repeat < 1:
        parser.error(f"--people must be at least {MIN_PEOPLE} and --repeat at least 1")
    if args.statistics == "none" and args.database_url and "sqlite" not in args.database_url:
        parser.error("--statistics none is for SQLite only")

    url = prepare(args)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        upgrade(engine)
        print(f"migrations: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sessions = make_session_factory(engine)
        build(engine, sessions, args)
        started = time.perf_counter()
        statistics_for(engine, args.statistics)
        print(
            f"statistics ({args.statistics}): {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        return measure(engine, sessions, args.repeat, args.statistics)
    finally:
        engine.dispose()


def prepare(args: argparse.Namespace) -> str:
    """The URL to work in; a fresh SQLite file or PostgreSQL schema unless --reuse."""
    if not args.database_url:
        if not args.reuse:
            for end in ("", "-wal", "-shm", "-journal"):
                Path(f"{DEFAULT_SQLITE}{end}").unlink(missing_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE}"
    url = normalise_database_url(args.database_url)
    if url.startswith("sqlite"):
        return url  # a file given here is kept: only the demo workspace's rows are replaced
    if "options=" in url:
        sys.exit("benchmarks.queries: give the URL without options; it uses its own --schema")
    schema = args.schema
    if not schema.replace("_", "").isalnum() or schema.lower() == "public":
        sys.exit(f"benchmarks.queries: --schema {schema!r} is not a schema of its own")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not args.reuse:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def build(engine: Engine, sessions: sessionmaker[Session], args: argparse.Namespace) -> None:
    others = tables_with_other_teams(engine)
    if others:
        sys.exit(f"benchmarks.queries: the database holds other workspaces' data ({others})")
    with sessions() as session:
        if args.reuse and sample_size(session).credits:
            return
        print(
            f"Building {args.people:,} people x {args.weeks} weeks ...", file=sys.stderr, flush=True
        )
        started = time.perf_counter()
        clear_team(session)
        session.commit()
        build_sample_company(
            session, people=args.people, weeks=args.weeks, seed=args.seed, tz=TZ, now=NOW
        )
        print(f"Built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def statistics_for(engine: Engine, how: str) -> None:
    """Refresh the planner statistics, leave them, or (SQLite) delete them."""
    if how == "keep":
        return
    with engine.connect() as connection:
        if how == "analyze":
            connection.execute(text("ANALYZE"))
        elif connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).first():
            connection.execute(text("DELETE FROM sqlite_stat1"))
        connection.commit()
    engine.dispose()  # new connections plan with the statistics as they are now


def clock(sessions: sessionmaker[Session]) -> datetime:
    """`now` for the queries: the build clock, or just after the newest credit if later."""
    with sessions() as session:
        newest = session.scalar(
            select(func.max(Credit.created_at)).where(Credit.team_id == DEMO_TEAM_ID)
        )
    return NOW if newest is None or newest < NOW else newest + timedelta(seconds=1)


def time_it(
    sessions: sessionmaker[Session], repeat: int, work: Callable[[Session], object]
) -> tuple[list[float], object]:
    """One warm-up run, then `repeat` timed runs, each in a new session."""
    seconds, result = [], None
    for run in range(repeat + 1):
        with sessions() as session:
            started = time.perf_counter()
            result = work(session)
            elapsed = time.perf_counter() - started
            session.rollback()
        if run:
            seconds.append(elapsed)
    return seconds, result


def floor(session: Session, start: datetime, end: datetime) -> Headline:
    row = session.execute(FLOOR, {"team": DEMO_TEAM_ID, "start": start, "end": end}).one()
    by_stage = {
        Stage.PRE_SALE.value: row.pre_sale or 0,
        Stage.SALE.value: row.sale or 0,
        Stage.POST_SALE.value: row.post_sale or 0,
        Stage.RESALE.value: row.resale or 0,
    }
    if row.unset:
        by_stage["unset"] = row.unset
    return Headline(row.assists, row.people, row.departments, by_stage)


def people_to_ask(session: Session, window: Window) -> tuple[str, str]:
    """A typical person (the median of those credited in the window) and the busiest one."""
    credits = func.count(Credit.id)
    ranked = session.scalars(
        select(Credit.recipient_id)
        .where(
            Credit.team_id == DEMO_TEAM_ID,
            Credit.revoked_at.is_(None),
            Credit.created_at >= window.start,
            Credit.created_at < window.end,
        )
        .group_by(Credit.recipient_id)
        .order_by(credits, Credit.recipient_id)
    ).all()
    return ranked[len(ranked) // 2], ranked[-1]


def measure(engine: Engine, sessions: sessionmaker[Session], repeat: int, stats: str) -> int:
    dialect = engine.dialect.name
    now = clock(sessions)
    start = now - timedelta(days=7)
    month = period_window("month", now, TZ)
    with sessions() as session:
        size = sample_size(session)
        typical, busiest = people_to_ask(session, month)
        week = session.scalar(
            select(func.count(Credit.id)).where(
                Credit.team_id == DEMO_TEAM_ID,
                Credit.revoked_at.is_(None),
                Credit.created_at >= start,
                Credit.created_at < now,
            )
        )
        version = session.execute(
            text("SELECT sqlite_version()" if dialect == "sqlite" else "SHOW server_version")
        ).scalar()

    digest_s, digest = time_it(
        sessions, repeat, lambda s: build_digest(s, DEMO_TEAM_ID, start, now)
    )
    figures_s, figures = time_it(
        sessions, repeat, lambda s: headline_figures(s, DEMO_TEAM_ID, start, now)
    )
    whole_floor_s, whole_floor = time_it(sessions, repeat, lambda s: digest_floor(s, start, now))
    floor_s, headline = time_it(sessions, repeat, lambda s: floor(s, start, now))
    limit = DIGEST_SECONDS[dialect]
    whole = statistics.median(digest_s) / statistics.median(whole_floor_s)
    alone = statistics.median(figures_s) / statistics.median(floor_s)
    timings = [
        Timing(
            "digest (build_digest, 7 days)",
            digest_s,
            f"<{limit:g} s, <={DIGEST_VS_FLOOR:g}x floor",
            statistics.median(digest_s) < limit and whole <= DIGEST_VS_FLOOR,
            whole,
        ),
        Timing("  floor: the same, one SQL statement", whole_floor_s, vs_floor=1.0),
        Timing(
            "digest figures alone (headline_figures)",
            figures_s,
            f"<={DIGEST_VS_FLOOR:g}x floor",
            alone <= DIGEST_VS_FLOOR,
            alone,
        ),
        Timing("  floor: one SQL aggregate", floor_s, vs_floor=1.0),
    ]
    for name, work in (
        ("leaderboard (month)", lambda s: leaderboard(s, DEMO_TEAM_ID, month)),
        (
            f"leaderboard (month, {DEPARTMENT})",
            lambda s: leaderboard(s, DEMO_TEAM_ID, month, DEPARTMENT),
        ),
    ):
        timings.append(Timing(name, time_it(sessions, repeat, work)[0]))
    for name, user_id in (("typical", typical), ("busiest", busiest)):
        seconds, _ = time_it(
            sessions, repeat, lambda s, u=user_id: personal_stats(s, DEMO_TEAM_ID, u, month)
        )
        timings.append(
            Timing(
                f"/sells stats (month, {name} person)",
                seconds,
                f"<{STATS_SECONDS * 1000:g} ms",
                statistics.median(seconds) < STATS_SECONDS,
            )
        )
    seconds, _ = time_it(sessions, repeat, lambda s: culture_report(s, DEMO_TEAM_ID, now, TZ))
    timings.append(Timing("culture report (6 months)", seconds))

    print(
        f"{size.people:,} people, {size.credits:,} credits ({size.revoked_credits:,} revoked) "
        f"from {size.assists:,} assists; {week:,} credits in the digest's week; "
        f"month {month.label}; {repeat} runs each after a warm-up"
    )
    print(
        f"database: {dialect} {version}, statistics: {stats}; machine: {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f} when done"
    )
    print()
    print(table(timings, dialect))
    print()
    orm = [
        Headline(d.assists, d.people_credited, len(d.departments_contributing), d.credits_by_stage)
        for d in (digest, figures)
    ]
    print(f"headline, ORM digest: {orm[0]}")
    print(f"headline, floor SQL:  {headline}")
    assert orm == [headline, headline], "the ORM digest and the hand-written floor disagree"
    assert digest_figures(digest) == whole_floor, (digest_figures(digest), whole_floor)
    print(
        f"they agree, and with the whole-digest floor on the top {len(whole_floor.top)}, "
        f"{len(whole_floor.first_timers)} first-timers, {whole_floor.stories} stories and "
        f"{whole_floor.lessons} lessons"
    )
    return 0 if all(t.met is not False for t in timings) else 1


def table(timings: list[Timing], dialect: str) -> str:
    header = ["query", "database", "median ms", "best ms", "target", "met?", "vs floor"]
    rows = []
    for t in timings:
        vs = "" if t.vs_floor is None else f"{t.vs_floor:.2f}x"
        met = "-" if t.met is None else ("yes" if t.met else "NO")
        rows.append(
            [t.query, dialect, f"{t.median_ms:,.1f}", f"{t.best_ms:,.1f}", t.target, met, vs]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for n, row in enumerate([header, *rows]):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(row[2:4], widths[2:4], strict=True)]
        cells += [c.ljust(w) for c, w in zip(row[4:], widths[4:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("-" * max(len(line) for line in lines))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

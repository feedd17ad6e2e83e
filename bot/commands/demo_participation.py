"""What `everybody-sells demo` shows of participation: the fair leaderboards, who gives and
receives in each department this month, managers versus peers, the help-flow map as a text
grid of the largest departments, and session coverage."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.sells import department_board_message, leaderboard_message
from bot.commands.sample_company import DEMO_TEAM_ID
from bot.report_participation import OTHER, department_grid, largest
from bot.settings import Settings
from models.participation import (
    MANAGERS,
    PEERS,
    ParticipationSnapshot,
    RoleGiving,
    headcount,
    help_flow,
    participation_snapshot,
)
from models.stats import CREDITS, Window, department_board, leaderboard

WIDTH = 80
GRID_DEPARTMENTS = 8  # rows and columns by name, then "Other"
LISTED_DEPARTMENTS = 12


def fair_boards(session: Session, month: Window) -> list[tuple[str, str, list[dict]]]:
    """`/sells leaderboard credits month` and `/sells leaderboard departments month`."""
    most = leaderboard(session, DEMO_TEAM_ID, month, by=CREDITS)
    board = department_board(session, DEMO_TEAM_ID, month)
    return [
        (
            "/sells leaderboard credits month",
            "",
            leaderboard_message(most, month, None, CREDITS)[1],
        ),
        ("/sells leaderboard departments month", "", department_board_message(board)[1]),
    ]


def participation_text(session: Session, settings: Settings, now: datetime, weeks: int) -> str:
    """Participation this month by department, managers versus peers, the help-flow map
    over the demo's weeks and session coverage, as the admin's Home and the culture report
    show them."""
    snapshot = participation_snapshot(
        session,
        DEMO_TEAM_ID,
        now,
        settings.timezone,
        settings.sales_department,
        settings.session_cadence_days,
    )
    month = snapshot.month
    rows = [
        [name, f"{d.people:,}", f"{d.givers:,}", _percent(d.givers, d.people),
         f"{d.receivers:,}", _percent(d.receivers, d.people)]
        for name in largest({n: d.people for n, d in month.departments.items()}, LISTED_DEPARTMENTS)
        for d in [month.departments[name]]
    ]  # fmt: skip
    rows.append(
        ["All", f"{month.people:,}", f"{month.givers:,}", _percent(month.givers, month.people),
         f"{month.receivers:,}", _percent(month.receivers, month.people)]
    )  # fmt: skip
    header = ["Department", "People", "Gave", "Giving", "Credited", "Receiving"]
    title = (
        f"Participation, {month.month.label}: the share of each department's people who "
        "credited someone (giving) and who were credited (receiving)."
    )
    roles = (
        f"Managers and peers as givers: {_role(month.role(MANAGERS))}; {_role(month.role(PEERS))}."
    )
    return "\n".join(
        [
            textwrap.fill(title, WIDTH),
            "",
            _table(header, rows),
            "",
            textwrap.fill(roles, WIDTH),
            "",
            "",
            help_flow_map(session, now, weeks),
            "",
            textwrap.fill(_coverage(snapshot), WIDTH),
        ]
    )


def help_flow_map(session: Session, now: datetime, weeks: int) -> str:
    """Credits given from each department (rows) to each (columns), a text grid of the
    largest departments, the rest as "Other"."""
    flow = help_flow(session, DEMO_TEAM_ID, now - timedelta(weeks=weeks), now)
    grid = department_grid(flow.credits, headcount(session, DEMO_TEAM_ID), GRID_DEPARTMENTS)
    numbers = [str(n) if name != OTHER else name for n, name in enumerate(grid.rows, 1)]
    cell = max([len(f"{v:,}") for row in grid.values for v in row] + [len(x) for x in numbers])
    label = max([len(f"{n}. {name}") for n, name in zip(numbers, grid.rows, strict=True)] + [4])
    lines = [
        textwrap.fill(
            f"The help-flow map: credits given over the {weeks} weeks, from each department "
            "(rows) to each (columns, numbered as the rows).",
            WIDTH,
        ),
        "",
        "from \\ to".ljust(label) + "".join(x.rjust(cell + 2) for x in numbers),
    ]
    for number, name, row in zip(numbers, grid.rows, grid.values, strict=True):
        title = name if name == OTHER else f"{number}. {name}"
        lines.append(title.ljust(label) + "".join(f"{v:,}".rjust(cell + 2) for v in row))
    busiest = ", ".join(f"{g} → {r} {n:,}" for g, r, n in flow.busiest(3))
    if busiest:
        lines += ["", textwrap.fill(f"Busiest between departments: {busiest}.", WIDTH)]
    return "\n".join(lines)


def _coverage(snapshot: ParticipationSnapshot) -> str:
    coverage = snapshot.coverage
    sales = coverage.sales_department

    def names(items: list[str]) -> str:
        return ", ".join(items) if items else "none"

    return (
        f"Sessions with {sales} in the last {snapshot.cadence_days} days: both ways: "
        f"{names(coverage.both_ways())}; one way: {names(coverage.one_way())}; neither: "
        f"{names(coverage.neither())}."
    )


def _role(side: RoleGiving) -> str:
    return f"{side.role} {side.givers:,} of {side.people:,} ({_percent(side.givers, side.people)})"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for number, row in enumerate([header, *rows]):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0 or number == len(rows) - 1:
            out.append("-" * len(out[-1]))
    return "\n".join(out)

"""The culture report's second chart: who takes part (PNG, rendered headless), with its
figures as text.

Four panels: the share of each department's people who credited someone, and who were
credited, by month; managers versus peers as givers; the help-flow map (a department ×
department heatmap of credits given); and session coverage (who taught whom within the
cadence). A grid of 200 × 200 helps nobody: the largest departments are shown by name and
the rest are added up as "Other". Drawn like bot/report.py: matplotlib's object API,
imported only when a chart is drawn, one chart at a time under the same lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from bot.blocks.text import truncate
from bot.report import _RENDERING, DPI, _escaped, _palette, month_labels
from models.participation import MANAGERS, PEERS, ParticipationReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE_INCHES = (13, 15)
ALL_LABEL = "All departments"
OTHER = "Other"
ROLE_LABELS = {MANAGERS: "Managers", PEERS: "Peers"}
ROLE_COLOURS = {MANAGERS: "#4c72b0", PEERS: "#dd8452"}
CHART_DEPARTMENTS = 8  # lines in the share panels
GRID_DEPARTMENTS = 10  # rows and columns of the heatmaps by name, then "Other"
TABLE_DEPARTMENTS = 15  # rows of the figures table
NAME_ROOM = 28  # characters of a department's name on the chart
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


@dataclass(frozen=True)
class Grid:
    """A department × department grid: `values[row][column]`."""

    rows: tuple[str, ...]  # who gave (or taught)
    columns: tuple[str, ...]  # who received (or learned)
    values: tuple[tuple[int, ...], ...]

    def total(self) -> int:
        return sum(sum(row) for row in self.values)

    def get(self, row: str, column: str) -> int:
        return self.values[self.rows.index(row)][self.columns.index(column)]


@dataclass(frozen=True)
class ParticipationSeries:
    """Exactly what the chart draws: shares in percent, one value per month, and grids."""

    months: tuple[str, ...]
    giving: dict[str, tuple[float, ...]]  # ALL_LABEL first, then the largest departments
    receiving: dict[str, tuple[float, ...]]
    roles: dict[str, tuple[float, ...]]  # MANAGERS, PEERS -> share giving
    flow: Grid
    coverage: Grid


def largest(headcount: dict[str, int], count: int) -> list[str]:
    """The `count` departments with the most people, largest first (ties by name)."""
    ranked = sorted(headcount.items(), key=lambda item: (-item[1], item[0]))
    return [department for department, _ in ranked[:count]]


def department_grid(
    pairs: dict[tuple[str, str], int],
    headcount: dict[str, int],
    count: int = GRID_DEPARTMENTS,
    first: str | None = None,
) -> Grid:
    """The largest `count` departments by name (`first`, sales say, always among them and
    leading), every other department added up as "Other"; nothing is lost."""
    shown = largest(headcount, count)
    if first is not None:
        shown = [first, *[d for d in shown if d != first]][:count]
    named = set(shown)
    folded: dict[tuple[str, str], int] = {}
    for (row, column), n in pairs.items():
        key = (row if row in named else OTHER, column if column in named else OTHER)
        folded[key] = folded.get(key, 0) + n
    others = len(headcount) > len(shown) or any(OTHER in key for key in folded)
    labels = (*shown, OTHER) if others else tuple(shown)
    values = tuple(tuple(folded.get((r, c), 0) for c in labels) for r in labels)
    return Grid(rows=labels, columns=labels, values=values)


def participation_series(report: ParticipationReport) -> ParticipationSeries:
    shown = largest(report.headcount, CHART_DEPARTMENTS)
    giving = {ALL_LABEL: tuple(100 * _share(m.givers, m.people) for m in report.months)}
    receiving = {ALL_LABEL: tuple(100 * _share(m.receivers, m.people) for m in report.months)}
    for department in shown:
        giving[department] = tuple(
            100 * m.departments[department].share_giving for m in report.months
        )
        receiving[department] = tuple(
            100 * m.departments[department].share_receiving for m in report.months
        )
    roles = {
        role: tuple(100 * m.role(role).share_giving for m in report.months)
        for role in (MANAGERS, PEERS)
    }
    coverage = report.coverage
    return ParticipationSeries(
        months=month_labels(report),
        giving=giving,
        receiving=receiving,
        roles=roles,
        flow=department_grid(report.flow.credits, report.headcount),
        coverage=department_grid(
            coverage.taught, report.headcount, first=coverage.sales_department
        ),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def participation_title(report: ParticipationReport) -> str:
    return f"Everybody sells: participation, {report.span}"


def participation_filename(report: ParticipationReport) -> str:
    return f"participation-{report.months[-1].month.key}.png"


def participation_alt_text(report: ParticipationReport) -> str:
    return (
        f"{participation_title(report)}: the share of each department's people who credited "
        "someone and who were credited, by month (lines); managers and peers as givers "
        "(bars); credits given from department to department (a heatmap); and which "
        "department taught which in sessions (a grid)."
    )


def draw_participation(report: ParticipationReport) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = participation_series(report)
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(participation_title(report), fontsize=15, fontweight="bold")
    grid = figure.add_gridspec(3, 2, height_ratios=(1, 0.75, 1.4))
    giving, receiving = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    _draw_shares(giving, series.months, series.giving, "Share of people crediting someone")
    _draw_shares(receiving, series.months, series.receiving, "Share of people credited")
    receiving.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    _draw_roles(figure.add_subplot(grid[1, :]), series)
    _draw_grid(
        figure.add_subplot(grid[2, 0]),
        series.flow,
        f"Credits given, {report.span}: from (rows) to (columns)",
        "Blues",
    )
    _draw_grid(
        figure.add_subplot(grid[2, 1]),
        series.coverage,
        f"Sessions held in the last {report.cadence_days} days: taught by (rows) to (columns)",
        "Greens",
    )
    if any(m.month.to_date for m in report.months):
        figure.supxlabel("* month to date", x=0.98, ha="right", fontsize=9, color="#555555")
    return figure


def _draw_shares(
    axes: Axes, months: tuple[str, ...], lines: dict[str, tuple[float, ...]], title: str
) -> None:
    from matplotlib.ticker import PercentFormatter

    x = list(range(len(months)))
    departments = [label for label in lines if label != ALL_LABEL]
    colours = _palette(len(departments))
    axes.plot(
        x, lines[ALL_LABEL], label=ALL_LABEL, color="black", linewidth=5, alpha=0.35,
        marker="o", markersize=9, zorder=2,
    )  # fmt: skip
    for n, label in enumerate(departments):
        dodge = (n - (len(departments) - 1) / 2) * min(0.04, 0.3 / max(len(departments), 1))
        axes.plot(
            [i + dodge for i in x], lines[label], label=truncate(label, NAME_ROOM),
            color=colours[n], linewidth=1.6, marker=MARKERS[n % len(MARKERS)], markersize=5,
            zorder=3,
        )  # fmt: skip
    axes.set_title(title, loc="left")
    axes.set_ylim(-3, 105)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    _month_ticks(axes, months)
    axes.grid(axis="y", alpha=0.3)


def _draw_roles(axes: Axes, series: ParticipationSeries) -> None:
    from matplotlib.ticker import PercentFormatter

    x = list(range(len(series.months)))
    width = 0.38
    for n, (role, values) in enumerate(series.roles.items()):
        positions = [i + (n - 0.5) * width for i in x]
        axes.bar(positions, values, width=width, label=ROLE_LABELS[role], color=ROLE_COLOURS[role])
        if len(x) <= 12:
            for position, value in zip(positions, values, strict=True):
                axes.annotate(
                    f"{round(value)}%", (position, value), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points",
                )  # fmt: skip
    axes.set_title("Managers and peers: the share who credited someone, by month", loc="left")
    axes.set_ylim(0, 115)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    _month_ticks(axes, series.months)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)


def _draw_grid(axes: Axes, grid: Grid, title: str, colours: str) -> None:
    axes.set_title(title, loc="left", fontsize=10)
    if not grid.rows:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No departments in the org chart yet", ha="center", va="center")
        return
    labels_x = [truncate(c, 18) for c in grid.columns]
    labels_y = [truncate(r, NAME_ROOM) for r in grid.rows]
    top = max([max(row, default=0) for row in grid.values] or [0])
    image = axes.imshow(grid.values, cmap=colours, vmin=0, vmax=max(top, 1), aspect="auto")
    axes.set_xticks(range(len(labels_x)), labels_x, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(labels_y)), labels_y, fontsize=8)
    if not top:
        axes.text(
            (len(grid.columns) - 1) / 2, (len(grid.rows) - 1) / 2, "None yet",
            ha="center", va="center", fontsize=12, color="#555555",
        )  # fmt: skip
    for r, row in enumerate(grid.values):
        for c, value in enumerate(row):
            if value:
                colour = "white" if value > top / 2 else "black"
                axes.text(c, r, f"{value:,}", ha="center", va="center", fontsize=7, color=colour)
    axes.figure.colorbar(image, ax=axes, shrink=0.8)


def _month_ticks(axes: Axes, months: tuple[str, ...]) -> None:
    if len(months) <= 12:
        axes.set_xticks(range(len(months)), months)
    else:
        axes.set_xticks(range(len(months)), months, rotation=45, ha="right")


def render_participation(report: ParticipationReport) -> bytes:
    """The participation chart as PNG bytes."""
    with _RENDERING:
        figure = draw_participation(report)
        out = BytesIO()
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"


def participation_table(report: ParticipationReport, *, escape: bool = False) -> str:
    """The figures as a fixed-width table: giving and receiving, overall and for the
    largest departments, then managers and peers as givers, by month; then the busiest
    help between departments and session coverage."""
    name = _escaped if escape else str
    labels = month_labels(report)
    months = report.months
    shown = largest(report.headcount, TABLE_DEPARTMENTS)
    more = len(report.headcount) - len(shown)
    rows: list[tuple[str, list[str]]] = []
    for title, share in (
        ("Share giving", lambda d: d.share_giving),
        ("Share receiving", lambda d: d.share_receiving),
    ):
        people = [m.people for m in months]
        part = [m.givers if title == "Share giving" else m.receivers for m in months]
        rows.append((title, [_percent(_share(p, w)) for p, w in zip(part, people, strict=True)]))
        for department in shown:
            cells = [_percent(share(m.departments[department])) for m in months]
            rows.append((f"  {name(department)} ({report.headcount[department]})", cells))
        if more:
            rows.append((f"  …and {more} smaller departments", ["" for _ in months]))
    rows.append(
        ("Share giving, managers", [_percent(m.role(MANAGERS).share_giving) for m in months])
    )
    rows.append(("Share giving, peers", [_percent(m.role(PEERS).share_giving) for m in months]))
    first = max(len(label) for label, _ in rows)
    width = max(len(cell) for _, cells in rows for cell in [*cells, *labels]) + 2
    lines = [" " * first + "".join(label.rjust(width) for label in labels)]
    lines += [label.ljust(first) + "".join(c.rjust(width) for c in cells) for label, cells in rows]
    if any(m.month.to_date for m in months):
        lines.append("* month to date")
    busiest = report.flow.busiest(10)
    if busiest:
        lines += ["", f"Busiest help between departments, {report.span}:"]
        lines += [f"  {name(g)} → {name(r)}: {n:,}" for g, r, n in busiest]
    lines += ["", _coverage_line(report, name)]
    return "\n".join(lines)


def _coverage_line(report: ParticipationReport, name) -> str:
    coverage = report.coverage
    return (
        f"Sessions with {name(coverage.sales_department)} in the last {report.cadence_days} "
        f"days: {len(coverage.both_ways())} departments both ways, "
        f"{len(coverage.one_way())} one way, {len(coverage.neither())} neither."
    )


def participation_comment(report: ParticipationReport) -> str:
    """A short paragraph to go with the chart in Slack (the figures table would not fit
    beside the culture report's): the latest month, the busiest help, session coverage."""
    last = report.months[-1]
    managers, peers = last.role(MANAGERS), last.role(PEERS)
    busiest = "; ".join(
        f"{_escaped(truncate(g, 40))} → {_escaped(truncate(r, 40))} {n:,}"
        for g, r, n in report.flow.busiest(3)
    )
    text = (
        f"*Participation, {last.month.label}:* {_percent(_share(last.givers, last.people))} of "
        f"{last.people:,} people credited someone and "
        f"{_percent(_share(last.receivers, last.people))} were credited; managers "
        f"{_percent(managers.share_giving)} and peers {_percent(peers.share_giving)} gave."
    )
    if busiest:
        text += f" Busiest help between departments, {report.span}: {busiest}."
    text += f" {_coverage_line(report, _escaped)}"
    return (
        f"{text} The second chart has them by month and department; "
        "`everybody-sells export --what participation` and `--what help-flow` have every figure."
    )

"""The culture report as a chart (PNG, rendered headless) and as a small table of figures.

matplotlib is used through its object API only (a `Figure` on an Agg canvas), never
pyplot, so nothing is shared between threads or needs a display. It is imported only when a
chart is drawn: it costs half a second and ~50 MB, and most processes never draw one.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING

from bot.blocks.text import STAGE_LABELS, money, neutralise_broadcasts
from models.assists import Stage
from models.culture import UNSET, CultureReport, QuarterRevenue

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INDEX_LABEL = "Everybody-sells index"
NO_STAGE_LABEL = "No stage"
STAGE_COLOURS = {
    Stage.PRE_SALE.value: "#4c72b0",
    Stage.SALE.value: "#55a868",
    Stage.POST_SALE.value: "#dd8452",
    Stage.RESALE.value: "#8172b3",
    UNSET: "#b0b0b0",
}
SIZE_INCHES = (11, 8.5)
SIZE_WITH_REVENUE = (11, 12)  # a third panel: revenue from the CRM's deals
DPI = 100
CROWDED = 12  # months beyond which tick labels slant and bar totals are left off
# matplotlib's text and font caches are not guaranteed thread-safe; reports are rare.
_RENDERING = threading.Lock()


# The largest departments shown by name: in the chart's lines, and in the figures table.
CHART_DEPARTMENTS = 8
TABLE_DEPARTMENTS = 15
NOTE_WIDTH = 80


@dataclass(frozen=True)
class ChartSeries:
    """Exactly what the chart plots: lines in percent, bars in credits, one value per month."""

    months: tuple[str, ...]
    lines: dict[str, tuple[float, ...]]  # INDEX_LABEL first, then each department
    bars: dict[str, tuple[int, ...]]  # stage label -> credits


def stage_name(stage: str) -> str:
    return NO_STAGE_LABEL if stage == UNSET else STAGE_LABELS[Stage(stage)]


def month_labels(report: CultureReport) -> tuple[str, ...]:
    """Short column labels: `Jan`, or `Jan 26` when the report spans two years; `*` to date."""
    months = [m.month for m in report.months]
    fmt = "%b" if len({m.start.year for m in months}) == 1 else "%b %y"
    return tuple(f"{m.start:{fmt}}" + ("*" if m.to_date else "") for m in months)


def largest_departments(report: CultureReport, count: int) -> list[str]:
    """The `count` departments with the most people: a chart or a table of 200 helps nobody."""
    ranked = sorted(report.headcount.items(), key=lambda item: (-item[1], item[0]))
    return [department for department, _ in ranked[:count]]


def chart_series(report: CultureReport) -> ChartSeries:
    lines = {INDEX_LABEL: tuple(100 * (m.index or 0) for m in report.months)}
    shown = set(largest_departments(report, CHART_DEPARTMENTS))
    for department in (d for d in report.departments if d in shown):
        lines[department] = tuple(100 * m.participation[department] for m in report.months)
    bars = {
        stage_name(stage): tuple(m.credits_by_stage.get(stage, 0) for m in report.months)
        for stage in report.stages
    }
    return ChartSeries(months=month_labels(report), lines=lines, bars=bars)


@dataclass(frozen=True)
class RevenueSeries:
    """What the revenue panel plots, in one currency: per department (the largest
    CHART_DEPARTMENTS by sourced and influenced together), one value per quarter."""

    quarters: tuple[str, ...]
    currency: str
    sourced: dict[str, tuple[float, ...]]
    influenced: dict[str, tuple[float, ...]]
    other_currencies: tuple[str, ...] = ()


def revenue_series(report: CultureReport) -> RevenueSeries | None:
    """None when no deal from the CRM was won in the report's months. Several currencies:
    the one with the most revenue is plotted, the others are in the figures table."""
    if not report.has_revenue:
        return None
    by_currency = _revenue_by_currency(report)
    currency = max(by_currency, key=lambda c: (by_currency[c], c))
    departments = _largest_earners(report, currency, CHART_DEPARTMENTS)

    def values(department: str, field: str) -> tuple[float, ...]:
        return tuple(
            float(
                sum(
                    (
                        getattr(r, field)
                        for r in q.rows
                        if r.department == department and r.currency == currency
                    ),
                    Decimal(0),
                )
            )
            for q in report.revenue
        )

    return RevenueSeries(
        quarters=tuple(q.label for q in report.revenue),
        currency=currency,
        sourced={d: values(d, "sourced") for d in departments},
        influenced={d: values(d, "influenced") for d in departments},
        other_currencies=tuple(sorted(c for c in by_currency if c != currency)),
    )


def _revenue_by_currency(report: CultureReport) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for quarter in report.revenue:
        for row in quarter.rows:
            totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.influenced
            totals[row.currency] += row.sourced
    return totals


def _largest_earners(report: CultureReport, currency: str, count: int) -> list[str]:
    """The `count` departments with the most revenue (sourced and influenced) in `currency`."""
    totals: dict[str, Decimal] = {}
    for quarter in report.revenue:
        for row in quarter.rows:
            if row.currency == currency:
                totals[row.department] = (
                    totals.get(row.department, Decimal(0)) + row.sourced + row.influenced
                )
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [department for department, _ in ranked[:count]]


def report_title(report: CultureReport) -> str:
    return f"Everybody sells: culture report, {report.span}"


def draw_chart(report: CultureReport) -> Figure:
    """Two panels: participation by department (and the index) as lines, stages as stacked bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = chart_series(report)
    revenue = revenue_series(report)
    size = SIZE_INCHES if revenue is None else SIZE_WITH_REVENUE
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(report_title(report), fontsize=15, fontweight="bold")
    panels = figure.subplots(2 if revenue is None else 3, 1)
    top, bottom = panels[0], panels[1]
    _draw_lines(top, series)
    _draw_bars(bottom, series, [STAGE_COLOURS[s] for s in report.stages])
    if any(m.month.to_date for m in report.months):
        bottom.set_xlabel("* month to date", loc="right", fontsize=9, color="#555555")
    if revenue is not None:
        _draw_revenue(panels[2], revenue, [d for d in series.lines if d != INDEX_LABEL])
    return figure


def _draw_revenue(axes: Axes, revenue: RevenueSeries, in_lines: list[str]) -> None:
    """Per quarter, a slot per department: influenced as a wide light bar, sourced as a
    narrow solid one inside it, in the department's colour in the lines above."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import StrMethodFormatter

    departments = list(revenue.influenced)
    order = in_lines + [d for d in departments if d not in in_lines]
    palette = _palette(len(order))
    colours = [palette[order.index(d)] for d in departments]
    slot = 0.8 / max(len(departments), 1)
    for n, department in enumerate(departments):
        x = [q - 0.4 + slot * (n + 0.5) for q in range(len(revenue.quarters))]
        axes.bar(x, revenue.influenced[department], width=slot * 0.9, color=colours[n],
                 alpha=0.35, label=department)  # fmt: skip
        axes.bar(x, revenue.sourced[department], width=slot * 0.45, color=colours[n])
    axes.set_title(
        f"Revenue from deals won in the CRM, by quarter ({revenue.currency})", loc="left"
    )
    axes.set_xticks(range(len(revenue.quarters)), revenue.quarters)
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.grid(axis="y", alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    handles += [Patch(color="#555555"), Patch(color="#555555", alpha=0.35)]
    labels += ["solid: sourced", "light: influenced"]
    axes.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9,
                frameon=False)  # fmt: skip
    note = "Influenced: each deal counted whole for every department that helped, not split."
    if revenue.other_currencies:
        note += f" Deals in {', '.join(revenue.other_currencies)}: in the figures."
    axes.set_xlabel(note, loc="left", fontsize=9, color="#555555")


def _draw_lines(axes: Axes, series: ChartSeries) -> None:
    from matplotlib.ticker import PercentFormatter

    x = list(range(len(series.months)))
    departments = [label for label in series.lines if label != INDEX_LABEL]
    colours = _palette(len(departments))
    if INDEX_LABEL in series.lines:
        # Behind the departments, which often sit on it (at 100%, say).
        axes.plot(
            x, series.lines[INDEX_LABEL], label=INDEX_LABEL, color="black", linewidth=5,
            alpha=0.35, marker="o", markersize=9, zorder=2,
        )  # fmt: skip
    # Departments with the same share in a month would hide each other: each gets its own
    # marker and is nudged sideways a little (the months are categories, not a scale).
    for n, label in enumerate(departments):
        dodge = (n - (len(departments) - 1) / 2) * min(0.04, 0.3 / max(len(departments), 1))
        axes.plot(
            [i + dodge for i in x], series.lines[label], label=label, color=colours[n],
            linewidth=1.6, marker=MARKERS[n % len(MARKERS)], markersize=5, zorder=3,
        )  # fmt: skip
    axes.set_title("Share of each department's people credited, by month", loc="left")
    axes.set_ylim(-3, 105)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    _month_ticks(axes, series.months)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)


def _draw_bars(axes: Axes, series: ChartSeries, colours: list[str]) -> None:
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    x = list(range(len(series.months)))
    bottom = [0] * len(x)
    for (label, values), colour in zip(series.bars.items(), colours, strict=True):
        axes.bar(x, values, bottom=bottom, label=label, color=colour, width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if len(x) <= CROWDED:
        for position, total in zip(x, bottom, strict=True):
            axes.annotate(
                f"{total:,}", (position, total), ha="center", va="bottom", fontsize=9,
                xytext=(0, 2), textcoords="offset points",
            )  # fmt: skip
    axes.set_title("Credits per stage of the sales loop, by month", loc="left")
    _month_ticks(axes, series.months)
    axes.set_ylim(0, max([*bottom, 1]) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)


def _month_ticks(axes: Axes, months: tuple[str, ...]) -> None:
    """One tick per month, slanted when there are too many to read side by side."""
    if len(months) <= CROWDED:
        axes.set_xticks(range(len(months)), months)
    else:
        axes.set_xticks(range(len(months)), months, rotation=45, ha="right")


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


def _palette(count: int) -> list:
    from matplotlib import colormaps

    name = "tab10" if count <= 10 else "tab20"
    colours = colormaps[name].colors
    return [colours[i % len(colours)] for i in range(count)]


def render_chart(report: CultureReport) -> bytes:
    """The chart as PNG bytes."""
    with _RENDERING:
        figure = draw_chart(report)
        out = BytesIO()
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def figures_table(report: CultureReport, *, escape: bool = False) -> str:
    """The figures as a fixed-width table: the index and participation, then credits per stage.
    `escape` makes department names safe inside a Slack code block."""
    labels = month_labels(report)
    name = _escaped if escape else str
    rows: list[tuple[str, list[str]]] = [
        ("Everybody-sells index", [_percent(m.index) for m in report.months])
    ]
    largest = set(largest_departments(report, TABLE_DEPARTMENTS))
    shown = [d for d in report.headcount if d in largest]
    for department in shown:
        shares = [_percent(m.participation[department]) for m in report.months]
        rows.append((f"  {name(department)} ({report.headcount[department]})", shares))
    if more := len(report.headcount) - len(shown):
        rows.append((f"  …and {more} smaller departments", ["" for _ in report.months]))
    rows.append(("Credits", [f"{m.credits:,}" for m in report.months]))
    for stage in report.stages:
        counts = [f"{m.credits_by_stage.get(stage, 0):,}" for m in report.months]
        rows.append((f"  {stage_name(stage)}", counts))
    first = max(len(label) for label, _ in rows)
    width = max(len(cell) for _, cells in rows for cell in [*cells, *labels]) + 2
    lines = [" " * first + "".join(label.rjust(width) for label in labels)]
    lines += [label.ljust(first) + "".join(c.rjust(width) for c in cells) for label, cells in rows]
    if any(m.month.to_date for m in report.months):
        lines.append("* month to date")
    if report.has_revenue:
        lines += ["", *revenue_lines(report, name)]
    return "\n".join(lines)


def revenue_lines(report: CultureReport, name: Callable[[str], str] = str) -> list[str]:
    """Sourced and influenced revenue per department and quarter, a block per currency;
    the TABLE_DEPARTMENTS largest, then how many more."""
    labels = [q.label for q in report.revenue]
    by_currency = _revenue_by_currency(report)
    rows: list[tuple[str, list[str]]] = []
    for currency in sorted(by_currency, key=lambda c: (-by_currency[c], c)):
        rows.append((f"Revenue from CRM deals ({currency})", ["" for _ in labels]))
        shown = _largest_earners(report, currency, len(report.headcount) + 1_000_000)
        for department in shown[:TABLE_DEPARTMENTS]:
            for field in ("sourced", "influenced"):
                cells = [_money(q, department, currency, field) for q in report.revenue]
                rows.append((f"  {name(department)}, {field}", cells))
        if (more := len(shown) - TABLE_DEPARTMENTS) > 0:
            rows.append((f"  …and {more} more departments", ["" for _ in labels]))
    first = max(len(label) for label, _ in rows)
    width = max(len(cell) for _, cells in rows for cell in [*cells, *labels]) + 2
    lines = [" " * first + "".join(label.rjust(width) for label in labels)]
    lines += [
        (label.ljust(first) + "".join(c.rjust(width) for c in cells)).rstrip()
        for label, cells in rows
    ]
    note = (
        "Sourced: deals that came from a department's referral. Influenced: deals with "
        "someone from the department among their confirmed helpers, each counted whole for "
        "every such department, not split."
    )
    return lines + textwrap.wrap(note, NOTE_WIDTH)


def _money(quarter: QuarterRevenue, department: str, currency: str, field: str) -> str:
    values = [
        getattr(r, field)
        for r in quarter.rows
        if r.department == department and r.currency == currency
    ]
    return money(sum(values, Decimal(0)))


def report_comment(report: CultureReport) -> str:
    """The message that goes with the chart in Slack: a headline and the table."""
    people = sum(report.headcount.values())
    headline = (
        f"*{report_title(report)}*\nParticipation is the share of each department's people "
        f"credited at least once in the month ({len(report.headcount)} departments, "
        f"{people} people in today's org chart"
        + (
            f"; the {TABLE_DEPARTMENTS} largest are shown, and "
            "`everybody-sells export --what participation` has them all)."
            if len(report.headcount) > TABLE_DEPARTMENTS
            else ")."
        )
    )
    return f"{headline}\n```\n{figures_table(report, escape=True)}\n```"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)}%"


def _escaped(text: str) -> str:
    text = neutralise_broadcasts(text).replace("`", "'")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def report_filename(report: CultureReport) -> str:
    return f"culture-report-{report.months[-1].month.key}.png"

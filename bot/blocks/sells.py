"""Block Kit for `/sells`: help, personal stats and the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.kit import (
    context_block,
    divider,
    fields_section,
    header_block,
    line_sections,
    mrkdwn_section,
    note_message,
)
from bot.blocks.text import kind_emoji, kind_label, mention, plural, safe_mrkdwn, stage_label
from models.assists import Stage
from models.referrals import Conversion, ReferralFigures
from models.stats import (
    BREADTH,
    CREDITS,
    DepartmentBoard,
    DepartmentRow,
    LeaderRow,
    PersonalStats,
    Window,
)

SHOWN_DEPARTMENTS = 12  # past this many, an unknown department gets the nearest names
RANKED_DEPARTMENTS = 10  # the departments board shows the top ten, then "and N more"
DEPARTMENTS_BOARD = "departments"

HELP_LINES = (
    ("`/assist`", "open the form to credit people who helped a customer win or stay"),
    ("`/assist @someone what they did`", "credit someone right away"),
    ("`/win`", "celebrate a customer win and credit everyone who helped"),
    ("`/referral`", "pass a lead or an expansion need to sales and see what came of it"),
    (":{reaction}: reaction", "react to a helpful message to credit its author"),
    ("`/sells stats`", "what you gave and received this month, by kind and stage"),
    (
        "`/sells leaderboard [week|month|quarter] [department]`",
        "who was credited by the most different people",
    ),
    ("`/sells leaderboard credits [week|month|quarter] [department]`", "who got most credits"),
    (
        "`/sells leaderboard departments [week|month|quarter]`",
        "departments by the share of their people crediting someone",
    ),
    ("`/sells referrals`", "the referrals you passed and the ones you hold"),
    ("`/session` or `/session list`", "schedule a knowledge-sharing session, or see what's coming"),
    ("`/sells sessions`", "sessions by department, and which departments are overdue"),
    ("`/sells nudges on|off`", "managers: the weekly DM about your reports"),
    ("`/sells prompts on|off`", "the weekly “Who helped you this week?” DM, for you"),
    ("`/sells report [months]`", "admins: the culture report chart, here"),
    ("`/sells lesson`", "share a lesson from a loud mistake (celebrated, never ranked)"),
    (
        "`/sells dept` / `/sells dept describe Dept: …`",
        "the department directory; managers describe how their team helps sell",
    ),
)


def help_message(
    extra: Sequence[tuple[str, str]] = (), *, reaction: str = "handshake", note: str | None = None
) -> tuple[str, list[dict]]:
    """`/sells help`: every command in a line; `note` goes first (an unknown subcommand)."""
    lines = "\n".join(
        f"• {cmd.replace('{reaction}', reaction)}: {what}" for cmd, what in (*HELP_LINES, *extra)
    )
    blocks = [
        header_block("Everybody sells"),
        mrkdwn_section(
            "Selling is a loop: pre-sale, sale, post-sale, resale. "
            "Everyone contributes at some stage. Recognise it here:"
        ),
        mrkdwn_section(lines),
    ]
    if note:
        blocks.insert(0, context_block(note))
    return "Everybody sells: help", blocks


def breakdown(by_kind: dict[str, int], by_stage: dict[str, int]) -> str:
    if not by_kind:
        return "_none yet_"
    kinds = ", ".join(
        f"{kind_emoji(k)} {kind_label(k)} {n}"
        for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1])
    )
    order = [s.value for s in Stage] + ["unset"]
    stages = " · ".join(
        f"{stage_label(None if s == 'unset' else s)} {by_stage[s]}"
        for s in order
        if by_stage.get(s)
    )
    return f"{kinds}\n{stages}"


def stats_message(
    stats: PersonalStats, referrals: ReferralFigures | None = None, deals: str | None = None
) -> tuple[str, list[dict]]:
    """`/sells stats`: given and received in the window, by kind and by stage, and how
    referrals convert."""
    blocks = [
        header_block(f"Your record, {stats.window.label}"),
        fields_section(
            [
                f"*Received*\n{plural(stats.received, 'credit')}",
                f"*Given*\n{plural(stats.given, 'credit')}",
            ]
        ),
        mrkdwn_section("*Received*\n" + breakdown(stats.received_by_kind, stats.received_by_stage)),
        mrkdwn_section("*Given*\n" + breakdown(stats.given_by_kind, stats.given_by_stage)),
        *([mrkdwn_section(f":moneybag: {deals}")] if deals else []),
        *(referral_figures_blocks(referrals) if referrals else []),
    ]
    return f"You received {stats.received} and gave {plural(stats.given, 'credit')}", blocks


def leaderboard_message(
    rows: Sequence[LeaderRow], window: Window, department: str | None, by: str = BREADTH
) -> tuple[str, list[dict]]:
    """`/sells leaderboard`: the people credited by the most different people (breadth),
    or with the most credits (`by=CREDITS`), each with both counts."""
    scope = f" in {department}" if department else ""
    if not rows:
        body = (
            "Nobody has been credited yet in this period. "
            "Be the first: `/assist @someone what they did`."
        )
    else:
        body = "\n".join(_leader_line(r, not department, by) for r in rows)
    if by == CREDITS:
        title, how = (
            f"Most credits, {window.label}{scope}",
            (
                "Ranked by credits. `/sells leaderboard` ranks by how many different people "
                "credited each person"
            ),
        )
    else:
        title, how = (
            f"Leaderboard, {window.label}{scope}",
            (
                "Ranked by how many different people credited each person, then by credits. "
                "`/sells leaderboard credits` ranks by credits"
            ),
        )
    how += "; `/sells leaderboard departments` ranks departments by their share giving."
    blocks = [
        header_block(title),
        mrkdwn_section(body),
        context_block(f"{how} Lessons from loud mistakes are celebrated, never ranked."),
    ]
    return f"{'Most credits' if by == CREDITS else 'Leaderboard'}, {window.label}", blocks


def department_board_message(board: DepartmentBoard) -> tuple[str, list[dict]]:
    """`/sells leaderboard departments`: departments by the share of their people who
    credited someone, with the raw counts beside; only departments where someone gave."""
    label = board.window.label
    blocks = [header_block(f"Departments giving, {label}")]
    if not board.rows:
        nothing = (
            "Nobody has credited anyone yet in this period. "
            "Be the first: `/assist @someone what they did`."
        )
        return f"Departments giving, {label}", [*blocks, mrkdwn_section(nothing)]
    shown = board.rows[:RANKED_DEPARTMENTS]
    lines = [_department_line(row) for row in shown]
    if more := len(board.rows) - len(shown):
        lines.append(f"…and {plural(more, 'more department')} where people gave.")
    whole = (
        f"{len(board.rows)} of {plural(board.departments, 'department')} had someone "
        f"crediting a colleague; {board.share_giving:.0%} of everyone "
        f"({board.givers:,} of {board.people:,} people) did."
    )
    how = (
        "Ranked by the share of each department's people who credited someone, so a small "
        "team counts as much as a large one; `/sells leaderboard` ranks people."
    )
    blocks += [*line_sections(lines, max_blocks=3), context_block(f"{whole} {how}")]
    return f"Departments giving, {label}", blocks


def unknown_subcommand_message(typed: str, closest: str | None) -> tuple[str, list[dict]]:
    """`/sells foo`: one line, the nearest subcommand, and where the whole list is."""
    guess = f" Did you mean `/sells {closest}`?" if closest else ""
    text = f"I don't know `/sells {safe_mrkdwn(typed)}`.{guess} `/sells help` lists what I can do."
    return note_message(text)


def unknown_department_message(
    department: str, known: Sequence[str], closest: Sequence[str] = ()
) -> tuple[str, list[dict]]:
    """A leaderboard for a department nobody is in: the nearest names, never all 200."""
    if not known:
        departments = "no departments are imported yet"
    elif len(known) <= SHOWN_DEPARTMENTS:
        departments = f"departments are {', '.join(safe_mrkdwn(d) for d in known)}"
    else:
        near = f"the nearest are {', '.join(safe_mrkdwn(d) for d in closest)}; " if closest else ""
        departments = f"{near}`/sells dept` lists all {len(known)} departments"
    text = (
        f"There is no department called “{safe_mrkdwn(department)}”. Periods are week, "
        f"month and quarter; {departments}."
    )
    return note_message(text)


MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}


def _leader_line(row: LeaderRow, show_department: bool, by: str = BREADTH) -> str:
    people = "person" if row.givers == 1 else "people"
    rank = MEDALS.get(row.rank, f"{row.rank}.")
    if by == CREDITS:
        line = f"{rank} {mention(row.user_id)}: {plural(row.credits, 'credit')}"
        line += f" from {row.givers} {people}"
    else:
        line = f"{rank} {mention(row.user_id)}: credited by {row.givers} {people}"
        line += f" ({plural(row.credits, 'credit')})"
    if show_department and row.department:
        line += f" · {safe_mrkdwn(row.department)}"
    return line


def _department_line(row: DepartmentRow) -> str:
    rank = MEDALS.get(row.rank, f"{row.rank}.")
    return (
        f"{rank} *{safe_mrkdwn(row.department)}*: {row.share_giving:.0%} of "
        f"{plural(row.people, 'person', 'people')} credited someone · "
        f"{plural(row.givers, 'giver')}, {plural(row.credits_given, 'credit')} given"
    )


def _conversion_line(name: str, figures: Conversion) -> str:
    if figures.rate is None:
        line = f"{name}: none closed yet"
    else:
        line = f"{name}: {figures.won} won of {figures.closed} closed ({figures.rate:.0%})"
    if figures.median_to_contact is not None:
        line += f", first contact after {_duration(figures.median_to_contact.total_seconds())}"
    return line


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1:
        return "under an hour"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def referral_figures_blocks(figures: ReferralFigures, departments: int = 8) -> list[dict]:
    """Referral conversion (won ÷ closed) and median time to first contact, by department."""
    lines = [_conversion_line("*All referrals*", figures.overall)]
    lines += [
        _conversion_line(name, conversion)
        for name, conversion in list(figures.by_department.items())[:departments]
    ]
    blocks: list[dict] = [divider(), mrkdwn_section("\n".join(lines))]
    if figures.by_department:
        note = "Won ÷ closed and the median time to first contact, by the referrer's department."
        blocks.append(context_block(note))
    return blocks

"""The data export: one row per active credit, for spreadsheets and the company's own tools.

Rows are streamed from the database in batches, so exporting years of credits needs little
memory. Descriptions of assists logged in private conversations are left empty: their text
is kept for the giver's own record and must not leak through an export either.

Text people typed in Slack (customers, descriptions, names, departments, reasons) is
neutralised for spreadsheets: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading `'`, so Excel, LibreOffice and Google Sheets show it as text instead
of running it as a formula (OWASP's advice on CSV injection). IDs, times and numbers are
written as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from models.assists import Assist, Credit
from models.culture import Month
from models.deals import CrmDeal
from models.participation import MANAGERS, PEERS, help_flow, months_since, participation
from models.people import Person
from models.referrals import Referral

# The first nine are the public contract (PRODUCT.md); never reorder or rename them.
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "kind",
    "stage",
    "giver_id",
    "recipient_id",
    "customer",
    "source",
    "channel_id",
    "assist_id",
    "giver_name",
    "recipient_name",
    "recipient_department",
    "deal_value",
    "permalink",
    "is_private",
    "description",
)
# Cells holding text a Slack user typed (or names and departments from Slack and HR files).
TEXT_COLUMNS = frozenset(
    {
        "customer",
        "giver_name",
        "recipient_name",
        "recipient_department",
        "permalink",
        "description",
    }
)
BATCH_SIZE = 1000
# What makes a spreadsheet read a cell as a formula (or split it, for tab and CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def day_start(day: str, timezone: ZoneInfo) -> datetime:
    """The start of `day` (YYYY-MM-DD) in the workspace's time zone; ValueError if malformed."""
    try:
        parsed = datetime.strptime(day.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{day!r} is not a date like 2026-01-31 (YYYY-MM-DD)") from None
    return start_of(parsed, timezone)


def start_of(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone)


def exported_teams(session: Session, what: str = "credits") -> list[str]:
    """The workspaces that have credits (or referrals, or deals), so an export can default to
    the only one."""
    column = {"referrals": Referral.team_id, "deals": CrmDeal.team_id}.get(what, Credit.team_id)
    return list(session.scalars(select(column).distinct().order_by(column)))


def export_rows(
    session: Session, team_id: str, since: datetime | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[tuple[str, ...]]:
    """Active credits of `team_id` (oldest first) as text cells in EXPORT_COLUMNS order."""
    query = _credits_query(team_id, since).execution_options(yield_per=batch_size)
    for row in session.execute(query):
        yield _cells(row)


def _credits_query(team_id: str, since: datetime | None) -> Select:
    giver = aliased(Person)
    recipient = aliased(Person)
    query = (
        select(
            Credit.id,
            Credit.created_at,
            Credit.kind,
            Assist.stage,
            Credit.giver_id,
            Credit.recipient_id,
            Assist.customer,
            Assist.source,
            Assist.channel_id,
            Assist.id.label("assist_id"),
            giver.name.label("giver_name"),
            recipient.name.label("recipient_name"),
            recipient.department.label("recipient_department"),
            Assist.deal_value,
            Assist.permalink,
            Assist.is_private,
            Assist.description,
        )
        .join(Assist, and_(Assist.id == Credit.assist_id, Assist.team_id == Credit.team_id))
        .outerjoin(giver, and_(giver.team_id == team_id, giver.user_id == Credit.giver_id))
        .outerjoin(
            recipient, and_(recipient.team_id == team_id, recipient.user_id == Credit.recipient_id)
        )
        .where(
            Credit.team_id == team_id,
            Credit.revoked_at.is_(None),
            Assist.revoked_at.is_(None),
        )
        .order_by(Credit.created_at, Credit.id)
    )
    if since is not None:
        query = query.where(Credit.created_at >= since)
    return query


def _cells(row: Row) -> tuple[str, ...]:
    values = row._mapping
    cells = {name: _text(values[name]) for name in EXPORT_COLUMNS}
    if values["is_private"]:
        cells["description"] = ""
    return tuple(_safe(cells, name, TEXT_COLUMNS) for name in EXPORT_COLUMNS)


def spreadsheet_safe(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: `'=1+2` instead of `=1+2`."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe(cells: dict[str, str], name: str, text_columns: frozenset[str]) -> str:
    return spreadsheet_safe(cells[name]) if name in text_columns else cells[name]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


REFERRAL_COLUMNS = (
    "id",
    "created_at",
    "referrer_id",
    "referrer_department",
    "owner_id",
    "customer",
    "need",
    "urgency",
    "state",
    "accepted_at",
    "first_contact_at",
    "closed_at",
    "hours_to_first_contact",
    "deal_value",
    "close_reason",
    "is_private",
    "context",
    "history",
)
REFERRAL_TEXT_COLUMNS = frozenset(
    {"referrer_department", "customer", "close_reason", "context", "history"}
)


def referral_rows(
    session: Session, team_id: str, since: datetime | None = None
) -> Iterator[tuple[str, ...]]:
    """One row per referral with the times of its moves; private context left empty."""
    referrer = aliased(Person)
    query = (
        select(Referral, referrer.department)
        .outerjoin(
            referrer,
            and_(referrer.team_id == team_id, referrer.user_id == Referral.referrer_id),
        )
        .where(Referral.team_id == team_id)
        .order_by(Referral.created_at, Referral.id)
    )
    if since is not None:
        query = query.where(Referral.created_at >= since)
    for referral, department in session.execute(query.execution_options(yield_per=BATCH_SIZE)):
        waited = None
        if referral.first_contact_at is not None:
            waited = (referral.first_contact_at - referral.created_at).total_seconds() / 3600
        history = "; ".join(f"{move.to_state} {_text(move.at)}" for move in referral.history)
        cells = {
            **{name: _text(getattr(referral, name, None)) for name in REFERRAL_COLUMNS},
            "referrer_department": _text(department),
            "hours_to_first_contact": "" if waited is None else f"{waited:.1f}",
            "context": "" if referral.is_private else _text(referral.context),
            "history": history,
        }
        yield tuple(_safe(cells, name, REFERRAL_TEXT_COLUMNS) for name in REFERRAL_COLUMNS)


DEAL_COLUMNS = (
    "deal",
    "source",
    "deal_id",
    "deal_name",
    "customer",
    "amount",
    "currency",
    "won_at",
    "status",
    "owner_id",
    "confirmed_at",
    "referrer_id",
    "sourced_department",
    "helper_id",
    "helper_department",
)
DEAL_TEXT_COLUMNS = frozenset(
    {"deal_id", "deal_name", "customer", "sourced_department", "helper_department"}
)


def deal_rows(
    session: Session, team_id: str, since: datetime | None = None
) -> Iterator[tuple[str, ...]]:
    """One row per deal won and confirmed helper (a deal nobody confirmed yet: one row with
    the helper empty), with the departments its value counts for."""
    won_at = func.coalesce(CrmDeal.closed_at, CrmDeal.received_at)
    query = select(CrmDeal).where(CrmDeal.team_id == team_id).order_by(won_at, CrmDeal.id)
    if since is not None:
        query = query.where(won_at >= since)
    deals = list(session.scalars(query))
    referrers = dict(
        session.execute(
            select(Referral.id, Referral.referrer_id).where(
                Referral.id.in_([d.referral_id for d in deals if d.referral_id])
            )
        ).all()
    )
    helpers: dict[int, list[str]] = {}
    for assist_id, recipient in session.execute(
        select(Credit.assist_id, Credit.recipient_id)
        .where(
            Credit.assist_id.in_([d.assist_id for d in deals if d.assist_id]),
            Credit.revoked_at.is_(None),
        )
        .order_by(Credit.id)
    ):
        helpers.setdefault(assist_id, []).append(recipient)
    people = set(referrers.values()) | {h for hs in helpers.values() for h in hs}
    departments = dict(
        session.execute(
            select(Person.user_id, Person.department).where(
                Person.team_id == team_id, Person.user_id.in_(people)
            )
        ).all()
    )
    for deal in deals:
        referrer = referrers.get(deal.referral_id)
        base = {
            "deal": _text(deal.id),
            "source": deal.source,
            "deal_id": deal.deal_id,
            "deal_name": deal.name,
            "customer": deal.customer,
            "amount": _text(deal.amount),
            "currency": deal.currency,
            "won_at": _text(deal.when),
            "status": deal.status,
            "owner_id": _text(deal.owner_id),
            "confirmed_at": _text(deal.confirmed_at),
            "referrer_id": _text(referrer),
            "sourced_department": _text(departments.get(referrer) if referrer else None),
        }
        for helper in helpers.get(deal.assist_id or -1) or [None]:
            cells = base | {
                "helper_id": _text(helper),
                "helper_department": _text(departments.get(helper) if helper else None),
            }
            yield tuple(_safe(cells, name, DEAL_TEXT_COLUMNS) for name in DEAL_COLUMNS)


PARTICIPATION_COLUMNS = (
    "month",
    "department",
    "people",
    "givers",
    "share_giving",
    "receivers",
    "share_receiving",
    "credits_given",
    "credits_received",
    "managers",
    "managers_giving",
    "peers",
    "peers_giving",
    "sessions_taught",
    "sessions_attended",
)
HELP_FLOW_COLUMNS = ("month", "giver_department", "recipient_department", "credits")


def participation_rows(
    session: Session,
    team_id: str,
    since: datetime | None,
    *,
    now: datetime,
    tz: ZoneInfo,
    sales_department: str,
) -> Iterator[tuple[str, ...]]:
    """One row per month and department of the org chart, from the first credit's month (or
    `since`) to this month so far: the shares as fractions with four decimals."""
    months = list(_months(session, team_id, since, now, tz))
    # One call for all months: the org chart and its managers are read once, not per month.
    monthly = participation(session, team_id, months, sales_department)
    for month, figures in zip(months, monthly, strict=True):
        for department in figures.departments.values():
            managers, peers = department.role(MANAGERS), department.role(PEERS)
            yield (
                month.key,
                spreadsheet_safe(department.department),
                str(department.people),
                str(department.givers),
                f"{department.share_giving:.4f}",
                str(department.receivers),
                f"{department.share_receiving:.4f}",
                str(department.credits_given),
                str(department.credits_received),
                str(managers.people),
                str(managers.givers),
                str(peers.people),
                str(peers.givers),
                str(department.sessions_taught),
                str(department.sessions_attended),
            )


def help_flow_rows(
    session: Session, team_id: str, since: datetime | None, *, now: datetime, tz: ZoneInfo
) -> Iterator[tuple[str, ...]]:
    """One row per month and pair of departments with credits between them, busiest first."""
    for month in _months(session, team_id, since, now, tz):
        flow = help_flow(session, team_id, month.start, month.end)
        for giver, recipient, credits in flow.busiest(len(flow.credits), across_only=False):
            yield (month.key, spreadsheet_safe(giver), spreadsheet_safe(recipient), str(credits))


def _months(
    session: Session, team_id: str, since: datetime | None, now: datetime, tz: ZoneInfo
) -> list[Month]:
    first = since or session.scalar(
        select(func.min(Credit.created_at)).where(Credit.team_id == team_id)
    )
    return months_since(first, now, tz) if first is not None else []

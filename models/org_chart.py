"""The org chart: who sits in which department and reports to whom, imported from a CSV file.

Departments drive participation figures and leaderboards; managers receive the nudges about
their reports. The file names people by email; the caller supplies the resolver that turns an
email into a Slack user, so this module stays free of Slack.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.people import Person, PersonInfo, find_person, save_person

REQUIRED_COLUMNS = ("email", "department", "manager_email")
MAX_DEPARTMENT = Person.__table__.c.department.type.length or 100
NOT_IN_SLACK = "no Slack user with this email"
# Only what a dry run can tell without Slack: one @, something on either side, a dot after.
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Resolver = Callable[[str], PersonInfo | None]


class OrgChartError(ValueError):
    """The file cannot be read as an org chart at all (empty, bad header, broken CSV)."""


@dataclass(frozen=True)
class OrgRow:
    """One person's line in the file; `row` is the line number a spreadsheet would show."""

    row: int
    email: str
    department: str | None
    manager_email: str | None


@dataclass(frozen=True)
class RowProblem:
    """Why (part of) a row was not imported."""

    row: int
    email: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.email or '(no email)'}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did. `created` counts people newly placed in the org chart."""

    created: int = 0
    added: list[str] = field(default_factory=list)  # user ids of the people `created` counts
    welcomed: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowProblem] = field(default_factory=list)
    without_manager: list[RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def unresolved_emails(self) -> list[str]:
        """Emails of skipped rows whose person Slack does not know."""
        return [p.email for p in self.skipped if p.reason == NOT_IN_SLACK]


@dataclass
class FileCheck:
    """What importing a file would do, as far as the file alone tells (no Slack, no database)."""

    departments: Counter[str] = field(default_factory=Counter)  # department -> people
    without_department: int = 0
    with_manager: int = 0
    skipped: list[RowProblem] = field(default_factory=list)
    without_manager: list[RowProblem] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(self.departments.values()) + self.without_department

    @property
    def problems(self) -> int:
        return len(self.skipped) + len(self.without_manager)


def check_org_chart(rows: Sequence[OrgRow]) -> FileCheck:
    """Every problem visible in the rows themselves: the same rules as an import, plus
    emails that cannot be emails. Whether Slack knows each person is left to the import."""
    check = FileCheck()
    first_row: dict[str, int] = {}
    spellings: dict[str, str] = {}
    for row in rows:
        problem = _row_problem(row, first_row)
        if problem is None and not EMAIL_SHAPE.fullmatch(row.email):
            problem = RowProblem(row.row, row.email, "is not an email address")
        if problem is not None:
            check.skipped.append(problem)
            continue
        if row.department:
            key = _department_key(row.department)
            check.departments[spellings.setdefault(key, " ".join(row.department.split()))] += 1
        else:
            check.without_department += 1
        if not row.manager_email:
            continue
        if not EMAIL_SHAPE.fullmatch(row.manager_email):
            reason = "is not an email address"
        elif _key(row.manager_email) == _key(row.email):
            reason = "is the person themselves"
        else:
            check.with_manager += 1
            continue
        check.without_manager.append(
            RowProblem(row.row, row.email, f"manager {row.manager_email}: {reason}")
        )
    return check


def parse_org_chart(lines: Iterable[str]) -> list[OrgRow]:
    """Read CSV text (header `email,department,manager_email`, more columns allowed).

    The header is case-insensitive; a UTF-8 byte order mark and blank lines are ignored.
    """
    reader = csv.reader(lines)
    try:
        columns = _header(reader)
        rows = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_org_row(reader.line_num, cells, columns))
    except csv.Error as error:
        raise OrgChartError(f"line {reader.line_num} is not valid CSV ({error})") from None
    return rows


def _header(reader: Iterable[list[str]]) -> dict[str, int]:
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise OrgChartError(
                f"the header must have the columns {','.join(REQUIRED_COLUMNS)}; "
                f"missing {', '.join(missing)} (found {','.join(cells)})"
            )
        return {name: names.index(name) for name in REQUIRED_COLUMNS}
    raise OrgChartError(f"the file is empty; expected the header {','.join(REQUIRED_COLUMNS)}")


def _org_row(line: int, cells: Sequence[str], columns: Mapping[str, int]) -> OrgRow:
    def cell(name: str) -> str | None:
        index = columns[name]
        value = cells[index].strip() if index < len(cells) else ""
        return value or None

    return OrgRow(
        row=line,
        email=cell("email") or "",
        department=cell("department"),
        manager_email=cell("manager_email"),
    )


def import_org_chart(
    session: Session, team_id: str, rows: Sequence[OrgRow], resolve: Resolver
) -> ImportReport:
    """Upsert each row's department and manager in `team_id`; report rows that failed.

    Every distinct email is resolved once, before the first database access, so a resolver
    that writes through its own connection never waits on this session. Importing the same
    file again updates people in place and never duplicates them. Departments take the
    spelling the org chart already has, whatever the case; an empty department or
    manager_email keeps the person's current one.
    """
    people = resolve_emails(rows, resolve)
    report = ImportReport()
    first_row: dict[str, int] = {}
    spellings = department_spellings(session, team_id)
    for row in rows:
        problem = _row_problem(row, first_row)
        if problem is None:
            problem = _import_row(session, team_id, row, people, report, spellings)
        if problem is not None:
            report.skipped.append(problem)
    return report


def department_spellings(session: Session, team_id: str) -> dict[str, str]:
    """The org chart's own spelling of each department, by its case-insensitive key.

    Where the database already holds several spellings, the one most people have wins.
    """
    count = func.count(Person.id)
    rows = session.execute(
        select(Person.department, count)
        .where(Person.team_id == team_id, Person.department.is_not(None))
        .group_by(Person.department)
        .order_by(count.desc(), Person.department)
    )
    spellings: dict[str, str] = {}
    for department, _ in rows:
        spellings.setdefault(_department_key(department), department)
    return spellings


def _department_key(department: str) -> str:
    return " ".join(department.split()).casefold()


def resolve_emails(rows: Iterable[OrgRow], resolve: Resolver) -> dict[str, PersonInfo | None]:
    """Ask the resolver about every distinct email (people and managers) exactly once."""
    emails = dict.fromkeys(
        _key(email) for row in rows for email in (row.email, row.manager_email) if email
    )
    return {email: resolve(email) for email in emails}


def _key(email: str) -> str:
    return email.strip().lower()


def _row_problem(row: OrgRow, first_row: dict[str, int]) -> RowProblem | None:
    """Problems visible in the row itself, before asking who the person is."""
    if not row.email:
        return RowProblem(row.row, "", "the email is empty")
    key = _key(row.email)
    if key in first_row:
        return RowProblem(
            row.row, row.email, f"also on row {first_row[key]}; only the first is imported"
        )
    first_row[key] = row.row
    if row.department and len(row.department) > MAX_DEPARTMENT:
        return RowProblem(
            row.row, row.email, f"the department is longer than {MAX_DEPARTMENT} characters"
        )
    return None


def _import_row(
    session: Session,
    team_id: str,
    row: OrgRow,
    people: Mapping[str, PersonInfo | None],
    report: ImportReport,
    spellings: dict[str, str],
) -> RowProblem | None:
    info = people.get(_key(row.email))
    if info is None:
        return RowProblem(row.row, row.email, NOT_IN_SLACK)
    if info.is_bot:
        return RowProblem(row.row, row.email, "this Slack user is a bot, not a person")
    manager_id = _manager_id(row, info, people, report)
    existing = find_person(session, team_id, info.user_id)
    before = (existing.department, existing.manager_id) if existing is not None else None
    # A department is spelt as the org chart already spells it ("  sales " becomes "Sales").
    # An empty cell keeps what the org chart already says; it never wipes it.
    if row.department:
        key = _department_key(row.department)
        department = spellings.setdefault(key, " ".join(row.department.split()))
    else:
        department = before[0] if before else None
    if before and not row.manager_email:
        manager_id = before[1]
    person = save_person(session, team_id, info)
    person.department = department
    person.manager_id = manager_id
    after = (department, manager_id)
    if before == after:
        report.unchanged += 1
    elif before is None or before == (None, None):
        report.created += 1
        report.added.append(info.user_id)
    else:
        report.updated += 1
    return None


def _manager_id(
    row: OrgRow,
    person: PersonInfo,
    people: Mapping[str, PersonInfo | None],
    report: ImportReport,
) -> str | None:
    """The manager's Slack user id, or None (reported) when it cannot be used."""
    if not row.manager_email:
        return None
    manager = people.get(_key(row.manager_email))
    if manager is None:
        reason = NOT_IN_SLACK
    elif manager.user_id == person.user_id:
        reason = "is the person themselves"
    elif not manager.creditable:
        reason = "is a bot or a deactivated Slack user"
    else:
        return manager.user_id
    report.without_manager.append(
        RowProblem(row.row, row.email, f"manager {row.manager_email}: {reason}")
    )
    return None

"""One readable line for a database that cannot be opened, instead of SQLAlchemy's traceback.

Used by the command line for every command that opens a database (`run`, `db upgrade`,
`export`, `digest`, `demo`...): the line names the URL (password masked), the cause and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

URL_EXAMPLES = "sqlite:///path/to/file.db or postgresql://user:password@host:5432/name"


def database_failure(error: BaseException, url: str, setting: str = "DATABASE_URL") -> str | None:
    """Why the database at `url` cannot be used, in one line; None for any other error.

    `setting` is where the URL came from, so the fix can name it. Errors raised while
    connecting are all explained; an error in the middle of a statement only when it is an
    OperationalError (the server went away, a lock, a full disk), since anything else there
    is more likely a bug, whose traceback is worth keeping.
    """
    if isinstance(error, ArgumentError):
        if _parses(url):
            return None  # a bad query, not a bad URL
        return (
            f"{setting} is not a database URL this bot can open ({_masked_text(url)}: "
            f"{_first_line(str(error))}); use e.g. {URL_EXAMPLES}"
        )
    if not isinstance(error, DBAPIError):
        return None
    opening = error.statement is None
    if not opening and not isinstance(error, OperationalError):
        return None
    parsed = make_url(url)
    cause, fix = _explained(_driver_message(error), parsed, setting)
    what = "cannot open the database" if opening else "lost the database"
    return f"{what} {parsed.render_as_string(hide_password=True)}: {cause}; {fix}"


def _explained(message: str, url: URL, setting: str) -> tuple[str, str]:
    """The cause, and what to do about it."""
    if url.get_backend_name() == "sqlite":
        return _sqlite(message, url, setting)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if found := re.search(r'database "([^"]+)" does not exist', message):
        name = found[1]
        return (
            f'the server at {where} has no database "{name}"',
            f"create it (createdb {name}) or correct the database name in {setting}",
        )
    if found := re.search(r'role "([^"]+)" does not exist', message):
        return (
            f'the server at {where} has no user "{found[1]}"',
            f"correct the user in {setting}",
        )
    if "password authentication failed" in message or "no password supplied" in message:
        return (
            f'the server at {where} refused the password of user "{url.username}"',
            f"correct the user and password in {setting}",
        )
    if "Connection refused" in message:
        return (
            f"nothing accepts connections at {where} (connection refused)",
            f"start PostgreSQL there, or correct the host and port in {setting}",
        )
    if "resolve host" in message or "Name or service not known" in message:
        return f'unknown host "{url.host}"', f"correct the host in {setting}"
    if "timeout" in message.lower() or "timed out" in message:
        return (
            f"the server at {where} did not answer in time",
            f"check that it is running and reachable, and the host and port in {setting}",
        )
    return message, f"check {setting} and that the database server is running"


def _sqlite(message: str, url: URL, setting: str) -> tuple[str, str]:
    path = Path(url.database or "").absolute()
    if "unable to open database file" in message:
        if path.is_dir():
            return f"{path} is a folder", f"{setting} must name a file, e.g. {path}/sells.db"
        if not path.parent.is_dir():
            return (
                f"the folder {path.parent} does not exist",
                f"create it, or correct the path in {setting}",
            )
        return (
            f"cannot create or open {path}",
            f"check that this user may write to {path.parent}, or choose another path in {setting}",
        )
    if "file is not a database" in message:
        return (
            f"{path} is not a SQLite database",
            f"{setting} must name the bot's database file (or a new one)",
        )
    if "readonly database" in message:
        return f"{path} is read-only", "make it and its folder writable for this user"
    if "database is locked" in message:
        return (
            "another process holds its lock",
            "try again when it is done (for several bots at once use PostgreSQL)",
        )
    return message, f"check {setting}"


def _driver_message(error: DBAPIError) -> str:
    """psycopg's "connection failed: connection to server at ... failed: FATAL:  <why>"
    shortened to <why>; sqlite3's message as it is."""
    message = _first_line(str(error.orig))
    message = message.rsplit(" failed: ", 1)[-1]
    return re.sub(r"^(FATAL|ERROR):\s+", "", message).strip()


def _parses(url: str) -> bool:
    try:
        make_url(url).get_dialect()
    except (ArgumentError, ImportError):
        return False
    return True


def _masked_text(url: str) -> str:
    """A URL SQLAlchemy cannot parse, with anything that looks like a password hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text

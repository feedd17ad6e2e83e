"""`/sells dept`: the department directory, and `/sells dept describe Dept: how we help sell`."""

from __future__ import annotations

import re

from slack_sdk import WebClient

from bot.blocks.onboarding import directory_lines
from bot.services import Services
from models.departments import (
    DESCRIPTION_LENGTH,
    canonical_department,
    describe,
    directory,
    may_describe,
)

DESCRIBE = re.compile(r"^\s*dept\s+describe\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
USAGE = "Usage: `/sells dept describe Support: we keep customers happy enough to renew`."


def dept_subcommand(
    services: Services, words: list[str], command: dict, client: WebClient, team_id: str
) -> tuple[str, list[dict]]:
    match = DESCRIBE.match(command.get("text") or "")
    if match:
        answer = describe_department(services, team_id, command["user_id"], match.group(1))
    else:
        with services.sessions() as session:
            rows = directory(session, team_id)
        answer = directory_lines(rows) or "No departments yet: an admin imports the org chart."
    return answer, [{"type": "section", "text": {"type": "mrkdwn", "text": answer}}]


def describe_department(services: Services, team_id: str, user_id: str, rest: str) -> str:
    """Set a department's one line; only its managers and admins may."""
    name, separator, description = rest.partition(":")
    if not separator:
        name, _, description = rest.partition(" ")
    name, description = name.strip(), description.strip()
    if not name or not description:
        return USAGE
    if len(description) > DESCRIPTION_LENGTH:
        return f"Please use at most {DESCRIPTION_LENGTH} characters for the description."
    with services.sessions.begin() as session:
        department = canonical_department(session, team_id, name)
        if department is None:
            return f"There is no department called “{name}” in the org chart."
        if not may_describe(session, team_id, user_id, department, services.is_admin(user_id)):
            return f"Only managers in {department} and admins can describe it."
        describe(session, team_id, department, description, user_id)
    return f"Saved. New people will read: *{department}*: {description}"

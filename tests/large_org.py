"""A company at the largest size the bot promises to serve, written straight to the database.

10,000 people in 200 departments (40-character names), one manager with 200 reports, one
person credited 5,000 times, every department credited this week and a third of the
company for the first time, a rep holding 500 referrals, 200 department descriptions,
and a session with 40 presenters and 300 RSVPs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from bot.commands.sample_company import advance_assist_ids
from models.assists import Assist, Credit
from models.departments import DESCRIPTION_LENGTH, DepartmentProfile
from models.knowledge_sessions import (
    TITLE_LENGTH,
    KnowledgeSession,
    SessionPresenter,
    SessionRsvp,
)
from models.people import Person
from models.referrals import Referral

PEOPLE = 10_000
DEPARTMENTS = [f"Regional Customer Success Operations {n:03d}" for n in range(200)]
BOSS = "UBOSS00001"  # manages 200 people
STAR = "USTAR00001"  # credited 5,000 times
REP = "UREP000001"  # holds 500 referrals
ADMIN = "UADMIN0001"


@dataclass(frozen=True)
class LargeOrg:
    team_id: str
    people: list[str]  # everyone's user id, in department order
    reports: list[str]  # the boss's 200 reports
    session_id: int


def person_id(n: int) -> str:
    return f"U{n:09d}"


def build_large_org(sessions: sessionmaker[Session], team_id: str, now: datetime) -> LargeOrg:
    people = [person_id(n) for n in range(PEOPLE)]
    reports = people[:200]
    with sessions.begin() as session:
        rows = [
            {
                "team_id": team_id,
                "user_id": user,
                "name": f"Firstname{n} Lastname{n}",
                "email": f"person{n}@example.com",
                "department": DEPARTMENTS[n % len(DEPARTMENTS)],
                "manager_id": BOSS if user in reports[:200] else people[n % len(DEPARTMENTS)],
                "is_bot": False,
                "is_deleted": False,
                "refreshed_at": now,
                "home_opened_at": now,
            }
            for n, user in enumerate(people)
        ]
        for user, department in (
            (BOSS, DEPARTMENTS[0]),
            (STAR, DEPARTMENTS[1]),
            (REP, "Sales"),
            (ADMIN, DEPARTMENTS[2]),
        ):
            rows.append(
                {
                    **rows[0],
                    "user_id": user,
                    "name": user,
                    "department": department,
                    "email": f"{user.lower()}@example.com",
                    "manager_id": None,
                }
            )
        session.execute(insert(Person.__table__), rows)
        session.execute(
            insert(DepartmentProfile.__table__),
            [
                {
                    "team_id": team_id,
                    "department": d,
                    "description": ("We help customers renew and grow, " * 20)[:DESCRIPTION_LENGTH],
                    "updated_by": ADMIN,
                }
                for d in DEPARTMENTS
            ],
        )
    _credits(sessions, team_id, people, reports, now)
    _referrals(sessions, team_id, people, now)
    return LargeOrg(team_id, people, reports, _session(sessions, team_id, people, now))


def _credits(
    sessions: sessionmaker[Session],
    team_id: str,
    people: list[str],
    reports: list[str],
    now: datetime,
) -> None:
    assists, credits = [], []

    def give(giver: str, recipient: str, when: datetime, kind: str = "assist") -> None:
        assist_id = len(assists) + 1
        assists.append(
            {
                "id": assist_id,
                "team_id": team_id,
                "giver_id": giver,
                "kind": kind,
                "stage": ("pre-sale", "sale", "post-sale", "resale", None)[assist_id % 5],
                "customer": f"Customer with a long registered name {assist_id % 97} GmbH",
                "description": f"Stayed late to fix the integration & demo #{assist_id}. " * 6,
                "source": "modal",
                "is_private": assist_id % 7 == 0,
                "created_at": when,
            }
        )
        credits.append(
            {
                "team_id": team_id,
                "assist_id": assist_id,
                "recipient_id": recipient,
                "giver_id": giver,
                "kind": kind,
                "stage": assists[-1]["stage"],
                "created_at": when,
            }
        )

    for n in range(5000):  # the star, over three months, from 1,000 different people
        give(people[(n % 1000) + 500], STAR, now - timedelta(days=n % 90, minutes=n))
    for n, report in enumerate(reports):  # each of the boss's reports, this week
        give(
            people[-1 - n], report, now - timedelta(days=1, minutes=n), "win" if n % 2 else "assist"
        )
        give(
            people[-201 - n],
            report,
            now - timedelta(days=2, minutes=n),
            "lesson" if n % 9 == 0 else "service",
        )
    for n in range(3400):  # a third of the company credited this week, for the first time
        give(people[n], people[(n + 1) % 3400 + 3000], now - timedelta(hours=n % 150))
    with sessions.begin() as session:
        session.execute(insert(Assist.__table__), assists)
        session.execute(insert(Credit.__table__), credits)
        advance_assist_ids(session)  # the ids were given here: PostgreSQL's counter must follow


def _referrals(
    sessions: sessionmaker[Session], team_id: str, people: list[str], now: datetime
) -> None:
    states = ("new", "accepted", "contacted", "won", "lost", "not_a_fit")
    rows = [
        {
            "team_id": team_id,
            "referrer_id": people[n],
            "owner_id": REP,
            "customer": ("A customer with a very long legal name and a division " * 3)[:150],
            "need": "expansion",
            "urgency": "high",
            "context": "They asked about SSO for 400 seats & a second region. " * 25,
            "state": states[n % len(states)],
            "created_at": now - timedelta(days=n % 60),
            "state_changed_at": now - timedelta(days=n % 60),
            "assigned_at": now - timedelta(days=n % 60),
        }
        for n in range(500)
    ]
    with sessions.begin() as session:
        session.execute(insert(Referral.__table__), rows)


def _session(
    sessions: sessionmaker[Session], team_id: str, people: list[str], now: datetime
) -> int:
    with sessions.begin() as session:
        talk = KnowledgeSession(
            team_id=team_id,
            title=("How we build the billing engine that you sell to enterprises " * 3)[
                :TITLE_LENGTH
            ],
            direction="build_to_sales",
            department=DEPARTMENTS[5],
            audience_department="Sales",
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=1),
            meeting_url="https://meet.example.com/billing",
            created_by=people[0],
        )
        session.add(talk)
        session.flush()
        session.execute(
            insert(SessionPresenter.__table__),
            [{"team_id": team_id, "session_id": talk.id, "user_id": u} for u in people[:40]],
        )
        session.execute(
            insert(SessionRsvp.__table__),
            [
                {"team_id": team_id, "session_id": talk.id, "user_id": u, "created_at": now}
                for u in people[100:400]
            ],
        )
        return talk.id

"""`everybody-sells export --format csv`, run as an admin would, on data logged by the rules."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.cli import main
from models.assists import (
    AssistDraft,
    GivingLimit,
    Kind,
    Source,
    Stage,
    get_assist,
    record_assist,
    revoke_assist,
)
from models.export import spreadsheet_safe
from models.people import PersonInfo, save_person
from models.referrals import Need, ReferralDraft, create_referral
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GENERAL, GINA, SECRET

CONTRACT = "id,created_at,kind,stage,giver_id,recipient_id,customer,source,channel_id"
OTHER_TEAM = "T0OTHER"
PEOPLE = {uid: PersonInfo(uid, name) for uid, name in ((GINA, "Gina"), (ANA, "Ana"), (BEN, "Ben"))}
LIMIT = GivingLimit(per_day=100)


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    """An admin's shell: a database, no Slack token at all, and no stray .env file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "UTC")
    return tmp_path


def log(sessions, when: datetime, team_id: str = TEAM_ID, **details: object) -> int:
    """Record an assist from Gina the way the bot does; returns the assist id."""
    draft = AssistDraft(team_id=team_id, giver_id=GINA, **details)  # type: ignore[arg-type]
    with sessions.begin() as session:
        outcome = record_assist(session, draft, PEOPLE, LIMIT, now=when)
        assert outcome.recorded
        return outcome.assist.id


def revoke(sessions, assist_id: int) -> None:
    """Revoke as removing a reaction does."""
    with sessions.begin() as session:
        assert revoke_assist(session, get_assist(session, TEAM_ID, assist_id))


def export(capsys, *args: str) -> tuple[int, list[dict[str, str]], str, str]:
    """Run the export; return its exit code, rows, header line and stderr."""
    code = main(["export", "--format", "csv", *args])
    captured = capsys.readouterr()
    header = captured.out.splitlines()[0] if captured.out else ""
    return code, list(csv.DictReader(io.StringIO(captured.out))), header, captured.err


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def company(sessions):
    """Two assists in our workspace, one revoked, one private, and one in another workspace."""
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PEOPLE[GINA])
        save_person(session, TEAM_ID, PEOPLE[ANA]).department = "Sales"
    ids = {
        "win": log(
            sessions,
            at("2026-03-02T09:15:00"),
            recipient_ids=[ANA, BEN],
            kind=Kind.WIN,
            stage=Stage.SALE,
            customer="Acme",
            description="closed the Acme renewal",
            deal_value=Decimal("1200"),
            source=Source.MODAL,
            channel_id=GENERAL,
        ),
        "private": log(
            sessions,
            at("2026-03-03T10:00:00"),
            recipient_ids=[BEN],
            description="pricing talk in the deal room",
            channel_id=SECRET,
            is_private=True,
        ),
        "revoked": log(sessions, at("2026-03-04T11:00:00"), recipient_ids=[ANA]),
    }
    revoke(sessions, ids["revoked"])
    log(sessions, at("2026-03-02T12:00:00"), team_id=OTHER_TEAM, recipient_ids=[ANA])
    return ids


def test_one_row_per_active_credit_of_one_workspace(cli_env, company, capsys):
    code, rows, header, _ = export(capsys, "--team", TEAM_ID)

    assert code == 0
    assert header.startswith(CONTRACT + ",assist_id,")
    assert [(r["recipient_id"], r["kind"], r["assist_id"]) for r in rows] == [
        (ANA, "win", str(company["win"])),
        (BEN, "win", str(company["win"])),
        (BEN, "assist", str(company["private"])),
    ]
    assert len({r["id"] for r in rows}) == 3
    ana = rows[0]
    assert ana["created_at"] == "2026-03-02T09:15:00Z"
    assert (ana["stage"], ana["giver_id"], ana["customer"], ana["source"]) == (
        "sale",
        GINA,
        "Acme",
        "modal",
    )
    assert (ana["channel_id"], ana["deal_value"], ana["description"]) == (
        GENERAL,
        "1200.00",
        "closed the Acme renewal",
    )
    assert (ana["giver_name"], ana["recipient_name"], ana["recipient_department"]) == (
        "Gina",
        "Ana",
        "Sales",
    )


def test_private_assist_text_never_leaves_the_database(cli_env, company, capsys):
    _, rows, _, _ = export(capsys, "--team", TEAM_ID)

    private = [r for r in rows if r["assist_id"] == str(company["private"])]
    assert [(r["is_private"], r["description"]) for r in private] == [("true", "")]
    assert rows[0]["is_private"] == "false"


def test_several_workspaces_need_team(cli_env, company, capsys):
    code, rows, _, err = export(capsys)

    assert code == 2
    assert rows == []
    assert err.count("\n") == 1
    assert "--team" in err
    assert OTHER_TEAM in err


def test_the_only_workspace_is_the_default(cli_env, sessions, capsys):
    log(sessions, at("2026-03-02T09:00:00"), recipient_ids=[ANA])

    code, rows, _, _ = export(capsys)
    assert code == 0
    assert [r["recipient_id"] for r in rows] == [ANA]


def test_since_starts_at_midnight_in_the_workspace_time_zone(
    cli_env, sessions, monkeypatch, capsys
):
    monkeypatch.setenv("TIMEZONE", "America/New_York")
    log(sessions, at("2026-03-10T03:30:00"), recipient_ids=[ANA])  # 9 March, 23:30 in New York
    log(sessions, at("2026-03-10T05:30:00"), recipient_ids=[BEN])  # 10 March, 01:30 in New York

    code, rows, _, _ = export(capsys, "--since", "2026-03-10")
    assert code == 0
    assert [r["recipient_id"] for r in rows] == [BEN]


def test_malformed_since_stops_with_one_line_and_exit_2(cli_env, company, capsys):
    code, rows, _, err = export(capsys, "--since", "10/03/2026", "--team", TEAM_ID)

    assert code == 2
    assert rows == []
    assert err.count("\n") == 1
    assert "10/03/2026" in err
    assert "YYYY-MM-DD" in err


def test_only_csv_is_offered(cli_env, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["export", "--format", "json"])
    assert stopped.value.code == 2
    assert "invalid choice: 'json'" in capsys.readouterr().err


def test_empty_database_gives_just_the_header(cli_env, engine, capsys):
    code, rows, header, _ = export(capsys)

    assert code == 0
    assert rows == []
    assert header.startswith(CONTRACT)


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_a_sqlite_file_that_does_not_exist_is_named_not_created(
    cli_env, monkeypatch, capsys, relative
):
    missing = cli_env / "typo" / "everybody_sells.db"
    (cli_env / "typo").mkdir()
    url = "sqlite:///typo/everybody_sells.db" if relative else f"sqlite:///{missing}"
    monkeypatch.setenv("DATABASE_URL", url)

    code, rows, header, err = export(capsys)

    assert code == 2
    assert (rows, header) == ([], "")
    assert err == f"everybody-sells: no database at {missing} (check DATABASE_URL)\n"
    assert list((cli_env / "typo").iterdir()) == []


EVIL = '=HYPERLINK("http://evil.example","click")'


def test_typed_text_cannot_become_a_spreadsheet_formula(cli_env, sessions, capsys):
    with sessions.begin() as session:
        save_person(session, TEAM_ID, PersonInfo(GINA, "@gina"))
        save_person(session, TEAM_ID, PersonInfo(ANA, "Ana")).department = "-Ops"
    assist_id = log(
        sessions,
        at("2026-03-02T09:15:00"),
        recipient_ids=[ANA],
        kind=Kind.WIN,
        customer="+1 Acme",
        description=EVIL,
        deal_value=Decimal("-5"),
        channel_id=GENERAL,
    )

    code, rows, _, _ = export(capsys)

    assert code == 0
    [row] = rows
    assert row["description"] == "'" + EVIL
    assert (row["customer"], row["giver_name"], row["recipient_department"]) == (
        "'+1 Acme",
        "'@gina",
        "'-Ops",
    )
    assert row["recipient_name"] == "Ana"  # ordinary text is left alone
    # IDs, times and numbers are written as they are.
    assert (row["assist_id"], row["giver_id"], row["channel_id"]) == (str(assist_id), GINA, GENERAL)
    assert (row["created_at"], row["deal_value"]) == ("2026-03-02T09:15:00Z", "-5.00")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    assert spreadsheet_safe(f"{start}1+2") == f"'{start}1+2"
    assert spreadsheet_safe(f"a{start}b") == f"a{start}b"
    assert spreadsheet_safe("") == ""


def test_referral_text_cannot_become_a_spreadsheet_formula(cli_env, sessions, capsys):
    with sessions.begin() as session:
        create_referral(
            session,
            ReferralDraft(
                team_id=TEAM_ID,
                referrer_id=GINA,
                customer="@Globex",
                need=next(iter(Need)),
                context=EVIL,
            ),
            now=at("2026-03-02T09:15:00"),
        )

    code, rows, _, _ = export(capsys, "--what", "referrals")

    assert code == 0
    [row] = rows
    assert (row["customer"], row["context"]) == ("'@Globex", "'" + EVIL)
    assert row["created_at"] == "2026-03-02T09:15:00Z"

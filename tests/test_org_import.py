"""`everybody-sells org import FILE.csv`, run as an admin would, against the Slack stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.cli import main
from models.people import Person
from tests.slack_standin import TEAM_ID
from tests.workspace import ANA, BEN, GINA

ORG_CHART = """\
email,department,manager_email
gina@example.com,Support,
ana@example.com,Sales,gina@example.com
ben@example.com,Engineering,ana@example.com
"""


@pytest.fixture
def cli_env(monkeypatch, tmp_path, standin, database_url):
    """The environment an admin's shell would have, and no stray .env file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", standin.api_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "UTC")
    return tmp_path


def write(folder, text: str, name: str = "org.csv", encoding: str = "utf-8") -> str:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return str(path)


def org_chart(sessions) -> dict[str, tuple[str | None, str | None]]:
    """user id -> (department, manager id), as stored for the test workspace."""
    with sessions() as session:
        people = session.scalars(select(Person).where(Person.team_id == TEAM_ID))
        return {p.user_id: (p.department, p.manager_id) for p in people}


def test_import_places_everyone_and_resolves_each_email_once(cli_env, standin, sessions, capsys):
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 0

    out = capsys.readouterr().out
    assert "3 rows read, 3 added, 0 updated, 0 unchanged, 0 skipped" in out
    assert org_chart(sessions) == {
        GINA: ("Support", None),
        ANA: ("Sales", GINA),
        BEN: ("Engineering", ANA),
    }
    looked_up = [call.args["email"] for call in standin.calls("users.lookupByEmail")]
    assert sorted(looked_up) == ["ana@example.com", "ben@example.com", "gina@example.com"]


def test_importing_again_updates_and_never_duplicates(cli_env, sessions, capsys):
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 0
    moved = ORG_CHART.replace("ben@example.com,Engineering", "ben@example.com,Solutions")
    assert main(["org", "import", write(cli_env, moved)]) == 0

    out = capsys.readouterr().out
    assert "0 added, 1 updated, 2 unchanged, 0 skipped" in out
    assert org_chart(sessions)[BEN] == ("Solutions", ANA)
    with sessions() as session:
        assert session.scalar(select(func.count(Person.id))) == 3


def test_unresolved_row_is_reported_and_the_others_imported(cli_env, sessions, capsys):
    chart = ORG_CHART + "nobody@example.com,Finance,gina@example.com\n"
    assert main(["org", "import", write(cli_env, chart)]) == 0

    out = capsys.readouterr().out
    assert "3 added, 0 updated, 0 unchanged, 1 skipped" in out
    assert "row 5: nobody@example.com: no Slack user with this email" in out
    assert set(org_chart(sessions)) == {GINA, ANA, BEN}


def test_unknown_manager_is_reported_and_the_person_imported_without_one(cli_env, sessions, capsys):
    chart = ORG_CHART.replace("Engineering,ana@example.com", "Engineering,boss@example.com")
    assert main(["org", "import", write(cli_env, chart)]) == 0

    out = capsys.readouterr().out
    assert "Imported without a manager (1):" in out
    assert "row 4: ben@example.com: manager boss@example.com: no Slack user with this email" in out
    assert org_chart(sessions)[BEN] == ("Engineering", None)


def test_spreadsheet_quirks_are_tolerated(cli_env, sessions, capsys):
    """Excel's 'CSV UTF-8' adds a BOM; people write headers their own way and leave gaps."""
    chart = (
        "Name,EMAIL,Department,Manager_Email\n"
        "\n"
        "Gina,gina@example.com,Support,\n"
        "\n"
        "Ana, Ana@Example.com ,Sales,GINA@example.com\n"
    )
    assert main(["org", "import", write(cli_env, chart, encoding="utf-8-sig")]) == 0

    assert "2 added" in capsys.readouterr().out
    assert org_chart(sessions) == {GINA: ("Support", None), ANA: ("Sales", GINA)}


def test_a_person_listed_twice_is_imported_once_and_reported(cli_env, sessions, capsys):
    chart = ORG_CHART + "ana@example.com,Marketing,\n"
    assert main(["org", "import", write(cli_env, chart)]) == 0

    out = capsys.readouterr().out
    assert "row 5: ana@example.com: also on row 3; only the first is imported" in out
    assert org_chart(sessions)[ANA] == ("Sales", GINA)


def test_bad_header_stops_with_one_line_and_exit_2(cli_env, standin, sessions, capsys):
    path = write(cli_env, "email,dept,manager\ngina@example.com,Support,\n")
    assert main(["org", "import", path]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "missing department, manager_email" in captured.err
    assert standin.count("users.lookupByEmail") == 0
    assert org_chart(sessions) == {}


def test_missing_file_stops_with_exit_2(cli_env, capsys):
    assert main(["org", "import", str(cli_env / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.csv: no such file" in err


def test_missing_token_is_named_and_exits_2(cli_env, monkeypatch, standin, capsys):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "SLACK_BOT_TOKEN" in err
    assert standin.count("users.lookupByEmail") == 0


def test_missing_scope_is_explained_and_nothing_is_written(cli_env, standin, sessions, capsys):
    standin.fail("users.lookupByEmail", "missing_scope")
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 1

    err = capsys.readouterr().err
    assert "missing_scope" in err
    assert "users:read.email" in err
    assert org_chart(sessions) == {}


def test_departments_take_the_org_charts_spelling_whatever_the_case(cli_env, sessions, capsys):
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 0
    respelt = (
        "email,department,manager_email\n"
        "gina@example.com,SUPPORT,\n"
        'ana@example.com,"  sales ",gina@example.com\n'
        "ben@example.com,sales,ana@example.com\n"
    )
    assert main(["org", "import", write(cli_env, respelt)]) == 0

    assert "0 added, 1 updated, 2 unchanged" in capsys.readouterr().out
    assert org_chart(sessions) == {
        GINA: ("Support", None),
        ANA: ("Sales", GINA),
        BEN: ("Sales", ANA),
    }


def test_a_new_department_is_spelt_as_its_first_row_spells_it(cli_env, sessions, capsys):
    chart = (
        "email,department,manager_email\n"
        "gina@example.com,Customer Success,\n"
        "ana@example.com,customer  SUCCESS,\n"
    )
    assert main(["org", "import", write(cli_env, chart)]) == 0

    assert org_chart(sessions) == {
        GINA: ("Customer Success", None),
        ANA: ("Customer Success", None),
    }


def test_empty_cells_keep_the_department_and_manager_already_there(cli_env, sessions, capsys):
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 0
    partial = (
        "email,department,manager_email\n"
        "ben@example.com,,\n"  # nothing to change
        "ana@example.com,,ben@example.com\n"  # a new manager only
        "gina@example.com,Service,\n"  # a new department only
    )
    assert main(["org", "import", write(cli_env, partial)]) == 0

    assert "0 added, 2 updated, 1 unchanged" in capsys.readouterr().out
    assert org_chart(sessions) == {
        GINA: ("Service", None),
        ANA: ("Sales", BEN),
        BEN: ("Engineering", ANA),
    }


def test_the_help_explains_empty_cells_and_spelling(capsys):
    with pytest.raises(SystemExit):
        main(["org", "import", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "whatever their case" in help_text
    assert "An empty department or manager_email keeps" in help_text


def test_a_token_slack_refuses_is_named_in_one_line(cli_env, standin, sessions, capsys):
    standin.fail("auth.test", "invalid_auth")
    assert main(["org", "import", write(cli_env, ORG_CHART)]) == 1

    assert (
        capsys.readouterr().err == "everybody-sells: Slack refused SLACK_BOT_TOKEN: invalid_auth\n"
    )
    assert org_chart(sessions) == {}

"""The deployment files: the Dockerfile's build steps really install a working bot, its health
check really asks a running bot, the compose file and the systemd unit say what they must."""

from __future__ import annotations

import configparser
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.slack_standin import SlackStandIn
from tests.test_run_http import free_port, http_bot_environment, start_bot
from tests.test_settings import SETTING_NAMES

REPOSITORY = Path(__file__).resolve().parent.parent
DOCKERFILE = REPOSITORY / "Dockerfile"
COMPOSE_FILE = REPOSITORY / "docker-compose.yml"
SYSTEMD_UNIT = REPOSITORY / "deploy" / "everybody-sells.service"


# -- Dockerfile -----------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction, args = instruction.upper(), " ".join(args.split())
        if instruction == "FROM":
            base, _, name = args.partition(" AS ")
            found.append(Stage(base.strip(), name.strip() or None))
        else:
            found[-1].instructions.append((instruction, args))
    return found


def test_the_dockerfile_builds_in_one_stage_and_runs_in_a_slim_one_as_a_user():
    build, runtime = stages()

    assert build.base == runtime.base == "python:3.11-slim"
    assert f"--from={build.name} /opt/venv /opt/venv" in runtime.all("COPY")
    assert any("PATH=/opt/venv/bin:$PATH" in env for env in runtime.all("ENV"))
    (user,) = runtime.all("USER")
    assert user not in ("root", "0")
    assert any(user in run for run in runtime.all("RUN")), "the user is created"
    assert runtime.all("EXPOSE") == ["3000"]
    assert [json.loads(cmd) for cmd in runtime.all("CMD")] == [["everybody-sells", "run"]]


def test_the_dockerfile_install_steps_give_a_working_bot(tmp_path):
    """The build stage's own COPY, ENV, WORKDIR and RUN lines, run here with /opt/venv and the
    working directory moved into tmp_path (about 15 s with pip's cache warm)."""
    build = stages()[0]
    moved = {"/opt/venv": str(tmp_path / "venv")}
    python = tmp_path / "bin" / "python"  # the image's `python`: a plain interpreter, no venv
    python.parent.mkdir()
    python.symlink_to(getattr(sys, "_base_executable", sys.executable))
    env = clean_environment(PATH=f"{python.parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin")
    here = tmp_path
    ran = []
    for instruction, args in build.instructions:
        args = moved_paths(args, moved)
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
        elif instruction == "WORKDIR":
            moved[args] = str(tmp_path / "context" / args.strip("/"))
            here = Path(moved[args])
            here.mkdir(parents=True)
        elif instruction == "COPY":
            *sources, target = shlex.split(args)
            for source in sources:
                copy_into_image(REPOSITORY / source, here / target)
        elif instruction == "RUN":
            subprocess.run(["sh", "-c", args], cwd=here, env=env, check=True, timeout=600)
            ran.append(args)
    assert ran[-1].endswith("pip install ."), ran

    venv = tmp_path / "venv" / "bin"
    bot_env = clean_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'sells.db'}")
    usage = run_checked([venv / "everybody-sells", "--help"], tmp_path, bot_env)
    assert usage.startswith("usage: everybody-sells")
    # Installed into the venv (not found in a checkout), with every package and migration.
    where = run_checked([venv / "python", "-c", "import bot.runner; print(bot.runner.__file__)"], tmp_path, bot_env)  # fmt: skip
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")
    upgraded = run_checked([venv / "everybody-sells", "db", "upgrade"], tmp_path, bot_env)
    assert upgraded.startswith("applied ")


def moved_paths(text: str, moved: dict[str, str]) -> str:
    for path in sorted(moved, key=len, reverse=True):
        text = re.sub(rf"(?<![\w/]){re.escape(path)}(?![\w])", moved[path], text)
    return text


def clean_environment(**more: str) -> dict[str, str]:
    """The environment without the test run's own venv, Python settings or bot settings."""
    python = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in python and name not in SETTING_NAMES
    }
    return {**env, **more}


def copy_into_image(source: Path, target: Path) -> None:
    """COPY: a file into a folder (a target ending in /), or a folder's content, minus
    what .dockerignore leaves out of the build context."""
    assert source.exists(), f"COPY {source.relative_to(REPOSITORY)}: no such file"
    if source.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / source.name)
        return
    ignored = dockerignore_patterns()

    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(REPOSITORY)
        return {n for n in names if is_ignored(str(relative / n), ignored)}

    shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)


def dockerignore_patterns() -> list[str]:
    lines = (REPOSITORY / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        matched = fnmatch.fnmatch(path, pattern) or (
            pattern.startswith("**/") and fnmatch.fnmatch(Path(path).name, pattern[3:])
        )
        if matched:
            ignored = not keep
    return ignored


def run_checked(command: list, cwd: Path, env: dict[str, str]) -> str:
    finished = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_the_build_context_leaves_out_secrets_and_local_state():
    patterns = dockerignore_patterns()

    for path in (".env", ".env.production", ".venv", ".git", "everybody_sells.db"):
        assert is_ignored(path, patterns), path
    assert is_ignored("bot/__pycache__", patterns)
    for path in (".env.example", "pyproject.toml", "bot/cli.py", "README.md", "LICENSE"):
        assert not is_ignored(path, patterns), path


def healthcheck_command() -> str:
    (healthcheck,) = stages()[-1].all("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options
    return command


def test_the_health_check_passes_on_a_running_bot_and_fails_without_one(
    standin: SlackStandIn, database_url, tmp_path, request
):
    bot = start_bot(tmp_path, http_bot_environment(standin, database_url), request)
    port = bot.base_url.rsplit(":", 1)[1]
    # In the image `python` is the venv's; here it is the one running the tests. A proxy set
    # for reaching Slack (nothing listens on port 9) must not swallow the check.
    env = clean_environment(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}",
        http_proxy="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
    )

    def check(**settings: str) -> int:
        command = ["sh", "-c", healthcheck_command()]
        return subprocess.run(command, env={**env, **settings}, capture_output=True).returncode

    assert check(PORT=port) == 0
    assert check(PORT=str(free_port())) != 0
    bot.stop()
    assert check(PORT=port) != 0


# -- docker-compose.yml ---------------------------------------------------------------------


def interpolated(value: str, variables: dict[str, str] | None = None) -> str:
    """Compose's ${NAME:-default}, with `variables` as the .env file."""
    return re.sub(
        r"\$\{(\w+):-([^}]*)\}", lambda m: (variables or {}).get(m[1]) or m[2], str(value)
    )


def test_compose_runs_the_bot_on_a_healthy_postgresql_with_a_named_volume(tmp_path):
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]

    assert db["image"] == "postgres:16"
    volume, _, mount = db["volumes"][0].partition(":")
    assert volume in compose["volumes"]
    assert mount == "/var/lib/postgresql/data"
    test = db["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and test[1].startswith("pg_isready")

    assert bot["build"] == "."
    assert bot["env_file"] in (".env", [".env"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["restart"] == "unless-stopped"
    assert bot["stop_grace_period"] == "60s"
    docker_compose_accepts(COMPOSE_FILE, tmp_path)


@pytest.mark.parametrize("password", [None, "Correct1Horse"])
def test_compose_gives_the_bot_the_database_that_postgresql_creates(password):
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    dotenv = {"POSTGRES_PASSWORD": password} if password else {}
    postgres = {name: interpolated(value, dotenv) for name, value in db["environment"].items()}

    url = interpolated(bot["environment"]["DATABASE_URL"], dotenv)
    assert url == (
        f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@db:5432/{postgres['POSTGRES_DB']}"
    )
    assert f"-U {postgres['POSTGRES_USER']} -d {postgres['POSTGRES_DB']}" in interpolated(
        db["healthcheck"]["test"][1]
    )
    # The bot publishes the port it listens on, the one .env sets.
    assert [interpolated(p, {"PORT": "8080"}) for p in bot["ports"]] == ["8080:8080"]


def docker_compose_accepts(path: Path, tmp_path: Path) -> None:
    """`docker compose config` on the file, where the compose plugin is installed (it needs
    no running engine); where it is not, the YAML checks above are all there is."""
    if shutil.which("docker") is None:
        return
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0:
        return
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(path, project / "docker-compose.yml")
    (project / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\n")
    finished = subprocess.run(
        ["docker", "compose", "config", "--quiet"], cwd=project, capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr


# -- the systemd unit -----------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(SYSTEMD_UNIT.read_text())
    return parser


def test_the_systemd_unit_runs_the_bot_as_its_own_user_and_lets_it_finish_its_work(tmp_path):
    service = unit()["Service"]

    program, *args = shlex.split(service["ExecStart"])
    assert Path(program).name == "everybody-sells" and Path(program).is_absolute()
    assert args == ["run"]
    assert service["Restart"] == "on-failure"
    assert service["TimeoutStopSec"] == "60"
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"].startswith("/")
    assert service["WorkingDirectory"] == f"/var/lib/{service['StateDirectory']}"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"
    systemd_accepts(SYSTEMD_UNIT, tmp_path)


def systemd_accepts(path: Path, tmp_path: Path) -> None:
    """`systemd-analyze verify`, where it is installed, warns about any key it does not know
    (a misspelt ProtectSystem would silently protect nothing); it needs ExecStart to exist."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    script = Path(sys.executable).parent / "everybody-sells"
    text = path.read_text().replace(shlex.split(unit()["Service"]["ExecStart"])[0], str(script))
    (tmp_path / path.name).write_text(text)
    finished = subprocess.run(
        [analyze, "verify", str(tmp_path / path.name)], capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""

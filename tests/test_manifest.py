"""manifest.yml stays in step with the code: the listeners it registers, the Web API
methods it calls and the scopes those need. Slack sends only what the manifest declares,
and Bolt answers anything it has no listener for with a 404 (after the user waited)."""

from __future__ import annotations

import ast
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from slack_bolt import App

from bot.runner import EVENTS_PATH
from tests.slack_requests import SlackRequests
from tests.workspace import ANA, GENERAL, GINA

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.yml"
SOURCE_DIRS = ("bot", "handlers", "jobs", "models")

# Every Web API method the code calls, with the bot scopes it needs. A call to a method
# missing here fails `test_every_web_api_call_is_in_the_scope_table`: look the method
# up at https://docs.slack.dev/reference/methods, add it here and its scopes to the manifest.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.getPermalink": set(),
    "views.open": set(),
    "views.push": set(),
    "views.update": set(),
    "views.publish": set(),
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read", "users:read.email"},
    # Any kind of conversation can be asked about: public and private channels, DMs, group DMs.
    "conversations.info": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "conversations.open": {"im:write"},
    "conversations.members": {"channels:read", "groups:read", "im:read", "mpim:read"},
    # Only DMs are read back: a retried send looks for its own message (jobs/deliver.py).
    "conversations.history": {"im:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "reactions.get": {"reactions:read"},
    "reactions.add": {"reactions:write"},
    # files_upload_v2: files.getUploadURLExternal, then files.completeUploadExternal
    "files.upload.v2": {"files:write"},
}

# Bot events, with the scopes Slack requires to subscribe to them.
EVENT_SCOPES: dict[str, set[str]] = {
    "reaction_added": {"reactions:read"},
    "reaction_removed": {"reactions:read"},
    "app_home_opened": set(),
    "app_mention": {"app_mentions:read"},
    "team_join": {"users:read"},
    "user_change": {"users:read"},
    "member_joined_channel": {"channels:read", "groups:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "message.mpim": {"mpim:history"},
}

# Scopes declared ahead of the code that will use them, each with its reason.
DECLARED_AHEAD = {
    "im:write": "conversations.open for direct messages (DMs now go to the user ID)",
}

# The registration methods of a Bolt App, by what the manifest must declare for them.
REGISTRATIONS = {
    "commands": ("command",),
    "events": ("event", "message"),
    "shortcuts": ("shortcut", "global_shortcut", "message_shortcut"),
    "interactions": (
        "action",
        "block_action",
        "attachment_action",
        "view",
        "view_submission",
        "view_closed",
        "options",
        "block_suggestion",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
    ),
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def manifest_commands(manifest: dict) -> list[str]:
    return [c["command"] for c in manifest["features"]["slash_commands"]]


def manifest_events(manifest: dict) -> list[str]:
    return list(manifest["settings"]["event_subscriptions"]["bot_events"])


def manifest_scopes(manifest: dict) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


@pytest.fixture
def registered(make_app: Callable[..., App], monkeypatch) -> dict[str, list[tuple[str, object]]]:
    """What `create_app` registers, by kind: spies on App's registration methods."""
    seen: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for kind, names in REGISTRATIONS.items():
        for name in names:
            original = getattr(App, name)

            def spy(self, *args, _kind=kind, _name=name, _original=original, **kwargs):
                constraint = args[0] if args else kwargs.get("keyword", kwargs.get("callback_id"))
                seen[_kind].append((_name, constraint))
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(App, name, spy)
    make_app()
    return seen


# -- the manifest itself ------------------------------------------------------------------


def test_manifest_describes_the_app(manifest):
    info = manifest["display_information"]
    assert info["name"] == "Everybody Sells"
    assert 0 < len(info["description"]) <= 140
    assert 174 <= len(info.get("long_description", "x" * 174)) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }


def test_settings_are_socket_mode_with_http_urls_ready(manifest):
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert settings["interactivity"]["is_enabled"] is True
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    urls += [c["url"] for c in manifest["features"]["slash_commands"]]
    for url in urls:
        assert url.startswith("https://") and url.endswith(EVENTS_PATH), url


def test_slash_commands_are_the_contract_and_escape_mentions(manifest):
    assert manifest_commands(manifest) == ["/assist", "/win", "/referral", "/session", "/sells"]
    for command in manifest["features"]["slash_commands"]:
        # `/assist @ana ...` arrives as `<@U...|ana>` only with should_escape.
        assert command["should_escape"] is True, command["command"]
        assert command["description"] and command["usage_hint"], command["command"]


# -- manifest and listeners ------------------------------------------------------------


def test_manifest_commands_are_the_registered_commands(manifest, registered):
    assert sorted(c for _, c in registered["commands"]) == sorted(manifest_commands(manifest))


def test_every_manifest_command_is_answered(manifest, slack: SlackRequests, standin):
    for command in manifest_commands(manifest):
        response = slack.command(command, "help")
        assert response.status == 200, f"{command} has no listener ({response.status})"
    standin.quiet()


def test_an_undeclared_command_is_not_handled(slack: SlackRequests):
    assert slack.command("/nope", "help").status == 404


def test_manifest_events_are_the_registered_events(manifest, registered):
    events = set()
    for name, constraint in registered["events"]:
        assert isinstance(constraint, str) or name == "message", (
            f"register events by name so the manifest can be checked: {constraint!r}"
        )
        if name == "message":
            events.add("message.*")
        else:
            events.add(constraint)
    declared = set(manifest_events(manifest))
    if "message.*" in events:
        events.discard("message.*")
        assert any(e.startswith("message.") for e in declared), "app.message needs message.* events"
        declared = {e for e in declared if not e.startswith("message.")}
    assert declared == events


def sample_event(event_type: str) -> dict:
    """A harmless event of this type: reactions with an emoji that credits nobody."""
    now = f"{time.time():.6f}"
    if event_type.startswith("reaction_"):
        return {
            "type": event_type,
            "user": GINA,
            "reaction": "not-an-assist-emoji",
            "item": {"type": "message", "channel": GENERAL, "ts": "1700000000.000100"},
            "item_user": ANA,
            "event_ts": now,
        }
    if event_type.startswith("message."):
        return {"type": "message", "channel": GENERAL, "user": GINA, "text": "hi", "ts": now}
    return {"type": event_type, "user": GINA, "event_ts": now}


def test_every_manifest_event_is_handled(manifest, slack: SlackRequests, standin):
    for event_type in manifest_events(manifest):
        response = slack.event(sample_event(event_type))
        assert response.status == 200, f"{event_type} has no listener ({response.status})"
    standin.quiet()


def test_an_undeclared_event_is_not_handled(manifest, slack: SlackRequests):
    assert "app_mention" not in manifest_events(manifest)
    assert slack.event(sample_event("app_mention")).status == 404


def test_interactivity_and_shortcuts_match_the_listeners(manifest, registered):
    if registered["interactions"]:
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
    declared = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert declared == {c for _, c in registered["shortcuts"]}


# -- scopes --------------------------------------------------------------------------------

_CLIENT_CALL = re.compile(r"\bclient\.([a-z][A-Za-z]*(?:_[A-Za-z0-9]+)+)\s*\(")
_API_CALL = re.compile(r"""\bapi_call\(\s*["']([a-zA-Z.]+)["']""")


def source_files() -> Iterator[Path]:
    for directory in SOURCE_DIRS:
        yield from sorted((ROOT / directory).rglob("*.py"))


def web_api_calls() -> dict[str, set[str]]:
    """Web API methods called anywhere in the code (`client.chat_postMessage(` is
    chat.postMessage), with the files that call them."""
    calls: dict[str, set[str]] = defaultdict(set)
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for name in _CLIENT_CALL.findall(text):
            calls[name.replace("_", ".")].add(where)
        for method in _API_CALL.findall(text):
            calls[method].add(where)
    return calls


def required_scopes(manifest: dict) -> dict[str, str]:
    """Each scope the code needs, with one reason."""
    needed: dict[str, str] = {}
    for method in web_api_calls():
        for scope in METHOD_SCOPES.get(method, set()):
            needed.setdefault(scope, method)
    for event in manifest_events(manifest):
        for scope in EVENT_SCOPES.get(event, set()):
            needed.setdefault(scope, f"event {event}")
    if manifest["features"].get("slash_commands") or manifest["features"].get("shortcuts"):
        needed.setdefault("commands", "slash commands")
    return needed


def test_the_source_scan_finds_the_calls_we_know_of():
    calls = web_api_calls()
    for method in ("chat.postMessage", "users.info", "users.lookupByEmail", "conversations.info"):
        assert method in calls, f"the scan no longer finds {method}: fix web_api_calls()"


def test_every_web_api_call_is_in_the_scope_table():
    unknown = {m: sorted(files) for m, files in web_api_calls().items() if m not in METHOD_SCOPES}
    assert not unknown, (
        f"add these methods to METHOD_SCOPES (and their scopes to manifest.yml): {unknown}"
    )


def test_every_manifest_event_is_in_the_scope_table(manifest):
    unknown = [e for e in manifest_events(manifest) if e not in EVENT_SCOPES]
    assert not unknown, f"add these events to EVENT_SCOPES: {unknown}"


def test_scopes_cover_what_the_code_calls(manifest):
    declared = manifest_scopes(manifest)
    missing = {
        scope: why for scope, why in required_scopes(manifest).items() if scope not in declared
    }
    assert not missing, f"manifest.yml lacks bot scopes: {missing}"


def test_no_scope_beyond_what_the_code_needs(manifest):
    """Least privilege: in particular no *:history scope while no message text is read."""
    needed = set(required_scopes(manifest)) | set(DECLARED_AHEAD)
    extra = manifest_scopes(manifest) - needed
    assert not extra, f"scopes nothing uses (remove them or say why in DECLARED_AHEAD): {extra}"


# -- the settings are documented -----------------------------------------------------------

_ENV_READERS = {"text", "get", "getenv", "pop"}


def environment_names() -> set[str]:
    """Names bot/settings.py reads: `text("NAME")`, `values.get("NAME")`, `os.getenv("NAME")`,
    `environ["NAME"]`."""
    tree = ast.parse((ROOT / "bot" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        literal = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in _ENV_READERS:
                literal = node.args[0]
        elif isinstance(node, ast.Subscript):
            literal = node.slice
        if (
            isinstance(literal, ast.Constant)
            and isinstance(literal.value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]+", literal.value)
        ):
            names.add(literal.value)
    return names


def env_example() -> dict[str, str]:
    """`NAME=value` lines of .env.example, commented out or not."""
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]+)=(.*)", line.strip())
        if match:
            pairs[match.group(1)] = match.group(2).strip()
    return pairs


CONFIGURATION = ROOT / "docs" / "CONFIGURATION.md"


def configuration_table() -> dict[str, str]:
    """docs/CONFIGURATION.md's table of settings: variable name -> default cell."""
    rows: dict[str, str] = {}
    for line in CONFIGURATION.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([A-Z][A-Z0-9_]+)`\s*\|([^|]*)\|", line)
        if match:
            name = match.group(1)
            assert name not in rows, f"{name} is in {CONFIGURATION.name}'s table twice"
            rows[name] = match.group(2).strip()
    return rows


def test_the_settings_scan_finds_the_contract_names():
    contract = {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "PORT",
        "DATABASE_URL",
        "RECOGNITION_CHANNEL",
        "TIMEZONE",
        "ADMIN_USER_IDS",
    }
    assert contract <= environment_names()


def test_every_settings_field_has_its_environment_variable():
    from dataclasses import fields

    from bot.settings import Settings

    names = environment_names()
    for field in fields(Settings):
        assert any(n.endswith(field.name.upper()) for n in names), (
            f"Settings.{field.name} is read from no environment variable ending in "
            f"{field.name.upper()}: check environment_names() and .env.example"
        )


def test_every_setting_is_in_env_example_and_the_configuration_table():
    documented, table = env_example(), configuration_table()
    for name in sorted(environment_names()):
        assert name in documented, f"{name} is missing from .env.example"
        assert name in table, f"{name} is missing from the table in docs/CONFIGURATION.md"
    assert set(table) == set(documented), (
        "docs/CONFIGURATION.md and .env.example must document the same settings: "
        f"only in the table {sorted(set(table) - set(documented))}, "
        f"only in .env.example {sorted(set(documented) - set(table))}"
    )


def test_env_example_shows_the_defaults():
    """Copied to .env as it is, the example configures exactly the defaults."""
    from bot.settings import Settings, load_settings

    values = {name: value for name, value in env_example().items() if value}
    assert load_settings(environ=values, env_file=Path("/nonexistent")) == Settings()


def test_configuration_defaults_match_env_example():
    documented = env_example()
    for name, cell in configuration_table().items():
        assert name in documented, f"docs/CONFIGURATION.md documents {name}, .env.example does not"
        shown = re.findall(r"`([^`]*)`", cell)
        if documented[name]:
            assert shown and shown[0] == documented[name], (
                f"docs/CONFIGURATION.md default of {name}: {cell!r}"
            )
        else:
            assert not shown, f"docs/CONFIGURATION.md gives {name} a default, .env.example none"

"""The bot's HTTP surface, as one table of routes served by any WSGI server (waitress).

`POST /slack/events` takes commands, events and interactions from Slack; `GET /healthz`
says the process is alive; `GET /readyz` that the database answers and its schema is
current; `POST /webhooks/crm/deal-won` takes deals won in the CRM. Every other path is
404, a known path with another method 405.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from slack_bolt import App, BoltRequest
from sqlalchemy import Engine

from bot.flows.deals import receive
from bot.services import Services
from bot.verification import (
    SIGNATURE_WARNING,
    MalformedPayload,
    parse_slack_body,
    signature_problem,
)
from bot.webhooks import authenticate, public_uri
from models.database import schema_problem
from models.deals import DealFieldError, read_deal

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 4 * 1024 * 1024  # Slack's largest payloads (a big modal's state) are far below


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


def json_response(status: int, payload: object) -> HttpResponse:
    return HttpResponse(status, json.dumps(payload), "application/json")


Route = Callable[[HttpRequest], HttpResponse]


class Routes:
    """A table of (method, path) → route, and the WSGI application that serves it."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, str], Route] = {}

    def add(self, method: str, path: str, route: Route) -> None:
        self._table[(method, path)] = route

    @property
    def paths(self) -> list[str]:
        return sorted({path for _, path in self._table})

    def handle(self, request: HttpRequest) -> HttpResponse:
        route = self._table.get((request.method, request.path))
        if route is not None:
            return route(request)
        if any(path == request.path for _, path in self._table):
            return HttpResponse(405, "Method Not Allowed\n")
        return HttpResponse(404, "Not Found\n")

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            request = _read(environ)
        except _TooLarge:
            response = HttpResponse(413, "Payload Too Large\n")
        else:
            response = self.handle(request)
        body = response.body.encode()
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(body))),
            *response.headers.items(),
        ]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [body]


class _TooLarge(Exception):
    pass


def _read(environ: dict) -> HttpRequest:
    headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise _TooLarge
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    return HttpRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO") or "/",
        query=environ.get("QUERY_STRING", ""),
        headers=headers,
        body=body,
    )


def slack_events(app: App, signing_secret: str | None) -> Route:
    """Slack's requests: verified before anything reads them, then handed to Bolt."""

    def route(request: HttpRequest) -> HttpResponse:
        problem = signature_problem(
            signing_secret,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
            request.body,
            time.time(),
        )
        if problem:
            logger.warning("%s (%s); check SLACK_SIGNING_SECRET", SIGNATURE_WARNING, problem)
            return json_response(401, {"error": "invalid request"})
        try:
            parse_slack_body(request.body, request.headers.get("content-type"))
        except MalformedPayload as malformed:
            logger.warning("refused a signed request with a malformed body: %s", malformed)
            return json_response(400, {"error": str(malformed)})
        answer = app.dispatch(
            BoltRequest(
                body=request.body.decode(), query=request.query, headers=dict(request.headers)
            )
        )
        headers = {name: ", ".join(values) for name, values in answer.headers.items()}
        content_type = headers.pop("content-type", "text/plain; charset=utf-8")
        return HttpResponse(answer.status, answer.body or "", content_type, headers)

    return route


CRM_PATH = "/webhooks/crm/deal-won"
CRM_BODY_LIMIT = 64 * 1024  # a deal is a few hundred bytes


def crm_deal_won(services: Services) -> Route:
    """A deal won in the CRM: authenticated by signature or token, checked field by field,
    stored once per (source, deal id) before the 200; the owner is asked after."""
    settings = services.settings

    def route(request: HttpRequest) -> HttpResponse:
        uri = public_uri(settings.public_url, request.headers, request.path, request.query)
        scheme, problem = authenticate(
            settings.crm_credentials,
            request.method,
            uri,
            request.headers,
            request.body,
            time.time(),
        )
        if problem:
            logger.warning("refused a CRM webhook with %s", problem)
            return json_response(401, {"ok": False, "error": "unauthorized"})
        if len(request.body) > CRM_BODY_LIMIT:
            return json_response(413, {"ok": False, "error": "body too large"})
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return json_response(400, {"ok": False, "error": "the body is not JSON"})
        if not isinstance(payload, dict):
            return json_response(400, {"ok": False, "error": "the body is not a JSON object"})
        try:
            report = read_deal(payload, settings.currency)
        except DealFieldError as bad:
            logger.warning("refused a CRM deal (%s): %s", scheme, bad)
            return json_response(400, {"ok": False, "field": bad.field, "error": bad.problem})
        received = receive(services, report)
        result = "received" if received.new else "updated" if received.changed else "duplicate"
        return json_response(200, {"ok": True, "deal": received.deal.id, "result": result})

    return route


def healthz(_request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, "ok\n")


def readyz(engine: Engine) -> Route:
    """Ready when the database answers and no migration is pending."""

    def route(_request: HttpRequest) -> HttpResponse:
        problem = schema_problem(engine)
        if problem:
            return HttpResponse(503, f"not ready: {problem}\n")
        return HttpResponse(200, "ready\n")

    return route


def build_routes(
    app: App | None,
    signing_secret: str | None,
    engine: Engine,
    services: Services | None = None,
) -> Routes:
    """The table `run` serves: Slack's path in HTTP mode (`app` given), health always, and
    the CRM webhook when a CRM credential is set."""
    routes = Routes()
    if app is not None:
        routes.add("POST", EVENTS_PATH, slack_events(app, signing_secret))
    routes.add("GET", "/healthz", healthz)
    routes.add("GET", "/readyz", readyz(engine))
    if services is not None and services.settings.crm_credentials.any:
        routes.add("POST", CRM_PATH, crm_deal_won(services))
    return routes

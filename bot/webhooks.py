"""Who may report a deal won: the three ways a CRM can prove it is the CRM.

- Our own HMAC (Zapier, Make, Pipedrive, a Salesforce Apex callout, a script):
  `X-Everybody-Sells-Timestamp` and `X-Everybody-Sells-Signature: v1=<hex HMAC-SHA256
  of "v1:{timestamp}:{raw body}">` with CRM_WEBHOOK_SECRET.
- HubSpot's v3 signature: `X-HubSpot-Signature-v3`, the base64 HMAC-SHA256 of method,
  full URI, body and `X-HubSpot-Request-Timestamp` (milliseconds), with
  HUBSPOT_CLIENT_SECRET.
- A static token, for tools that can only set a header: `Authorization: Bearer
  <CRM_WEBHOOK_TOKEN>`.

Each is checked only when its setting is set, in constant time, and timestamps more than
5 minutes off are refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

MAX_SKEW_SECONDS = 300
SIGNATURE_HEADER = "x-everybody-sells-signature"
TIMESTAMP_HEADER = "x-everybody-sells-timestamp"
_DIGITS = re.compile(r"[0-9]{1,16}")
_HEX_SIGNATURE = re.compile(r"v1=[0-9a-f]{64}")


@dataclass(frozen=True)
class CrmCredentials:
    secret: str | None = None  # CRM_WEBHOOK_SECRET
    hubspot_secret: str | None = None  # HUBSPOT_CLIENT_SECRET
    token: str | None = None  # CRM_WEBHOOK_TOKEN

    @property
    def any(self) -> bool:
        return bool(self.secret or self.hubspot_secret or self.token)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Our signature of a body: what a sender puts in X-Everybody-Sells-Signature."""
    base = b"v1:" + timestamp.encode() + b":" + body
    return "v1=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def hubspot_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    base = method.upper().encode() + unquote(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), base, hashlib.sha256).digest()).decode()


def authenticate(
    credentials: CrmCredentials,
    method: str,
    uri: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
) -> tuple[str | None, str | None]:
    """(the scheme that proved the sender, None), or (None, why the request is refused)."""
    if SIGNATURE_HEADER in headers:
        return _ours(credentials.secret, headers, body, now)
    if "x-hubspot-signature-v3" in headers:
        return _hubspot(credentials.hubspot_secret, method, uri, headers, body, now)
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        if not credentials.token:
            return None, "a bearer token, but CRM_WEBHOOK_TOKEN is not set"
        given = authorization[7:].strip()
        if hmac.compare_digest(given.encode(), credentials.token.encode()):
            return "token", None
        return None, "a bearer token that does not match CRM_WEBHOOK_TOKEN"
    return None, "no signature and no token"


def _ours(
    secret: str | None, headers: Mapping[str, str], body: bytes, now: float
) -> tuple[str | None, str | None]:
    if not secret:
        return None, "a signature, but CRM_WEBHOOK_SECRET is not set"
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    if not _DIGITS.fullmatch(timestamp):
        return None, "a missing or malformed X-Everybody-Sells-Timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return None, "a timestamp more than 5 minutes off (a replay, or a wrong clock)"
    signature = headers.get(SIGNATURE_HEADER, "")
    if not _HEX_SIGNATURE.fullmatch(signature):
        return None, "a malformed X-Everybody-Sells-Signature (expected v1=<64 hex digits>)"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return None, "a signature that does not match CRM_WEBHOOK_SECRET"
    return "signature", None


def _hubspot(
    secret: str | None,
    method: str,
    uri: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
) -> tuple[str | None, str | None]:
    if not secret:
        return None, "a HubSpot signature, but HUBSPOT_CLIENT_SECRET is not set"
    timestamp = headers.get("x-hubspot-request-timestamp", "")
    if not _DIGITS.fullmatch(timestamp):
        return None, "a missing or malformed X-HubSpot-Request-Timestamp"
    if abs(now * 1000 - int(timestamp)) > MAX_SKEW_SECONDS * 1000:
        return None, "a HubSpot timestamp more than 5 minutes off (a replay, or a wrong clock)"
    expected = hubspot_signature(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), headers["x-hubspot-signature-v3"].encode()):
        return (
            None,
            "a HubSpot signature that does not match (check HUBSPOT_CLIENT_SECRET and PUBLIC_URL)",
        )
    return "hubspot", None


def public_uri(public_url: str | None, headers: Mapping[str, str], path: str, query: str) -> str:
    """The URI the sender used, which HubSpot signs: PUBLIC_URL when set, else what a
    reverse proxy says (X-Forwarded-Proto, X-Forwarded-Host), else the Host header."""
    if public_url:
        base = public_url.rstrip("/")
    else:
        scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        host = headers.get("x-forwarded-host") or headers.get("host", "localhost")
        base = f"{scheme}://{host.split(',')[0].strip()}"
    return base + path + (f"?{query}" if query else "")

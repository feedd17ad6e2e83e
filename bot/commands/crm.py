"""`everybody-sells crm example`: a correctly signed sample deal-won request, to try the
webhook or to copy into a CRM's workflow."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

from bot.routes import CRM_PATH
from bot.settings import Settings
from bot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SAMPLE = {
    "deal_id": "D-1042",
    "deal_name": "Acme renewal and 200 more seats",
    "customer": "Acme, Inc.",
    "owner_email": "ana@example.com",
    "amount": "48000",
    "closed_at": "2026-11-30T12:00:00Z",
    "url": "https://crm.example.com/deals/D-1042",
    "source": "example",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    crm = commands.add_parser("crm", help="the CRM deal-won webhook")
    actions = crm.add_subparsers(dest="crm_command", required=True, metavar="{example}")
    example = actions.add_parser(
        "example",
        help="print a correctly signed sample deal-won request (a curl command)",
        description=(
            "Print a curl command that POSTs a sample deal to /webhooks/crm/deal-won, "
            "signed with CRM_WEBHOOK_SECRET (or carrying CRM_WEBHOOK_TOKEN when only that is "
            "set). Its timestamp is now: run it within 5 minutes. Needs no Slack token."
        ),
    )
    example.add_argument(
        "--url",
        help="where the bot listens (default: PUBLIC_URL, else http://localhost:$PORT)",
    )
    example.add_argument("--owner-email", help="the deal owner's email (default: a sample)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    base = (args.url or settings.public_url or f"http://localhost:{settings.port}").rstrip("/")
    body = json.dumps(
        {**SAMPLE, "owner_email": args.owner_email or SAMPLE["owner_email"]},
        separators=(",", ":"),
    )
    if settings.crm_webhook_secret:
        timestamp = str(int(time.time()))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(settings.crm_webhook_secret, timestamp, body.encode()),
        }
    elif settings.crm_webhook_token:
        headers = {"authorization": f"Bearer {settings.crm_webhook_token}"}
    else:
        print(
            "everybody-sells: set CRM_WEBHOOK_SECRET (or CRM_WEBHOOK_TOKEN) to sign the example",
            file=sys.stderr,
        )
        return 2
    lines = [f"curl -sS -X POST {shlex.quote(base + CRM_PATH)}"]
    lines += [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in headers.items()]
    lines += ["-H 'content-type: application/json'", f"--data-binary {shlex.quote(body)}"]
    print(" \\\n  ".join(lines))
    return 0

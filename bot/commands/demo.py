"""`everybody-sells demo` (to be written)."""

from __future__ import annotations

import argparse

from bot.settings import Settings


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("demo", help="not written yet")


def run(args: argparse.Namespace, settings: Settings) -> int:
    raise NotImplementedError

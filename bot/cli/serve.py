"""`python -m bot run` (also what no command means): the bot itself, on the channels set up."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli import common
from bot.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("run", help="run the bot (console chat when no token is set)").set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run as run_bot

    asyncio.run(common.check_store(settings))  # a wrong DATABASE_URL: one line, no crash
    try:
        asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        pass
    return 0

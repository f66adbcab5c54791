"""`python -m bot [run | db upgrade | admin … | ask …]`: one subcommand group per module.

Each module of GROUPS registers its commands with `add_parser(sub)` and names, on each parser,
the function that runs it (`set_defaults(run=…)`, called with the arguments and the settings; a
coroutine is run to its end). Helpers every command shares live in bot/cli/common.py.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import sys

from bot.cli import admin, ask, backup, db, keys, officials, people, pushes, serve, targets, units
from bot.settings import Settings

log = logging.getLogger(__name__)

GROUPS = (serve, db, admin, officials, targets, units, people, ask, backup, keys, pushes)  # the order of --help


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot",
        description="The mediators' assistant bot: run it, migrate the store, administer units and invites.",
    )
    p.set_defaults(run=serve.run)  # no command: run the bot
    sub = p.add_subparsers(dest="cmd")
    for group in GROUPS:
        group.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Every command ends in one line, never a traceback: a wrong input says what to do (exit 2);
    a fault nobody foresaw says its kind (exit 1) and logs the details at DEBUG."""
    args = parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    from pydantic import ValidationError

    from bot.cli.common import ShellError, say
    from content.catalog import load_catalog

    t = load_catalog()
    try:
        settings = Settings()
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(part) for part in first["loc"]).upper() or "?"
        print(t.t("shell.bad_setting", name=name, reason=first["msg"]))
        return 2
    if not isinstance(logging.getLevelName(settings.log_level.strip().upper()), int):
        print(t.t("shell.bad_log_level", value=settings.log_level[:20]))
        return 2
    from bot.logs import setup_logging

    setup_logging(settings.log_level.strip(), settings.secrets())
    cmd = args.cmd or "run"
    if cmd not in ("run", "db"):
        logging.getLogger("alembic").setLevel(logging.WARNING)  # the command's output stays its own
    try:
        code = args.run(args, settings)
        return asyncio.run(code) if inspect.iscoroutine(code) else code
    except ShellError as err:
        return say(t, err)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the last resort: one line here, the traceback in the log at DEBUG
        log.log(logging.ERROR if cmd == "run" else logging.DEBUG, "%s failed", cmd, exc_info=True)
        print(t.t("shell.unexpected", kind=type(err).__name__))
        return 1

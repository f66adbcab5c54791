"""`python -m bot [run | db upgrade | admin … | ask …]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="The mediators' assistant bot: "
                                "run it, migrate the store, administer units and invites.")
    sub = p.add_subparsers(dest="cmd")
    sub.add_parser("run", help="run the bot (console chat when no token is set)")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="target revision (default: head / base)")
    from bot import admin, backup, cli_ask, cli_keys, cli_officials, cli_people, cli_pushes

    admin.add_parser(sub)
    cli_officials.add_parser(sub)
    cli_people.add_parser(sub)
    cli_ask.add_parser(sub)
    backup.add_parser(sub)
    cli_keys.add_parser(sub)
    cli_pushes.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Every command ends in one line, never a traceback: a wrong input says what to do (exit 2);
    a fault nobody foresaw says its kind (exit 1) and logs the details at DEBUG."""
    args = parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    from pydantic import ValidationError

    from bot.cli_common import ShellError, say
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
        return _command(cmd, args, settings, t)
    except ShellError as err:
        return say(t, err)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the last resort: one line here, the traceback in the log at DEBUG
        log.log(logging.ERROR if cmd == "run" else logging.DEBUG, "%s failed", cmd, exc_info=True)
        print(t.t("shell.unexpected", kind=type(err).__name__))
        return 1


def _command(cmd: str, args: argparse.Namespace, settings: Settings, t) -> int:
    from bot import cli_common

    if cmd == "run":
        from bot.app import run

        asyncio.run(cli_common.check_store(settings))  # a wrong DATABASE_URL: one line, no crash
        try:
            asyncio.run(run(settings))
        except KeyboardInterrupt:
            pass
        return 0
    if cmd == "db":
        return _migrate(args, settings, t)
    if cmd == "key":
        from bot import cli_keys

        return asyncio.run(cli_keys.run(args, settings))
    if cmd in ("backup", "restore"):
        from bot import backup

        cli_common.store_url(settings)
        return backup.run(args, settings)
    if cmd in ("stats", "report", "team"):
        from bot import cli_officials

        return asyncio.run(cli_officials.run(args, settings))
    if cmd == "people":
        from bot import cli_people

        return asyncio.run(cli_people.run(args, settings))
    if cmd in ("training", "broadcast", "deadline"):
        from bot import cli_pushes

        return asyncio.run(cli_pushes.run(args, settings))
    if cmd == "admin":
        from bot import admin

        return asyncio.run(admin.run(args, settings))
    from bot import cli_ask

    return cli_ask.run(args)


def _migrate(args: argparse.Namespace, settings: Settings, t) -> int:
    from alembic.util import CommandError

    from bot.cli_common import ShellError, store_url
    from storage import migrate

    url = store_url(settings)
    try:
        if args.action == "upgrade":
            migrate.upgrade(settings.database_url, args.revision or "head")
            print(t.t("cli.db_upgraded"))
        else:
            migrate.downgrade(settings.database_url, args.revision or "base")
            print(t.t("cli.db_downgraded", revision=args.revision or "base"))
    except CommandError as err:
        if args.revision and "revision" in str(err).casefold():
            raise ShellError("shell.unknown_revision", revision=args.revision[:40]) from None
        raise ShellError("shell.migrate_failed", reason=str(err)[:200]) from None
    except (OSError, SQLAlchemyError) as err:
        raise ShellError("shell.store_unreachable", url=url.render_as_string(hide_password=True),
                         reason=type(err).__name__) from None
    return 0

"""`python -m bot [run | db upgrade | admin … | ask …]`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="The mediators' assistant bot: run it, migrate the store, administer units and invites.")
    sub = p.add_subparsers(dest="cmd")
    sub.add_parser("run", help="run the bot (console chat when no token is set)")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="target revision (default: head / base)")
    from bot import admin, backup, cli_ask, cli_keys, cli_officials, cli_pushes

    admin.add_parser(sub)
    cli_officials.add_parser(sub)
    cli_ask.add_parser(sub)
    backup.add_parser(sub)
    cli_keys.add_parser(sub)
    cli_pushes.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    settings = Settings()
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.secrets())
    cmd = args.cmd or "run"
    if cmd == "run":
        from bot.app import run

        try:
            asyncio.run(run(settings))
        except KeyboardInterrupt:
            pass
        return 0
    if cmd == "db":
        from content.catalog import load_catalog
        from storage import migrate

        t = load_catalog()
        if args.action == "upgrade":
            migrate.upgrade(settings.database_url, args.revision or "head")
            print(t.t("cli.db_upgraded"))
        else:
            migrate.downgrade(settings.database_url, args.revision or "base")
            print(t.t("cli.db_downgraded", revision=args.revision or "base"))
        return 0
    if cmd == "key":
        from bot import cli_keys

        return asyncio.run(cli_keys.run(args, settings))
    if cmd in ("backup", "restore"):
        from bot import backup

        return backup.run(args, settings)
    if cmd in ("stats", "report", "team"):
        from bot import cli_officials

        return asyncio.run(cli_officials.run(args, settings))
    if cmd in ("training", "broadcast", "deadline"):
        from bot import cli_pushes

        return asyncio.run(cli_pushes.run(args, settings))
    if cmd == "admin":
        from bot import admin

        return asyncio.run(admin.run(args, settings))
    from bot import cli_ask

    return cli_ask.run(args)

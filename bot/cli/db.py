"""`python -m bot db upgrade | downgrade [revision]`: the store's migrations."""

from __future__ import annotations

import argparse

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import ShellError, store_url
from bot.settings import Settings
from content.catalog import load_catalog
from storage import migrate


def add_parser(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="target revision (default: head / base)")
    db.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
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
        raise ShellError(
            "shell.store_unreachable", url=url.render_as_string(hide_password=True), reason=type(err).__name__
        ) from None
    return 0

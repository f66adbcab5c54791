"""How /thongke and the report scale with the size of a province.

Usage: python bench/stats.py [--cases N] [--runs R] [--communes C] [--json]

Builds a SQLite store (the default store) holding one province of ~100 communes, 20
villages each with one team (2,000 teams), ~6,000 mediators and an official per commune;
fills it with 100,000 cases over 2022-01..2026-11, measures, then grows it to N cases
(default 1,000,000) and measures again. Cases are written with Core executemany, then the
monthly rollups are recounted (storage/rollups.rebuild), as after any bulk load.

Measured through the whole engine (a Turn in, Replies out, one transaction each):
- province-wide `/thongke 2025` by the province's official, p50 and p95;
- ward-level `/thongke 2025` by one commune's official, p50 and p95;
- one ward's yearly report (XLSX + CSV, audited) through its «Xuất báo cáo» button: the
  first (cold) run, then the median and the slowest of five (--exports).
Prints JSON with both sizes, the growth ratios and whether the targets are met:
ward ratio ≤ 1.5, province ratio ≤ 3, ward-year XLSX < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert  # noqa: E402

from bot.app import build_engine  # noqa: E402
from handlers.kit.core import Turn  # noqa: E402
from storage import rollups  # noqa: E402
from storage.crypto import PartyCipher  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Account, Case, CaseMediator, CaseStatus, Person, Role, Unit, UnitKind  # noqa: E402
from storage.schema import Base  # noqa: E402

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
FIRST_DAY, LAST_DAY = dt.date(2022, 1, 1), dt.date(2026, 11, 21)
COMMUNES, VILLAGES, MEDIATORS = 100, 20, 3
CATEGORIES = ("mau_thuan", "dan_su", "hon_nhan", "vi_pham", "khac")
STATUSES = (
    [CaseStatus.THANH] * 12 + [CaseStatus.KHONG_THANH] * 3 + [CaseStatus.KET_THUC] * 2 + [CaseStatus.DANG_HOA_GIAI] * 3
)
BATCH = 50_000


class Province:
    """Ids of what the generator made: teams with their paths and mediators, the officials."""

    def __init__(self) -> None:
        self.teams: list[tuple[int, str, list[int]]] = []
        self.ward_id = 0
        self.next_case = 1
        self.seq: dict[tuple[int, int], int] = {}
        self.ward_teams: set[int] = set()
        self.ward_year_cases = 0  # cases of the measured ward received in 2025


def build_units(sync, prov: Province, communes: int = COMMUNES) -> None:
    units, people, accounts = [], [], []
    ids = iter(range(1, 10**7))
    pids = iter(range(1, 10**7))

    def unit(kind: UnitKind, name: str, parent: tuple[int, str] | None) -> tuple[int, str]:
        uid = next(ids)
        path = f"{parent[1] if parent else '/'}{uid}/"
        units.append(
            dict(
                id=uid,
                parent_id=parent[0] if parent else None,
                kind=kind,
                name=name,
                path=path,
                ethnic_area=False,
                created_at=NOW,
            )
        )
        return uid, path

    def person(name: str, role: Role, unit_id: int, sex: str, account: str | None = None) -> int:
        pid = next(pids)
        people.append(
            dict(
                id=pid,
                full_name=name,
                sex=sex,
                ethnic_minority=pid % 7 == 0,
                role=role,
                unit_id=unit_id,
                active=True,
                created_at=NOW,
            )
        )
        if account:
            accounts.append(
                dict(
                    channel="bench",
                    external_id=account,
                    person_id=pid,
                    display_name=name,
                    unreachable=False,
                    last_seen_at=NOW,
                )
            )
        return pid

    province = unit(UnitKind.TINH, "Tỉnh Thử Nghiệm", None)
    person("Cán bộ Sở Tư pháp", Role.CAN_BO, province[0], "nu", "province")
    for c in range(1, communes + 1):
        commune = unit(UnitKind.XA, f"Xã {c:03d}", province)
        person(f"Công chức tư pháp xã {c:03d}", Role.CAN_BO, commune[0], "nu", "ward" if c == 1 else None)
        if c == 1:
            prov.ward_id = commune[0]
        for v in range(1, VILLAGES + 1):
            village = unit(UnitKind.THON, f"Thôn {v:02d}", commune)
            team = unit(UnitKind.TO_HOA_GIAI, f"Tổ hòa giải thôn {v:02d}", village)
            members = [
                person(
                    f"Hòa giải viên {team[0]}-{m}",
                    Role.TO_TRUONG if m == 0 else Role.HOA_GIAI_VIEN,
                    team[0],
                    "nu" if m == 1 else "nam",
                )
                for m in range(MEDIATORS)
            ]
            prov.teams.append((team[0], team[1], members))
            if c == 1:
                prov.ward_teams.add(team[0])
    with sync.begin() as conn:
        conn.execute(insert(Unit), units)
        conn.execute(insert(Person), people)
        conn.execute(insert(Account), accounts)


def add_cases(sync, prov: Province, count: int, rng: random.Random) -> float:
    """Append `count` cases (and one mediator each); returns the seconds it took, rollups included."""
    started = time.perf_counter()
    span = (LAST_DAY - FIRST_DAY).days
    with sync.begin() as conn:
        left = count
        while left:
            n = min(BATCH, left)
            cases, mediators = [], []
            for _ in range(n):
                team_id, path, members = prov.teams[rng.randrange(len(prov.teams))]
                day = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
                seq = prov.seq[(team_id, day.year)] = prov.seq.get((team_id, day.year), 0) + 1
                prov.ward_year_cases += team_id in prov.ward_teams and day.year == 2025
                status = rng.choice(STATUSES)
                cid = prov.next_case
                prov.next_case += 1
                author = members[rng.randrange(len(members))]
                cases.append(
                    dict(
                        id=cid,
                        team_id=team_id,
                        unit_path=path,
                        year=day.year,
                        seq=seq,
                        received_on=day,
                        category=rng.choice(CATEGORIES),
                        source="yeu_cau",
                        parties={"names": ["Nguyễn Văn An", "Trần Thị Bình"], "contact": "thôn 3"},
                        summary="Tranh chấp lối đi chung giữa hai hộ liền kề",
                        status=status,
                        agreement="Hai bên thống nhất mở lối đi rộng 1,5 m" if status is CaseStatus.THANH else None,
                        end_reason="yeu_cau_cham_dut" if status is CaseStatus.KET_THUC else None,
                        created_by_id=author,
                        created_at=NOW,
                        updated_at=NOW,
                        closed_at=None if status is CaseStatus.DANG_HOA_GIAI else NOW,
                    )
                )
                mediators.append(dict(case_id=cid, person_id=author))
            conn.execute(insert(Case), cases)
            conn.execute(insert(CaseMediator), mediators)
            left -= n
        rollups.rebuild(conn)
    return time.perf_counter() - started


async def timed(engine, account: str, *, text: str | None = None, payload: str | None = None) -> float:
    started = time.perf_counter()
    replies = await engine.handle(Turn("bench", account, text=text, payload=payload))
    elapsed = time.perf_counter() - started
    if not replies or "trục trặc" in replies[0].text:
        raise SystemExit(f"the bot failed on {text or payload}: {replies[0].text if replies else '-'}")
    return elapsed


def pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(1000 * statistics.median(ordered), 2), "p95_ms": round(1000 * p95, 2)}


async def measure(url: str, prov: Province, runs: int, cipher: PartyCipher, exports: int = 5) -> dict:
    db = Database(url, cipher)
    engine = build_engine(db, clock=lambda: NOW)
    try:
        out = {}
        for who in ("province", "ward"):
            for _ in range(3):
                await timed(engine, who, text="/thongke 2025")  # warm caches and the connection pool
            out[f"{who}_thongke"] = pcts([await timed(engine, who, text="/thongke 2025") for _ in range(runs)])
        first = await timed(engine, "ward", payload=f"rp:x:{prov.ward_id}:2025:0")  # cold: imports, page cache
        xlsx = [await timed(engine, "ward", payload=f"rp:x:{prov.ward_id}:2025:0") for _ in range(exports)]
        out["ward_year_xlsx_s"] = {
            "first": round(first, 3),
            "p50": round(statistics.median(xlsx), 3),
            "max": round(max(xlsx), 3),
        }
        return out
    finally:
        await db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000, help="cases at the second measurement")
    ap.add_argument("--small", type=int, default=100_000, help="cases at the first measurement")
    ap.add_argument("--runs", type=int, default=40, help="timed /thongke turns per measurement")
    ap.add_argument("--exports", type=int, default=5, help="timed ward-year reports after the cold one")
    ap.add_argument("--communes", type=int, default=COMMUNES, help="communes in the province (20 teams each)")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.sqlite3"
        sync = create_engine(f"sqlite:///{path}")
        cipher = PartyCipher.ephemeral()  # the cases' text is sealed at rest: both engines share a key
        sync.dialect.pii_cipher = cipher  # type: ignore[attr-defined]
        Base.metadata.create_all(sync)
        prov = Province()
        build_units(sync, prov, args.communes)
        result: dict = {
            "store": "sqlite",
            "communes": args.communes,
            "teams": len(prov.teams),
            "mediators": len(prov.teams) * MEDIATORS,
            "period": "2025",
        }
        sizes = {}
        for size in (args.small, args.cases):
            load = add_cases(sync, prov, size - (prov.next_case - 1), rng)
            if not args.json:
                print(f"{size} cases written in {load:.1f} s; measuring…", file=sys.stderr)
            measured = asyncio.run(measure(f"sqlite+aiosqlite:///{path}", prov, args.runs, cipher, args.exports))
            sizes[size] = {"load_s": round(load, 1), "ward_year_cases": prov.ward_year_cases, **measured}
        sync.dispose()
    small, big = sizes[args.small], sizes[args.cases]
    growth = {
        f"{who}_{p}": round(big[f"{who}_thongke"][f"{p}_ms"] / small[f"{who}_thongke"][f"{p}_ms"], 2)
        for who in ("province", "ward")
        for p in ("p50", "p95")
    }
    result.update({f"at_{k}": v for k, v in sizes.items()})
    result["growth"] = growth
    result["targets_met"] = {
        "ward_growth_le_1_5": growth["ward_p50"] <= 1.5,
        "province_growth_le_3": growth["province_p50"] <= 3,
        "ward_year_xlsx_lt_2s": big["ward_year_xlsx_s"]["max"] < 2,
    }
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

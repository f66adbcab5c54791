"""A country-sized store on PostgreSQL: how /thongke, the reports and the nightly jobs hold up.

Usage: python bench/country.py [--scale 1.0] [--runs 40] [--json] [--url postgresql+asyncpg://…]

Builds, on a throwaway PostgreSQL (tests/pg.py, or --url), a country of 34 provinces, 3,300
communes, 87,000 teams (each in its village), 550,000 people and 1,500,000 cases over the ten
years before NOW (--scale multiplies communes, teams, people and cases; 0.001 is the suite's
tiny size). The provinces hang under one national unit, whose official stands for the
ministry (the tree has no level above a province otherwise). Rows go in with COPY; the
cases' text is sealed as the bot seals it (one sealed value reused: same sizes); then the
monthly rollups are recounted (storage/rollups.rebuild) and the tables analysed.

Cases older than 60 days are mostly closed (3% still being mediated), newer ones half open;
parties of cases closed more than five years ago are already erased (the retention job has
run every night before), so the nightly job meets the country as it would be.

Measured in a fresh process (so that its peak memory is the worker's own), through the whole
engine (a Turn in, Replies out, one transaction each): /thongke by the national official, by
random province officials, by random commune officials, for last year (whole months: the
rollups) and for this year so far (whole months, then the days of this month on `cases`);
one commune-year XLSX by its official (several communes); a province-year XLSX by its
official, with the process's peak RSS during it; the nightly jobs (report deadlines, the
weekly digest of stale cases, retention, old update ids) as the clock runs them, at a NOW a
few days before the half-year deadline on the digest's Monday, so that all of them do work.
Prints JSON with the goals met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.crypto import PartyCipher  # noqa: E402

NOW = dt.datetime(2026, 6, 29, 3, 30, tzinfo=dt.UTC)  # Monday 10:30 in Hà Nội, 6 days before 05/07
YEARS = 10
FULL = {"communes": 3300, "teams": 87_000, "people": 550_000, "cases": 1_500_000}
PROVINCES = 34
CATEGORIES = ("mau_thuan", "dan_su", "hon_nhan", "vi_pham", "khac")
CLOSED = (("thanh", 70), ("khong_thanh", 17), ("ket_thuc", 10), ("dang_hoa_giai", 3))
RECENT = (("dang_hoa_giai", 50), ("thanh", 35), ("khong_thanh", 10), ("ket_thuc", 5))
BATCH = 100_000
GOALS = {
    "national_p95_ms": 300,
    "province_p95_ms": 100,
    "commune_p95_ms": 20,
    "commune_xlsx_s": 2.0,
    "province_xlsx_s": 30.0,
    "province_xlsx_peak_mb": 300,
    "nightly_s": 300,
}


class Country:
    """Sizes, and the ids the generator made."""

    def __init__(self, scale: float) -> None:
        self.communes = max(PROVINCES, round(FULL["communes"] * scale))
        self.teams = max(self.communes, round(FULL["teams"] * scale))
        self.people = max(2 * self.teams, round(FULL["people"] * scale))
        self.cases = max(10, round(FULL["cases"] * scale))
        self.provinces: list[int] = []
        self.commune_ids: list[int] = []
        self.team_rows: list[tuple[int, str, list[int]]] = []  # (team id, path, members)


def units_and_people(c: Country) -> tuple[list[tuple], list[tuple], list[tuple]]:
    units: list[tuple] = []
    people: list[tuple] = []
    accounts: list[tuple] = []

    def unit(kind: str, name: str, parent: tuple[int, str] | None) -> tuple[int, str]:
        uid = len(units) + 1
        path = f"{parent[1] if parent else '/'}{uid}/"
        units.append((uid, parent[0] if parent else None, kind, name, path, False, NOW, None))
        return uid, path

    def person(name: str, role: str, unit_id: int, account: str | None = None) -> int:
        pid = len(people) + 1
        people.append(
            (pid, name, "nu" if pid % 3 == 0 else "nam", pid % 7 == 0, role, unit_id, True, NOW, None, None, None)
        )
        if account:
            accounts.append((len(accounts) + 1, "bench", account, pid, name, False, NOW))
        return pid

    nation = unit("tinh", "Toàn quốc", None)
    person("Cán bộ Bộ Tư pháp", "can_bo", nation[0], "n0")
    per_team = c.people / c.teams
    made_people = 0
    for p in range(PROVINCES):
        prov = unit("tinh", f"Tỉnh {p + 1:02d}", nation)
        c.provinces.append(prov[0])
        person(f"Cán bộ Sở Tư pháp {p + 1:02d}", "can_bo", prov[0], f"p{p}")
        communes = range(p * c.communes // PROVINCES, (p + 1) * c.communes // PROVINCES)
        for k in communes:
            commune = unit("xa", f"Xã {k + 1:04d}", prov)
            c.commune_ids.append(commune[0])
            person(f"Công chức tư pháp xã {k + 1:04d}", "can_bo", commune[0], f"c{k}")
            for v in range(k * c.teams // c.communes, (k + 1) * c.teams // c.communes):
                village = unit("thon", f"Thôn {v + 1}", commune)
                team = unit("to_hoa_giai", f"Tổ hòa giải thôn {v + 1}", village)
                size = round((v + 1) * per_team) - made_people
                made_people += size
                members = [
                    person(f"Hòa giải viên {team[0]}-{m}", "to_truong" if m == 0 else "hoa_giai_vien", team[0])
                    for m in range(max(1, size))
                ]
                c.team_rows.append((team[0], team[1], members))
    return units, people, accounts


def sealed_values(cipher: PartyCipher) -> dict[str, str]:
    """The cases' text as the bot seals it; erased parties as handlers.common.parties.erased leaves them."""
    return {
        "parties": cipher.seal({"names": ["Nguyễn Văn An", "Trần Thị Bình"], "contact": "thôn 3"}),
        "erased": cipher.seal({"names": ["#1", "#2"], "contact": "", "anonymised": True}),
        "summary": cipher.seal_text("Tranh chấp lối đi chung giữa hai hộ liền kề"),
        "agreement": cipher.seal_text("Hai bên thống nhất mở lối đi rộng 1,5 m"),
    }


def case_rows(c: Country, cipher: PartyCipher, rng: random.Random):
    """Batches of (cases, mediators) rows, in the cases table's column order."""
    sealed = sealed_values(cipher)
    sealed_parties, erased, summary, agreement = (sealed[k] for k in ("parties", "erased", "summary", "agreement"))
    first = (NOW - dt.timedelta(days=365 * YEARS)).date()
    span = (NOW.date() - first).days - 1
    seq: dict[tuple[int, int], int] = {}
    retention = NOW - dt.timedelta(days=365 * 5)
    closed_kinds, closed_w = zip(*CLOSED, strict=True)
    recent_kinds, recent_w = zip(*RECENT, strict=True)
    cid = 0
    while cid < c.cases:
        cases, mediators = [], []
        for _ in range(min(BATCH, c.cases - cid)):
            cid += 1
            team_id, path, members = c.team_rows[rng.randrange(len(c.team_rows))]
            day = first + dt.timedelta(days=rng.randrange(span))
            old = (NOW.date() - day).days > 60
            status = rng.choices(closed_kinds if old else recent_kinds, closed_w if old else recent_w)[0]
            n = seq[(team_id, day.year)] = seq.get((team_id, day.year), 0) + 1
            author = members[rng.randrange(len(members))]
            created = dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
            closed = None if status == "dang_hoa_giai" else created + dt.timedelta(days=rng.randrange(1, 30))
            if closed is not None and closed > NOW:
                closed = NOW
            parties = erased if closed is not None and closed < retention else sealed_parties
            cases.append(
                (
                    cid,
                    team_id,
                    path,
                    day.year,
                    n,
                    day,
                    rng.choice(CATEGORIES),
                    "yeu_cau",
                    "",
                    parties,
                    summary,
                    agreement if status == "thanh" else None,
                    status,
                    "yeu_cau_cham_dut" if status == "ket_thuc" else None,
                    "[]",
                    closed.date() if closed else None,
                    None,
                    None,
                    author,
                    created,
                    closed or created,
                    closed,
                    closed + dt.timedelta(days=365 * 5) if parties is erased else None,
                )
            )
            mediators.append((cid, author))
        yield cases, mediators


CASE_COLUMNS = (
    "id",
    "team_id",
    "unit_path",
    "year",
    "seq",
    "received_on",
    "category",
    "source",
    "code",
    "parties",
    "summary",
    "agreement",
    "status",
    "end_reason",
    "sessions",
    "outcome_on",
    "referral",
    "corrected_at",
    "created_by_id",
    "created_at",
    "updated_at",
    "closed_at",
    "parties_erased_at",
)
UNIT_COLUMNS = ("id", "parent_id", "kind", "name", "path", "ethnic_area", "created_at", "code")
PERSON_COLUMNS = (
    "id",
    "full_name",
    "sex",
    "ethnic_minority",
    "role",
    "unit_id",
    "active",
    "created_at",
    "preferred_channel",
    "left_at",
    "left_reason",
)
ACCOUNT_COLUMNS = ("id", "channel", "external_id", "person_id", "display_name", "unreachable", "last_seen_at")


async def load(url: str, c: Country, cipher: PartyCipher, say) -> dict[str, float]:
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage import rollups
    from storage.schema import Base

    timings: dict[str, float] = {}
    started = time.perf_counter()
    engine = create_async_engine(url)
    engine.sync_engine.dialect.pii_cipher = cipher  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    units, people, accounts = units_and_people(c)
    pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await pg.copy_records_to_table("units", records=units, columns=UNIT_COLUMNS)
        await pg.copy_records_to_table("people", records=people, columns=PERSON_COLUMNS)
        await pg.copy_records_to_table("accounts", records=accounts, columns=ACCOUNT_COLUMNS)
        timings["units_people_s"] = time.perf_counter() - started
        say(f"{len(units)} units, {len(people)} people in {timings['units_people_s']:.0f} s; cases…")
        t0 = time.perf_counter()
        for cases, mediators in case_rows(c, cipher, random.Random(7)):
            await pg.copy_records_to_table("cases", records=cases, columns=CASE_COLUMNS)
            await pg.copy_records_to_table("case_mediators", records=mediators, columns=("case_id", "person_id"))
            say(f"  {cases[-1][0]} cases, {time.perf_counter() - t0:.0f} s")
        timings["cases_s"] = time.perf_counter() - t0
        for table in ("units", "people", "accounts", "cases"):
            await pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    finally:
        await pg.close()
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(rollups.rebuild)
    timings["rollups_s"] = time.perf_counter() - t0
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        from sqlalchemy import text

        await conn.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    timings["total_s"] = time.perf_counter() - started
    return {k: round(v, 1) for k, v in timings.items()}


async def known(url: str, c: Country, cipher: PartyCipher, reseal: bool = True) -> dict:
    """The ids and sizes of a store loaded before; its four sealed values sealed again with this key."""
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.schema import Base

    engine = create_async_engine(url)
    async with engine.begin() as conn:  # tables the code gained since the store was loaded
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    sealed = sealed_values(cipher)
    pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        started = time.perf_counter()
        retention = NOW - dt.timedelta(days=365 * 5)
        if reseal:
            await pg.execute(
                "UPDATE cases SET summary = $1, parties = CASE WHEN closed_at < $2 THEN $3 ELSE $4 END, "
                "agreement = CASE WHEN agreement IS NULL THEN NULL ELSE $5 END, "
                "parties_erased_at = CASE WHEN closed_at < $2 THEN closed_at + interval '5 years' END",
                sealed["summary"],
                retention,
                sealed["erased"],
                sealed["parties"],
                sealed["agreement"],
            )
            await pg.execute("VACUUM ANALYZE cases")
        await pg.execute("DELETE FROM conversations")  # the measuring turns' drafts: sealed with another key
        resealed = time.perf_counter() - started
        c.provinces = [
            r[0]
            for r in await pg.fetch("SELECT id FROM units WHERE kind = 'tinh' AND parent_id IS NOT NULL ORDER BY id")
        ]
        c.commune_ids = [r[0] for r in await pg.fetch("SELECT id FROM units WHERE kind = 'xa' ORDER BY id")]
        c.communes = len(c.commune_ids)
        c.teams = await pg.fetchval("SELECT count(*) FROM units WHERE kind = 'to_hoa_giai'")
        c.people = await pg.fetchval("SELECT count(*) FROM people")
        c.cases = await pg.fetchval("SELECT count(*) FROM cases")
    finally:
        await pg.close()
    return {"reused": True, "resealed_s": round(resealed, 1)}


def pcts(values: list[float]) -> dict[str, float]:
    failed = sum(1 for v in values if v != v)
    values = [v for v in values if v == v]
    if not values:
        return {"runs": 0, "failed": failed, "p50_ms": float("nan"), "p95_ms": float("nan"), "max_ms": float("nan")}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {
        "runs": len(values),
        "failed": failed,
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """The process's resident memory, sampled every 5 ms while the block runs."""

    def __enter__(self) -> PeakRss:
        self.base = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


async def measure(
    url: str,
    key: str,
    c: dict,
    runs: int,
    xlsx_timeout: float,
    levels: tuple[str, ...] = ("national", "province", "commune"),
) -> dict:
    from zoneinfo import ZoneInfo

    from bot.app import build_engine
    from bot.clock import SEEN_KEPT
    from handlers.cases.stale import stale_digest_job
    from handlers.common.outbox import PushEnv, PushPolicy
    from handlers.deadlines.usecases import deadline_job
    from handlers.kit.core import Turn
    from handlers.privacy.views import privacy_job
    from storage.db import Database

    db = Database(url, PartyCipher(key))
    engine = build_engine(db, clock=lambda: NOW)
    rng = random.Random(3)

    async def timed(account: str, *, text: str | None = None, payload: str | None = None) -> float:
        started = time.perf_counter()
        replies = await engine.handle(Turn("bench", account, text=text, payload=payload))
        elapsed = time.perf_counter() - started
        if not replies or "trục trặc" in replies[0].text or (payload and replies[0].file is None):
            failed.append(f"{account} {text or payload}")  # reported, and left out of the timings
            return float("nan")
        return elapsed

    out: dict = {}
    failed: list[str] = []
    out["failed_turns"] = failed
    try:
        for period, text in (("last_year", "/thongke 2025"), ("this_year", "/thongke")):
            if "national" not in levels:
                out[f"national_{period}"] = pcts([])
            warm = [await timed("n0", text=text)] if "national" in levels else [float("nan")]
            warm += [await timed("n0", text=text) for _ in range(2) if warm[0] == warm[0]]
            national = [] if warm[0] != warm[0] else [await timed("n0", text=text) for _ in range(runs)]
            if "national" in levels:
                out[f"national_{period}"] = pcts(national or warm[:1])  # failing once: not tried again
            out[f"province_{period}"] = pcts(
                [
                    await timed(f"p{rng.randrange(PROVINCES)}", text=text)
                    for _ in range(runs if "province" in levels else 0)
                ]
            )
            out[f"commune_{period}"] = pcts(
                [
                    await timed(f"c{rng.randrange(c['communes'])}", text=text)
                    for _ in range(runs if "commune" in levels else 0)
                ]
            )
        communes = [rng.randrange(c["communes"]) for _ in range(6)]
        await timed(f"c{communes[0]}", payload=f"rp:x:{c['commune_ids'][communes[0]]}:2025:0")  # imports
        xlsx = [await timed(f"c{k}", payload=f"rp:x:{c['commune_ids'][k]}:2025:0") for k in communes[1:]]
        done = [x for x in xlsx if x == x] or [float("nan")]
        out["commune_year_xlsx_s"] = {
            "runs": len(xlsx),
            "failed": len(xlsx) - len(done),
            "p50": round(statistics.median(done), 3),
            "max": round(max(done), 3),
        }
        print(json.dumps(out), file=sys.stderr, flush=True)  # so far, should what follows take too long
        out["nightly"] = await nightly(
            db, engine, PushEnv, PushPolicy, ZoneInfo, deadline_job, stale_digest_job, privacy_job, SEEN_KEPT
        )
        print(json.dumps(out["nightly"]), file=sys.stderr, flush=True)
        p = rng.randrange(PROVINCES)
        with PeakRss() as mem:
            try:
                seconds = await asyncio.wait_for(
                    timed(f"p{p}", payload=f"rp:x:{c['provinces'][p]}:2025:0"), xlsx_timeout
                )
            except TimeoutError:
                seconds = float("inf")  # JSON: Infinity, "did not finish"
        out["province_year_xlsx"] = {
            "s": round(seconds, 2),
            "rss_before_mb": round(mem.base),
            "rss_peak_mb": round(mem.peak),
            "growth_mb": round(mem.peak - mem.base),
        }
    finally:
        await db.dispose()
    return out


async def nightly(
    db, engine, PushEnv, PushPolicy, ZoneInfo, deadline_job, stale_digest_job, privacy_job, seen_kept
) -> dict:
    """The clock's jobs as bot/clock.PushClock runs them: deadlines and the digest in one unit of
    work, retention (parties of cases closed five years ago erased, drafts emptied) in another."""
    env = PushEnv(engine.deps.catalog, ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy())
    out: dict = {}
    t0 = time.perf_counter()
    async with db.uow() as uow:
        out["deadline_reminders"] = await deadline_job(uow, env, NOW)
        t1 = time.perf_counter()
        out["stale_digests"] = await stale_digest_job(uow, env, NOW)
        await uow.commit()
    t2 = time.perf_counter()
    async with db.uow() as uow:
        erased, drafts = await privacy_job(uow, NOW, 5)
        await uow.commit()
    t3 = time.perf_counter()
    async with db.uow() as uow:
        await uow.seen.prune(NOW - seen_kept)
        await uow.commit()
    t4 = time.perf_counter()
    out.update(
        {
            "retention_erased": erased,
            "deadlines_s": round(t1 - t0, 2),
            "digest_s": round(t2 - t1, 2),
            "retention_s": round(t3 - t2, 2),
            "seen_s": round(t4 - t3, 2),
            "total_s": round(t4 - t0, 2),
        }
    )
    return out


def _measure_process(conn, url: str, key: str, c: dict, runs: int, xlsx_timeout: float, levels) -> None:
    conn.send(asyncio.run(measure(url, key, c, runs, xlsx_timeout, levels)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the country (1: 550,000 people)")
    ap.add_argument("--runs", type=int, default=40, help="timed /thongke turns per level and period")
    ap.add_argument("--url", default="", help="an empty PostgreSQL database (default: a throwaway server)")
    ap.add_argument("--reuse", action="store_true", help="measure the store at --url again (loaded by this bench)")
    ap.add_argument("--key", default="", help="with --reuse: the key printed by the run that sealed it (no resealing)")
    ap.add_argument("--levels", default="national,province,commune", help="whose /thongke to time")
    ap.add_argument("--xlsx-timeout", type=float, default=600, help="seconds the province-year XLSX may take")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args(argv)

    def say(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr, flush=True)

    from tests.pg import PgServer

    server = None if args.url else PgServer().start()
    try:
        url = args.url or asyncio.run(server.new_database())
        c = Country(args.scale)
        cipher = PartyCipher(args.key) if args.reuse and args.key else PartyCipher.ephemeral()
        key = cipher.key.decode()
        say(f"the store's key (--reuse --key): {key}")
        if args.reuse:  # a store this bench loaded before (--url): its sealed values again, with a new key
            loaded = asyncio.run(known(url, c, cipher, reseal=not args.key))
        else:
            loaded = asyncio.run(load(url, c, cipher, say))
        say(f"store ready: {loaded}; measuring…")
        here, there = mp.Pipe()
        sizes = {"communes": len(c.commune_ids), "commune_ids": c.commune_ids, "provinces": c.provinces}
        proc = mp.get_context("spawn").Process(
            target=_measure_process,
            args=(there, url, key, sizes, args.runs, args.xlsx_timeout, tuple(args.levels.split(","))),
        )
        proc.start()
        there.close()
        try:
            measured = here.recv()
        except EOFError:
            raise SystemExit("the measuring process died (its traceback is above)") from None
        proc.join()
    finally:
        if server is not None:
            server.stop()
    worst = {
        lvl: max(measured[f"{lvl}_last_year"]["p95_ms"], measured[f"{lvl}_this_year"]["p95_ms"])
        if not measured[f"{lvl}_last_year"]["failed"] + measured[f"{lvl}_this_year"]["failed"]
        else float("inf")
        for lvl in ("national", "province", "commune")
    }
    px = measured["province_year_xlsx"]
    goals = {
        "national_p95_le_300ms": worst["national"] <= GOALS["national_p95_ms"],
        "province_p95_le_100ms": worst["province"] <= GOALS["province_p95_ms"],
        "commune_p95_le_20ms": worst["commune"] <= GOALS["commune_p95_ms"],
        "commune_year_xlsx_lt_2s": measured["commune_year_xlsx_s"]["max"] < GOALS["commune_xlsx_s"],
        "province_year_xlsx_lt_30s": px["s"] < GOALS["province_xlsx_s"],
        "province_year_xlsx_peak_le_300mb": px["rss_peak_mb"] <= GOALS["province_xlsx_peak_mb"],
        "nightly_lt_5min": measured["nightly"]["total_s"] < GOALS["nightly_s"],
    }
    report = {
        "store": "postgresql",
        "scale": args.scale,
        "provinces": PROVINCES,
        "communes": c.communes,
        "teams": c.teams,
        "people": c.people,
        "cases": c.cases,
        "years": YEARS,
        "load": loaded,
        **measured,
        "goals": {k: "met" if v else "missed" for k, v in goals.items()},
    }
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

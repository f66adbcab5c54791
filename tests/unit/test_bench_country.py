"""The country-scale benches run at a tiny size on the suite's PostgreSQL, so they cannot rot
unnoticed (the figures come from full-size runs by hand; see docs/scale.md)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(pg_server):
    url = asyncio.run(pg_server.new_database())
    yield url
    asyncio.run(pg_server.drop_database(url))


def bench(*args: str, timeout: float = 120) -> dict:
    done = subprocess.run([sys.executable, *args, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_country_bench_runs_at_a_tiny_size(pg_url):
    figures = bench("bench/country.py", "--scale", "0.001", "--runs", "1", "--url", pg_url)
    assert (figures["provinces"], figures["communes"], figures["cases"]) == (34, 34, 1500)
    for level in ("national", "province", "commune"):
        for period in ("last_year", "this_year"):
            assert figures[f"{level}_{period}"]["runs"] == 1 and figures[f"{level}_{period}"]["p95_ms"] > 0
    assert figures["commune_year_xlsx_s"]["runs"] == 5 and figures["province_year_xlsx"]["rss_peak_mb"] > 0
    nightly = figures["nightly"]
    assert nightly["deadline_reminders"] == figures["teams"]  # NOW is six days before the half-year deadline
    assert nightly["stale_digests"] > 0 and nightly["total_s"] > 0
    assert set(figures["goals"]) == {
        "national_p95_le_300ms",
        "province_p95_le_100ms",
        "commune_p95_le_20ms",
        "commune_year_xlsx_lt_2s",
        "province_year_xlsx_lt_30s",
        "province_year_xlsx_peak_le_300mb",
        "nightly_lt_5min",
    }


def test_the_country_broadcast_bench_runs_at_a_tiny_size(pg_url):
    figures = bench("bench/country_broadcast.py", "--recipients", "60", "--paid", "--url", pg_url)
    assert (figures["queued"], figures["delivered"], figures["duplicates"], figures["lost"]) == (60, 60, 0, 0)
    assert figures["paid_calls"] == 60 and figures["limit"] == 1000 and figures["rejected"] == 0
    assert {"ratio", "rate", "seconds", "would_take_at_30_per_s_h", "would_take_at_1000_per_s_min"} <= set(figures)


def test_the_free_announcement_keeps_to_30_a_second_and_pays_nothing():
    figures = bench("bench/country_broadcast.py", "--recipients", "40", "--store", "sqlite", "--time-scale", "4")
    assert (figures["delivered"], figures["duplicates"], figures["lost"]) == (40, 0, 0)
    assert figures["paid_calls"] == 0 and figures["limit"] == 120 and figures["rate"] <= 120 * 1.05

"""The benches run at a tiny size, so they cannot rot unnoticed (bench/stats.py had: the cases'
text became sealed and its loading engine had no key). Figures come from full-size runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> dict:
    done = subprocess.run([sys.executable, *args, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_stats_bench_runs_at_a_tiny_size():
    figures = bench(
        "bench/stats.py", "--cases", "400", "--small", "200", "--runs", "2", "--communes", "2", "--exports", "1"
    )
    assert (figures["communes"], figures["teams"], figures["mediators"]) == (2, 40, 120)
    for size in ("at_200", "at_400"):
        assert figures[size]["ward_thongke"]["p95_ms"] > 0 and figures[size]["province_thongke"]["p95_ms"] > 0
        assert figures[size]["ward_year_xlsx_s"]["max"] > 0
    assert figures["at_400"]["ward_year_cases"] > figures["at_200"]["ward_year_cases"]
    assert set(figures["targets_met"]) == {"ward_growth_le_1_5", "province_growth_le_3", "ward_year_xlsx_lt_2s"}


def test_the_broadcast_bench_runs_at_a_tiny_size():
    figures = bench("bench/broadcast.py", "--recipients", "30", "--limit", "200")
    assert (figures["delivered"], figures["duplicates"], figures["lost"]) == (30, 0, 0)


def test_the_concurrency_bench_runs_at_a_tiny_size():
    figures = bench("bench/concurrency.py", "--users", "3", "--latency-ms", "5")
    assert figures["updates"] == 6 and figures["per_user_order"]["all_replies_s"] > 0

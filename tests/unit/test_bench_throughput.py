"""bench/throughput.py runs at a tiny size, so it cannot rot unnoticed (figures: the bench)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_throughput_bench_runs_at_a_tiny_size(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "bench/throughput.py",
            "--conversations",
            "1",
            "--cases",
            "20",
            "--floor-turns",
            "20",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["updates"] > 0 and figures["store_cases"] == 20
    assert figures["turn_latency_ms"]["p95"] > 0 and figures["rss_mb_with_store"] > 0
    paths = {"sqlite3", "sqlalchemy_sync", "sqlalchemy_aiosqlite"}
    assert set(figures["store_floor_ms"]) == set(figures["ratio_ceiling"]) == paths
    assert all(ms > 0 for ms in figures["store_floor_ms"].values())

"""bench/two_workers.py runs at a tiny size (two real bot processes on the suite's PostgreSQL),
so it cannot rot unnoticed; the figures come from the full-size run (docs/scale.md)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_two_workers_bench_runs_at_a_tiny_size(pg_server):
    url = asyncio.run(pg_server.new_database())
    done = subprocess.run(
        [
            sys.executable,
            "bench/two_workers.py",
            "--url",
            url,
            "--people",
            "3",
            "--recipients",
            "30",
            "--scale",
            "60",
            "--cases",
            "300",
            "--duration",
            "1",
            "--users",
            "3",
            "--seconds",
            "1",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    announcement = figures["announcement"]
    assert (announcement["queued"], announcement["delivered"]) == (30, 30)
    assert announcement["duplicates"] == 0 and announcement["lost"] == 0
    assert figures["failed_turns"] == 0 and figures["people_turns"]["turns"] > 0
    one, two = figures["throughput"]["one_worker"], figures["throughput"]["two_workers"]
    assert (one["workers"], two["workers"]) == (1, 2) and one["turns"] > 0 and two["turns"] > 0
    assert set(figures["goals"]) == {
        "turn_p95_le_50ms",
        "turn_p99_le_200ms",
        "ratio_ge_0_95",
        "no_duplicates",
        "none_lost",
        "two_workers_ge_1_6x",
    }

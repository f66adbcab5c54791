"""bench/mixed_load.py runs at a tiny size, so it cannot rot unnoticed (figures: the bench)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_mixed_load_bench_runs_at_a_tiny_size():
    done = subprocess.run(
        [
            sys.executable,
            "bench/mixed_load.py",
            "--people",
            "4",
            "--recipients",
            "40",
            "--scale",
            "60",
            "--cases",
            "500",
            "--duration",
            "1",
            "--communes",
            "2",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures["turns"]) == {"log_case", "qa", "stats", "export", "province_stats"}
    assert figures["people_turns"]["turns"] > 0 and figures["people_turns"]["p95_ms"] > 0
    assert figures["turns"]["export"]["turns"] > 0 and figures["turns"]["province_stats"]["turns"] > 0
    assert sum(figures["failed_turns"].values()) == 0
    assert figures["cases_in_store"] - figures["province_cases"] == figures["cases_confirmed"]
    announcement = figures["announcement"]
    assert announcement["queued"] == announcement["delivered"] == 40
    assert announcement["duplicates"] == 0 and announcement["lost"] == 0
    assert {"ratio", "rate", "limit", "seconds"} <= set(announcement)
    assert set(figures["goals"]) == {
        "turn_p95_le_50ms",
        "turn_p99_le_200ms",
        "ratio_ge_0_95",
        "no_duplicates",
        "none_lost",
    }
    assert figures["goals"]["no_duplicates"] == figures["goals"]["none_lost"] == "met"

"""The lint gate, enforced by the suite: `ruff check` finds nothing and `ruff format` would change
nothing, in everything written here.

The same check `make lint` runs first (settings in pyproject.toml); the type check (mypy) runs
only in `make lint`, as it takes longer than the suite should spend on it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCOPE = ("bot", "handlers", "storage", "content", "tests", "bench")


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None,
    reason="ruff is not installed (it comes with the test extras: make install)",
)
def test_ruff_finds_nothing_in_the_code():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *SCOPE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"ruff check {' '.join(SCOPE)}:\n{done.stdout}{done.stderr}"


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None,
    reason="ruff is not installed (it comes with the test extras: make install)",
)
def test_the_code_is_formatted():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *SCOPE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"ruff format --check {' '.join(SCOPE)}:\n{done.stdout}{done.stderr}"

"""The README's shell examples work as written, in order, on a new store.

Every ```sh block of the section "First official, then the mediators" (the units and the
first official, the same desk from the shell, trainings and deadlines) is split into
commands. `.venv/bin/python -m bot …` commands run in-process through `bot.cli.main` (what
that line runs, minus starting an interpreter each time) with the clock pinned to
03/12/2026; other lines (the CSV files written with `cat <<'EOF'`) run in bash. One command
also runs exactly as written, through bash and the project's `.venv`, to show the
invocation itself works. No example needs a token, so none is skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## First official, then the mediators"
PREFIX = [".venv/bin/python", "-m", "bot"]
NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội


def section_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start : end if end != -1 else len(text)]
    return re.findall(r"```sh\n(.*?)```", body, flags=re.S)


def commands(block: str) -> list[str]:
    """Shell commands of a block: continuation lines joined, heredocs kept whole, comments
    and blank lines dropped."""
    lines = block.splitlines()
    found: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.rstrip().endswith("\\") and i < len(lines):
            line = line.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
        heredoc = re.search(r"<<\s*'?(\w+)'?", line)
        if heredoc:
            body = []
            while i < len(lines) and lines[i] != heredoc.group(1):
                body.append(lines[i])
                i += 1
            i += 1
            line = "\n".join([line, *body, heredoc.group(1)]) + "\n"
        found.append(line)
    return found


@pytest.fixture
def sandbox(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3",
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
        "DATA_KEY": "",
        "TELEGRAM_BOT_USERNAME": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.logs.setup_logging", lambda level, secrets: None)
    monkeypatch.setattr("bot.cli.common.system_clock", lambda: NOW)
    return tmp_path


def test_the_readme_has_the_three_blocks_in_the_venv_form():
    blocks = section_blocks()
    assert len(blocks) == 3
    bot_lines = [c for b in blocks for c in commands(b) if not c.startswith("cat ")]
    assert len(bot_lines) >= 20
    assert all(shlex.split(c, comments=True)[:3] == PREFIX for c in bot_lines), bot_lines
    assert "[" not in "".join(bot_lines)  # no placeholders: every line runs as written
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "VENV ?= .venv" in makefile and "PY := $(VENV)/bin/python" in makefile


def test_the_readme_examples_run_in_order_on_a_new_store(sandbox, capsys):
    said: list[str] = []
    for command in [c for b in section_blocks() for c in commands(b)]:
        argv = shlex.split(command, comments=True)
        if argv[:3] == PREFIX:
            code = main(argv[3:])
            out = capsys.readouterr()
            text = out.out + out.err
        else:
            done = subprocess.run(["bash", "-c", command], cwd=sandbox, capture_output=True, text=True, timeout=30)
            code, text = done.returncode, done.stdout + done.stderr
        assert code == 0, f"{command}\n→ exit {code}: {text}"
        assert "Traceback" not in text
        said.append(text)
    joined = "\n".join(said)
    # what the comments in the README promise
    assert "      #4 Tổ hòa giải TDP Đông (tổ hòa giải)" in joined
    assert "      #6 Tổ hòa giải TDP Tây (tổ hòa giải)" in joined
    assert "#4 Lò Thị Mai — Hòa giải viên — Tổ hòa giải TDP Đông (#4)" in joined
    assert "Đã chuyển Lò Thị Mai sang Tổ hòa giải TDP Tây." in joined
    assert "Trần Văn Minh thôi làm hòa giải viên" in joined
    assert "Đã tạo 2 lớp tập huấn; 0 dòng không tạo được." in joined
    assert (sandbox / "bao-cao.xlsx").stat().st_size > 0 and (sandbox / "vu-viec.csv").exists()
    assert oct((sandbox / "bao-cao.xlsx").stat().st_mode & 0o777) == "0o600"


def test_the_first_line_runs_as_written_with_the_projects_venv(tmp_path):
    venv_python = ROOT / ".venv" / "bin" / "python"
    if not venv_python.exists():
        pytest.skip("no .venv in the project (make install makes it)")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    first = commands(section_blocks()[0])[0]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hoagiai.sqlite3",
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
        "DATA_KEY": "",
    }
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["bash", "-c", first], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã tạo đơn vị #1: Tỉnh Bắc Ninh" in done.stdout

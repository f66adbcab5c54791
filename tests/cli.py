"""Run `python -m bot …` in this process: the same `main` the shell runs, without starting a
Python and importing the bot once per command (dozens of commands cost half a minute that way).
Tests that must see a real process (exit codes through the OS, stray tracebacks) keep using one."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import NamedTuple
from unittest import mock


class Done(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_bot(cwd: Path, env: dict[str, str], *args: str) -> Done:
    """`args` as after `python -m bot`, in `cwd`, with `env` over the process environment."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    with (
        mock.patch.dict(os.environ, env),
        mock.patch("bot.logs.setup_logging", lambda level, secrets: None),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        os.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse: a wrong option
            code = exit_.code if isinstance(exit_.code, int) else 2
        finally:
            os.chdir(here)
    return Done(code, out.getvalue(), err.getvalue())

"""Files that hold the store's data (database, key file, backups, exports): readable by
their owner only. The folders they live in are created 0700, the files 0600."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create a folder (and parents) only its owner can read; an existing one is left as is."""
    path = Path(path).expanduser()
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600, or bring an existing one to 0600 (where we may)."""
    path = Path(path).expanduser()
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write a whole file that only its owner can read (an existing file is tightened first)."""
    path = private_file(path)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def private_sqlite(path: Path) -> Path:
    """A SQLite database file 0600 in a 0700 folder; its journal files from before are tightened
    too (SQLite gives new ones the database file's permissions)."""
    path = private_file(path)
    for extra in ("-wal", "-shm", "-journal"):
        side = Path(f"{path}{extra}")
        if side.exists():
            with contextlib.suppress(OSError):
                os.chmod(side, 0o600)
    return path

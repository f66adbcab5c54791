"""Encryption at rest of the parties' personal data (names, phones, addresses).

Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package). The key comes from
DATA_KEY, or on the SQLite default from a key file created with 0600 permissions. Each
engine carries its own cipher (set on its dialect by storage.db.Database), so no key
lives in a module global. Rows written before encryption (plain JSON) are still read,
and are sealed when next written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text, TypeDecorator

PREFIX = "v1:"


class PartyCipher:
    def __init__(self, key: bytes | str) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def ephemeral(cls) -> PartyCipher:
        """A throwaway key: for in-memory stores and tests only."""
        return cls(Fernet.generate_key())

    def seal(self, value: dict[str, Any]) -> str:
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return PREFIX + self._fernet.encrypt(raw).decode("ascii")

    def open(self, stored: str) -> dict[str, Any]:
        if not stored.startswith(PREFIX):
            return json.loads(stored)  # written before encryption
        try:
            return json.loads(self._fernet.decrypt(stored[len(PREFIX):].encode("ascii")))
        except InvalidToken:
            raise ValueError("the parties' data cannot be read with this DATA_KEY") from None


class SealedJSON(TypeDecorator[dict]):
    """A JSON object stored encrypted; the cipher is the engine's (dialect.pii_cipher)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).seal(value)

    def process_result_value(self, value: str | dict | None, dialect: Any) -> dict | None:
        if value is None or isinstance(value, dict):
            return value
        return _cipher(dialect).open(value)


def _cipher(dialect: Any) -> PartyCipher:
    cipher = getattr(dialect, "pii_cipher", None)
    if cipher is None:
        raise RuntimeError("no encryption key set on this engine (storage.db.Database sets it)")
    return cipher


def key_file_key(path: Path) -> bytes:
    """Read the key file, or create it (0600) with a fresh key on first run."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store URL; None for in-memory SQLite and other databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def key_file_for(url: str) -> Path | None:
    """The key file beside a SQLite file store (data/hoagiai.sqlite3 → data/hoagiai.key)."""
    path = sqlite_file(url)
    return path.with_name(path.stem + ".key") if path else None


def store_cipher(url: str) -> PartyCipher:
    """The cipher a store uses when no DATA_KEY is given: its key file, or a throwaway key
    for stores that do not outlive the process (in-memory, test databases)."""
    key_file = key_file_for(url)
    return PartyCipher(key_file_key(key_file)) if key_file else PartyCipher.ephemeral()

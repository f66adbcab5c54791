"""Encryption at rest of personal data, and where its key comes from.

Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package). The key comes from
DATA_KEY, or on the SQLite default from a key file beside the store (0600). Each engine
carries its own cipher (set on its dialect by storage.db.Database), so no key lives in a
module global. The store keeps a key check (storage/keycheck.py): a wrong or missing key
stops the start instead of forking the data.

Every encrypted column type derives from `Sealed`: stored as "v1:" + a Fernet token of the
value's text form. `python -m bot key rotate` finds them all by that type. Values written
before encryption (the plain text form) are still read, and sealed when next written.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text, TypeDecorator

PREFIX = "v1:"
MAKE_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class KeyProblem(Exception):
    """The key cannot be used with this store; the message (one line) says why and what to do."""


class PartyCipher:
    def __init__(self, key: bytes | str) -> None:
        self.key = key.encode("ascii") if isinstance(key, str) else key
        self._fernet = Fernet(self.key)
        self.key_id = key_id(self.key)

    @classmethod
    def ephemeral(cls) -> PartyCipher:
        """A throwaway key: for in-memory stores and tests only."""
        return cls(Fernet.generate_key())

    def seal_text(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode("ascii")

    def open_text(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise ValueError("personal data that cannot be read with this DATA_KEY") from None

    def seal(self, value: dict[str, Any]) -> str:
        return self.seal_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def open(self, stored: str) -> dict[str, Any]:
        return json.loads(self.open_text(stored))

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Raises InvalidToken for a token of another key or one that was altered."""
        return self._fernet.decrypt(token)


class Sealed(TypeDecorator[Any]):
    """Base of every encrypted column type; the cipher is the engine's (dialect.pii_cipher).
    Subclasses say how a value becomes text (dump) and back (load)."""

    impl = Text
    cache_ok = True

    def dump(self, value: Any) -> str:
        raise NotImplementedError

    def load(self, text: str) -> Any:
        raise NotImplementedError

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).seal_text(self.dump(value))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        return self.load(_cipher(dialect).open_text(value))


class SealedJSON(Sealed):
    """A JSON object stored encrypted."""

    cache_ok = True

    def dump(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def load(self, text: str) -> Any:
        return json.loads(text)


class SealedText(Sealed):
    """A text stored encrypted."""

    cache_ok = True

    def dump(self, value: Any) -> str:
        return str(value)

    def load(self, text: str) -> str:
        return text


def _cipher(dialect: Any) -> PartyCipher:
    cipher = getattr(dialect, "pii_cipher", None)
    if cipher is None:
        raise RuntimeError("no encryption key set on this engine (storage.db.Database sets it)")
    return cipher


def key_id(key: bytes) -> str:
    """A short name of a key, safe to show and log (a hash: it does not reveal the key)."""
    return hashlib.sha256(b"hoagiai key id\0" + key.strip()).hexdigest()[:12]


def parse_key(value: str | bytes, source: str) -> PartyCipher:
    """A cipher from a key as written in DATA_KEY or a key file; KeyProblem if malformed."""
    raw = value.strip().encode("ascii", "replace") if isinstance(value, str) else value.strip()
    try:
        return PartyCipher(raw)
    except (ValueError, TypeError, binascii.Error):
        raise KeyProblem(
            f"{source} is not a valid key (44 characters of url-safe base64); make one with: {MAKE_KEY}"
        ) from None


@dataclass
class KeySource:
    """Where this process's key comes from. `cipher` is None when the key file does not exist
    yet: it may be created only for a new store (storage.keycheck decides)."""

    name: str  # for messages: "DATA_KEY" or "the key file data/hoagiai.key"
    cipher: PartyCipher | None
    key_file: Path | None = None


def key_source(data_key: str, url: str) -> KeySource:
    """DATA_KEY when set; else, on a SQLite file store, its key file; else (in-memory) a
    throwaway key. KeyProblem when the key is malformed or DATA_KEY is required."""
    if data_key.strip():
        return KeySource("DATA_KEY", parse_key(data_key, "DATA_KEY"))
    key_file = key_file_for(url)
    if key_file is not None:
        name = f"the key file {key_file}"
        if not key_file.exists():
            return KeySource(name, None, key_file)
        return KeySource(name, parse_key(key_file.read_bytes(), name), key_file)
    if _backend(url) == "sqlite":  # in-memory: the store dies with the process
        return KeySource("a throwaway key (in-memory store)", PartyCipher.ephemeral())
    raise KeyProblem(f"DATA_KEY is required with this DATABASE_URL (all workers share it); make one with: {MAKE_KEY}")


def write_key_file(path: Path, key: bytes, *, replace: bool = False) -> None:
    """Write a key file readable by its owner only; never over an existing one unless `replace`."""
    from storage.private_files import private_dir

    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(key + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def key_file_key(path: Path) -> bytes:
    """Read the key file, or create it (0600) with a fresh key (tests and tools; the bot's
    start goes through storage.keycheck, which creates one only for a new store)."""
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    write_key_file(path, key)
    return key


def _backend(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).get_backend_name()


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
    """The cipher a store uses when none is given (tests and tools): its key file, or a
    throwaway key for stores that do not outlive the process (in-memory, test databases)."""
    key_file = key_file_for(url)
    return PartyCipher(key_file_key(key_file)) if key_file else PartyCipher.ephemeral()

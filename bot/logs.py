"""Logging set-up: secrets are masked in every line (tracebacks included)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return line


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and Telegram's URL carries the token; at DEBUG,
    # python-telegram-bot, aiosqlite and SQLAlchemy log message texts and query parameters,
    # which hold personal data. Those loggers never go below INFO/WARNING, whatever LOG_LEVEL.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "sqlalchemy", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for chatty in ("telegram", "uvicorn"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))

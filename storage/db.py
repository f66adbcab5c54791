"""Engine, sessions and the unit of work. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from storage.crypto import PartyCipher, store_cipher
from storage.decisions import DecisionRepo
from storage.documents import DocumentRepo
from storage.erasure import ErasureRepo
from storage.links import LinkCodeRepo
from storage.outbox import OutboxRepo
from storage.private_files import private_sqlite
from storage.registers import RegisterRepo
from storage.reorganise import Reorganiser
from storage.report_chain import ReportChainRepo
from storage.repos import (
    AccountRepo,
    AuditRepo,
    CaseRepo,
    ConversationRepo,
    InviteRepo,
    PeopleRepo,
    SeenUpdateRepo,
    UnitRepo,
)
from storage.schema import Base
from storage.stats import StatsRepo
from storage.support import HelpRepo
from storage.teams import TeamRepo
from storage.trainings import DeadlineRepo, TrainingRepo


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")  # deleted data is overwritten, not left in free pages
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# Connections a worker may hold (DB_POOL_SIZE kept open, DB_MAX_OVERFLOW more in a burst):
# the webhook runs up to 64 turns at once (bot/inbox.py), each holding one for its unit of
# work, and beside them the webhook keeps each incoming update, the inbox claims, the clock
# and the dispatcher write: with SQLAlchemy's 5 + 10 those waited for a connection and the
# webhook answered 503. PostgreSQL only (SQLite: one process, one writer at a time).
POOL_SIZE = 20
MAX_OVERFLOW = 60


def make_engine(url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            private_sqlite(Path(db))  # folder 0700, database 0600 (and so its -wal, -shm)
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    engine = create_async_engine(url, hide_parameters=True, **kwargs)  # no personal data in errors
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class OneWriter:
    """SQLite lets one transaction write at a time, and a waiting one sleeps and polls
    (busy_timeout) then fails. Units of work of one process on SQLite therefore take turns
    here, in order of arrival; a unit of work opened inside another in the same task goes on
    (it would otherwise wait for itself). PostgreSQL needs none of this."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None

    async def enter(self) -> bool:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            return False
        await self._lock.acquire()
        self._owner = task
        return True

    def leave(self) -> None:
        self._owner = None
        self._lock.release()


class UnitOfWork:
    """One transaction. Repositories never commit; the use case calls commit()."""

    def __init__(self, sessions: Callable[[], AsyncSession], writer: OneWriter | None = None) -> None:
        self._sessions = sessions
        self._writer = writer
        self._entered = False

    async def __aenter__(self) -> UnitOfWork:
        if self._writer is not None:
            self._entered = await self._writer.enter()
        self.session = self._sessions()
        s = self.session
        self.units = UnitRepo(s)
        self.people = PeopleRepo(s)
        self.accounts = AccountRepo(s)
        self.invites = InviteRepo(s)
        self.cases = CaseRepo(s)
        self.conversations = ConversationRepo(s)
        self.seen = SeenUpdateRepo(s)
        self.audit = AuditRepo(s)
        self.links = LinkCodeRepo(s)
        self.stats = StatsRepo(s)
        self.registers = RegisterRepo(s)
        self.teams = TeamRepo(s)
        self.help = HelpRepo(s)
        self.outbox = OutboxRepo(s)
        self.trainings = TrainingRepo(s)
        self.deadlines = DeadlineRepo(s)
        self.chain = ReportChainRepo(s)
        self.erasure = ErasureRepo(s)
        self.documents = DocumentRepo(s)
        self.decisions = DecisionRepo(s)
        self.reorganise = Reorganiser(s)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is not None:
                await self.session.rollback()
            await self.session.close()
        finally:
            if self._entered and self._writer is not None:  # entered only with a writer
                self._entered = False
                self._writer.leave()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class Database:
    def __init__(
        self,
        url: str,
        cipher: PartyCipher | None = None,
        *,
        pool_size: int = POOL_SIZE,
        max_overflow: int = MAX_OVERFLOW,
    ) -> None:
        """`cipher` encrypts the parties' data; by default a SQLite file's key file (see store_cipher).
        `pool_size`, `max_overflow`: connections to PostgreSQL (DB_POOL_SIZE, DB_MAX_OVERFLOW)."""
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.engine.sync_engine.dialect.pii_cipher = cipher or store_cipher(url)  # type: ignore[attr-defined]
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writer = OneWriter() if make_url(url).get_backend_name() == "sqlite" else None

    def use_cipher(self, cipher: PartyCipher) -> None:
        """The key the start-up check settled on (storage.keycheck)."""
        self.engine.sync_engine.dialect.pii_cipher = cipher  # type: ignore[attr-defined]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.writer)

    async def create_all(self) -> None:
        """For tests on in-memory SQLite; real stores are migrated with Alembic."""
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def seal_plain_rows(self, batch: int = 1000) -> int:
        """Encrypt what is still stored plain in a sealed column (written before its encryption)."""
        from storage.sealing import seal_plain_rows

        return await seal_plain_rows(
            self.engine,
            self.engine.sync_engine.dialect.pii_cipher,  # type: ignore[attr-defined]
            batch,
        )

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()

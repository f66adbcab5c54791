"""A throwaway PostgreSQL server on loopback for the storage tests.

Started once per test session in a temporary directory (as the `postgres` user when the
tests run as root, since initdb refuses root), stopped and deleted afterwards. Set
TEST_POSTGRES_URL (a postgresql+asyncpg:// URL to a server you own) to use another one.
Where no PostgreSQL is installed, the PostgreSQL variants are skipped with that reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

SKIP_REASON = "PostgreSQL is not installed here (no pg_ctl): storage tests ran on SQLite only"


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.external = os.environ.get("TEST_POSTGRES_URL", "")
        self.dir = ""
        self.port = 0
        self._as: list[str] = []
        self._template = ""  # a database holding the models' tables, copied by new_database(schema=True)

    @staticmethod
    def available() -> bool:
        return bool(os.environ.get("TEST_POSTGRES_URL")) or _bin("pg_ctl") is not None

    def start(self) -> PgServer:
        if self.external:
            return self
        self.dir = tempfile.mkdtemp(prefix="hoagiai-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.port = _free_port()
        data = os.path.join(self.dir, "data")
        self._run(_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -F -c fsync=off -c full_page_writes=off"
        self._run(_bin("pg_ctl"), "-D", data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start")
        return self

    def stop(self) -> None:
        if self.external and self._template:
            import asyncio

            asyncio.run(self.drop_database(self.admin_url.rsplit("/", 1)[0] + f"/{self._template}"))
        if self.external or not self.dir:
            return
        self._run(_bin("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, *cmd: str, check: bool = True) -> None:
        subprocess.run([*self._as, *cmd], check=check, capture_output=True, timeout=120)

    @property
    def admin_url(self) -> str:
        return self.external or f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def new_database(self, *, schema: bool = False) -> str:
        """A fresh database, empty or (`schema`) with the models' tables and no rows, copied from
        a template made once per session rather than created table by table; its SQLAlchemy URL."""
        import asyncpg

        template = f' TEMPLATE "{await self._schema_template()}"' if schema else ""
        name = f"t_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.admin_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"{template}')
        finally:
            await conn.close()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    async def _schema_template(self) -> str:
        if not self._template:
            from storage.db import Database

            url = await self.new_database()
            database = Database(url)
            try:
                await database.create_all()
            finally:
                await database.dispose()  # a template is copied only while nobody is connected
            self._template = url.rsplit("/", 1)[1]
        return self._template

    async def drop_database(self, url: str) -> None:
        import asyncpg

        name = url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(self.admin_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from storage.db import Database
from tests.pg import SKIP_REASON, PgServer
from tests.support import Clock, build_world, make_engine

# Property tests: a few examples on every run, many in CI (.ci/run sets HYPOTHESIS_PROFILE=ci).
settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("ci", max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The storage ring: the modules (or single tests) whose store code differs between SQLite and
# PostgreSQL (dialect branches, locks, upserts, SQL functions) run on both; every other test that
# takes a store runs on SQLite only, since PostgreSQL would teach it nothing. A test may also ask
# for both with @pytest.mark.postgresql, or pin its stores with an indirect parametrize.
STORAGE_RING = {
    # access: the subtree rule in SQL (case_visible), per role
    "tests/unit/test_access.py",
    "tests/unit/test_officials_access_matrix.py",
    # rollups and the counts read from them
    "tests/unit/test_stats.py",
    # repositories with aggregate SQL (the report's registers)
    "tests/unit/test_reports.py",
    # outbox and inbox claims (FOR UPDATE SKIP LOCKED, ON CONFLICT)
    "tests/unit/test_outbox.py",
    "tests/security/test_inbox.py",
    # numbering: case numbers per team and year, team codes per commune
    "tests/unit/test_case_flow.py::test_numbers_continue_within_team_and_year",
    "tests/unit/test_logbook.py::test_team_codes_are_unique_in_a_commune",
    # migrations and upgrades of a store
    "tests/unit/test_migrations.py",
    "tests/unit/test_upgrade_store.py",
    "tests/security/test_invite_codes.py::test_migration_0010_hashes_the_codes_already_stored",
    # the key check and rotation (row lock on PostgreSQL), erasure (its dialect branch)
    "tests/security/test_keys.py",
    "tests/security/test_erasure.py",
    # a store that takes no write: a lock on PostgreSQL, the one writer on SQLite
    "tests/security/test_web.py::test_healthz_fails_while_the_store_takes_no_write",
}


def on_both_stores(metafunc) -> bool:
    module = metafunc.definition.nodeid.split("::")[0]
    name = metafunc.definition.originalname
    return (
        module in STORAGE_RING
        or f"{module}::{name}" in STORAGE_RING
        or "repositor" in module
        or metafunc.definition.get_closest_marker("postgresql") is not None
    )


def pytest_generate_tests(metafunc):
    if "store_url" not in metafunc.fixturenames:
        return
    defs = getattr(metafunc, "_arg2fixturedefs", {}).get("store_url") or []
    if defs and getattr(defs[-1].func, "__module__", __name__) != __name__:
        return  # a module's own store_url (one fixed store)
    if any("store_url" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test pins its stores itself
    stores = ["sqlite", "postgresql"] if on_both_stores(metafunc) else ["sqlite"]
    metafunc.parametrize("store_url", stores, indirect=True)


# Long tests start first, so that spread over the workers (make test: small chunks) none is
# left running alone at the end: the real process (e2e), then tests of several seconds each.
SLOW_FIRST = (
    "tests/e2e/",
    "tests/channel/test_hostile_input.py",
    "tests/unit/test_bench",
    "tests/unit/test_cli_shell.py",
    "tests/unit/test_cli_readme.py",
    "tests/security/test_spreadsheet_cells.py",
    "tests/security/test_keys.py",
    "tests/unit/test_migrations.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the same order in every worker


def pytest_report_header(config):
    return "postgresql: " + ("available" if PgServer.available() else SKIP_REASON)


@pytest.fixture(scope="session")
def pg_server():
    if not PgServer.available():
        pytest.skip(SKIP_REASON)
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_url(request):
    """SQLite, and a real PostgreSQL for the storage ring (see STORAGE_RING)."""
    if request.param == "sqlite":
        return "sqlite+aiosqlite://"
    return request.getfixturevalue("pg_server")


@pytest.fixture
async def db(store_url):
    url = store_url if isinstance(store_url, str) else await store_url.new_database(schema=True)
    database = Database(url)
    await database.create_all()  # on PostgreSQL the tables came with the copy: nothing left to create
    yield database
    await database.dispose()
    if not isinstance(store_url, str):
        await store_url.drop_database(url)


@pytest.fixture
async def world(db):
    return await build_world(db)


@pytest.fixture
def engine(db, clock):
    return make_engine(db, clock)

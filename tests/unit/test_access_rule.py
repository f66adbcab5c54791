"""The access rule is written twice: in SQL (`case_visible`, what repositories read) and in Python
(`can_view_case`, what a loaded case is checked against). For every viewer and every case of a
world with all kinds of viewers, both say the same, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.access import can_view_case, case_visible
from storage.db import Database
from storage.models import Case, CaseMediator, CaseStatus, Person, Role, Unit, UnitKind
from tests.support import START

pytestmark = pytest.mark.postgresql


async def _world(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    """Units of two provinces (one whose id is a prefix of another's: «/1/» against «/10/»),
    people of every role and cases in every team; returns person ids and case ids by name."""
    now = START
    async with db.uow() as uow:
        units: dict[str, Unit] = {}

        async def unit(name: str, kind: UnitKind, parent: str | None) -> None:
            units[name] = await uow.units.add(kind, name, units[parent] if parent else None, now)

        await unit("P1", UnitKind.TINH, None)
        await unit("X1", UnitKind.XA, "P1")
        await unit("T1", UnitKind.THON, "X1")
        await unit("T2", UnitKind.THON, "X1")
        await unit("teamA", UnitKind.TO_HOA_GIAI, "T1")
        await unit("teamB", UnitKind.TO_HOA_GIAI, "T2")
        await unit("X2", UnitKind.XA, "P1")
        await unit("teamC", UnitKind.TO_HOA_GIAI, "X2")
        await unit("P2", UnitKind.TINH, None)
        await unit("P10", UnitKind.TINH, None)  # id 10: its path starts like P1's
        await unit("X10", UnitKind.XA, "P10")
        await unit("teamD", UnitKind.TO_HOA_GIAI, "X10")
        assert units["P1"].path == "/1/" and units["P10"].path == "/10/"
        spec = {
            "mediator": (Role.HOA_GIAI_VIEN, "teamA", True),
            "comediator": (Role.HOA_GIAI_VIEN, "teamA", True),
            "teammate": (Role.HOA_GIAI_VIEN, "teamA", True),
            "leader": (Role.TO_TRUONG, "teamA", True),
            "other_team": (Role.HOA_GIAI_VIEN, "teamB", True),
            "other_leader": (Role.TO_TRUONG, "teamB", True),
            "far_mediator": (Role.HOA_GIAI_VIEN, "teamD", True),
            "village_official": (Role.CAN_BO, "T1", True),
            "commune_official": (Role.CAN_BO, "X1", True),
            "province_official": (Role.CAN_BO, "P1", True),
            "other_province_official": (Role.CAN_BO, "P2", True),
            "p10_official": (Role.CAN_BO, "P10", True),
            "admin": (Role.ADMIN, "P2", True),
            "left_mediator": (Role.HOA_GIAI_VIEN, "teamA", False),
            "left_leader": (Role.TO_TRUONG, "teamA", False),
            "left_official": (Role.CAN_BO, "P1", False),
            "left_admin": (Role.ADMIN, "P1", False),
        }
        people: dict[str, Person] = {}
        for key, (role, where, active) in spec.items():
            people[key] = await uow.people.add(
                Person(full_name=key, role=role, unit_id=units[where].id, active=active, created_at=now)
            )
        cases = {
            "by_mediator": ("teamA", "mediator", ["mediator"]),
            "with_comediator": ("teamA", "mediator", ["mediator", "comediator"]),
            "by_leader_for_mediator": ("teamA", "leader", ["mediator"]),
            "by_teammate": ("teamA", "teammate", ["teammate"]),
            "by_left": ("teamA", "left_mediator", ["left_mediator"]),
            "by_mediator_moved": ("teamB", "mediator", ["other_team"]),  # logged before a move
            "team_b": ("teamB", "other_team", ["other_team"]),
            "team_c": ("teamC", "teammate", []),
            "team_d": ("teamD", "far_mediator", ["far_mediator"]),
        }
        ids: dict[str, int] = {}
        for seq, (key, (team, author, mediators)) in enumerate(cases.items(), start=1):
            case = Case(
                team_id=units[team].id,
                unit_path=units[team].path,
                code="",
                year=2026,
                seq=seq,
                received_on=dt.date(2026, 11, 1),
                category="dan_su",
                source="yeu_cau",
                parties={},
                summary="",
                status=CaseStatus.DANG_HOA_GIAI,
                sessions=[],
                created_by_id=people[author].id,
                created_at=now,
                updated_at=now,
                mediators=[CaseMediator(person_id=people[m].id) for m in mediators],
            )
            ids[key] = (await uow.cases.add(case)).id
        await uow.commit()
    return {k: p.id for k, p in people.items()}, ids


async def test_sql_and_python_agree_on_every_viewer_and_case(db):
    people, cases = await _world(db)
    names = {v: k for k, v in cases.items()}
    seen: dict[str, set[str]] = {}
    async with db.uow() as uow:
        loaded = (await uow.session.scalars(select(Case))).all()
        for key, pid in people.items():
            viewer = await uow.people.get(pid)
            in_sql = set((await uow.session.scalars(select(Case.id).where(case_visible(viewer)))).all())
            in_python = {c.id for c in loaded if can_view_case(viewer, c)}
            one_by_one = {c.id for c in loaded if await uow.cases.visible(viewer, c.id) is not None}
            assert in_sql == in_python == one_by_one, key
            seen[key] = {names[i] for i in in_sql}
    everything = set(cases)
    # the world reaches every branch of the rule, so the agreement above means something
    assert seen["admin"] == everything
    assert seen["mediator"] == {"by_mediator", "with_comediator", "by_leader_for_mediator"}
    assert seen["comediator"] == {"with_comediator"}
    assert seen["leader"] == {"by_mediator", "with_comediator", "by_leader_for_mediator", "by_teammate", "by_left"}
    assert seen["other_team"] == {"by_mediator_moved", "team_b"}
    assert seen["village_official"] == seen["leader"]
    assert seen["commune_official"] == seen["leader"] | {"by_mediator_moved", "team_b"}
    assert seen["province_official"] == everything - {"team_d"}
    assert seen["p10_official"] == {"team_d"}
    assert seen["other_province_official"] == set()
    assert all(seen[k] == set() for k in ("left_mediator", "left_leader", "left_official", "left_admin"))

"""Reorganising the unit tree (since 1 July 2025: merged provinces and communes): rename a unit,
move it under another, merge it into another of its kind (its children, people, cases,
deadlines, trainings and everything else that names it go to the receiving unit), in one
transaction on SQLite and PostgreSQL.

Every table is found from the models' metadata: each foreign key to `units.id` is rewritten from
the unit that goes to the one that receives, and each materialised path column (`path`,
`*_path`) under the moved unit is rewritten by its prefix; the monthly counts (stat_rollups)
follow the cases. Where both units hold a row for the same thing (a target, a report day, a
report marked sent for the same period), the receiving unit's row stays and the other is
dropped; the numbers dropped are returned to be audited.

Case numbers: a merged team's cases keep their code and number; a team whose code another team
of its new commune already uses takes a new code, and so do its cases (returned, to be said).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Select,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    extract,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import under
from storage.casecode import commune_path, unique_code
from storage.models import Base, Case, Person, ReportRule, Role, StatRollup, Training, Unit, UnitKind
from storage.models.deadlines import ChainRule
from storage.rollups import Key, apply, lineage_ids

RANK = {UnitKind.TINH: 0, UnitKind.HUYEN: 1, UnitKind.XA: 2, UnitKind.THON: 3, UnitKind.TO_HOA_GIAI: 4}
# units whose teams' codes must be unique in the commune they land in (a commune or below)
IN_A_COMMUNE = (UnitKind.XA, UnitKind.THON, UnitKind.TO_HOA_GIAI)
MAX_NAME = 200
NEVER_DROPPED = {"cases"}  # a case is never dropped to make room: the change fails instead


class ReorganiseError(ValueError):
    """A change the tree cannot take: the catalog key (reorganise.*) that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Carried:
    """What goes with a unit: shown before the change, audited after it."""

    cases: int = 0
    people: int = 0
    deadlines: int = 0
    trainings: int = 0
    units: int = 0
    recoded: list[tuple[str, str]] = field(default_factory=list)  # (old code, new code)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name) of children
    leaders_stepped_down: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)

    def detail(self) -> dict:
        return {
            "cases": self.cases,
            "people": self.people,
            "deadlines": self.deadlines,
            "trainings": self.trainings,
            "units": self.units,
            "recoded": [list(r) for r in self.recoded],
            "renamed": [list(r) for r in self.renamed],
            "leaders_stepped_down": self.leaders_stepped_down,
            "dropped": self.dropped,
        }


def _unit_keys() -> list[tuple[Table, Column]]:
    """Every column that names a unit, table by table (stat_rollups aside: recounted)."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == StatRollup.__tablename__:
            continue
        for col in table.columns:
            if any(fk.column.table.name == "units" for fk in col.foreign_keys):
                found.append((table, col))
    return found


def _path_columns() -> list[tuple[Table, Column]]:
    return [
        (table, col)
        for table in Base.metadata.sorted_tables
        for col in table.columns
        if col.name == "path" or col.name.endswith("_path")
    ]


class Reorganiser:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # --- what goes with a unit ------------------------------------------------------------
    async def carried(self, unit: Unit) -> Carried:
        sub = select(Unit.id).where(under(Unit.path, unit.path))
        cases = await self.s.scalar(select(func.count(Case.id)).where(under(Case.unit_path, unit.path)))
        people = await self.s.scalar(
            select(func.count(Person.id)).where(Person.unit_id.in_(sub), Person.active.is_(True))
        )
        rules = await self.s.scalar(select(func.count(ReportRule.id)).where(ReportRule.unit_id.in_(sub)))
        chain = await self.s.scalar(select(func.count(ChainRule.id)).where(ChainRule.unit_id.in_(sub)))
        trainings = await self.s.scalar(select(func.count(Training.id)).where(Training.unit_id.in_(sub)))
        units = await self.s.scalar(select(func.count(Unit.id)).where(under(Unit.path, unit.path)))
        return Carried(cases or 0, people or 0, (rules or 0) + (chain or 0), trainings or 0, (units or 1) - 1)

    # --- the three changes --------------------------------------------------------------------
    async def rename(self, unit: Unit, name: str) -> str:
        name = name[:MAX_NAME]
        if await self._sibling(unit.parent_id, name, unit.id):
            raise ReorganiseError("reorganise.name_taken")
        old, unit.name = unit.name, name
        await self.s.flush()
        return old

    async def move(self, unit: Unit, parent: Unit) -> Carried:
        if unit.parent_id is None:
            raise ReorganiseError("reorganise.top_stays")
        if parent.path.startswith(unit.path):
            raise ReorganiseError("reorganise.into_itself")
        if RANK[parent.kind] >= RANK[unit.kind]:
            raise ReorganiseError("reorganise.wrong_parent")
        if parent.id == unit.parent_id:
            raise ReorganiseError("reorganise.same_place")
        if await self._sibling(parent.id, unit.name, unit.id):
            raise ReorganiseError("reorganise.name_taken_there")
        await self.s.flush()
        carried = await self.carried(unit)
        new_path = f"{parent.path}{unit.id}/"
        if unit.kind in IN_A_COMMUNE:
            scope = await self._commune_of(new_path)
            carried.recoded = await self._recode(unit.path, scope)
        await self._rewrite_paths(unit.path, new_path)
        await self.s.execute(update(Unit).where(Unit.id == unit.id).values(parent_id=parent.id))
        await self._reload()
        return carried

    async def merge(self, source: Unit, target: Unit) -> Carried:
        if source.id == target.id:
            raise ReorganiseError("reorganise.same_unit")
        if source.kind is not target.kind:
            raise ReorganiseError("reorganise.other_kind")
        if target.path.startswith(source.path):
            raise ReorganiseError("reorganise.into_itself")
        await self.s.flush()
        carried = await self.carried(source)
        carried.renamed = await self._rename_clashing_children(source, target)
        if source.kind in IN_A_COMMUNE:
            carried.recoded = await self._recode(source.path, await self._commune_of(target.path))
        if source.kind is UnitKind.TO_HOA_GIAI:
            carried.leaders_stepped_down = await self._one_leader(source, target)
        await self._rewrite_paths(source.path, target.path)
        carried.dropped = await self._rewrite_keys(source.id, target.id)
        await self.s.execute(delete(StatRollup).where(StatRollup.unit_id == source.id))
        self.s.expunge(source)
        await self.s.execute(delete(Unit).where(Unit.id == source.id))
        await self._reload()
        return carried

    # --- the steps ------------------------------------------------------------------------------
    async def _sibling(self, parent_id: int | None, name: str, other_than: int) -> bool:
        cond = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
        folded = name.casefold()
        names = await self.s.scalars(select(Unit.name).where(cond, Unit.id != other_than))
        return any(n.casefold() == folded for n in names)

    async def _commune_of(self, path: str) -> str:
        ids = lineage_ids(path)
        kinds = {i: k.value for i, k in (await self.s.execute(select(Unit.id, Unit.kind).where(Unit.id.in_(ids))))}
        return commune_path(path, kinds)

    async def _recode(self, moving: str, scope: str) -> list[tuple[str, str]]:
        """Codes (teams' and their cases') coming from under `moving` that the commune at `scope`
        already uses, each given a free code, on the team and on its cases alike."""
        outside = ~under(Unit.path, moving)
        unit_codes = select(Unit.code).where(under(Unit.path, scope), outside)
        case_codes = select(Case.code).distinct().where(under(Case.unit_path, scope), ~under(Case.unit_path, moving))
        taken = await self._codes(unit_codes, case_codes)
        incoming = await self._codes(
            select(Unit.code).where(under(Unit.path, moving)),
            select(Case.code).distinct().where(under(Case.unit_path, moving)),
        )
        changed: list[tuple[str, str]] = []
        for code in sorted(incoming):
            if code not in taken:
                continue
            new = unique_code(code, taken | incoming)
            taken.add(new)
            changed.append((code, new))
            await self.s.execute(
                update(Unit).where(under(Unit.path, moving), Unit.code == code).values(code=new),
                execution_options={"synchronize_session": False},
            )
            await self.s.execute(
                update(Case).where(under(Case.unit_path, moving), Case.code == code).values(code=new),
                execution_options={"synchronize_session": False},
            )
        return changed

    async def _codes(self, *queries: Select) -> set[str]:
        found: set[str] = set()
        for q in queries:
            found |= {c for c in await self.s.scalars(q) if c}
        return found

    async def _rename_clashing_children(self, source: Unit, target: Unit) -> list[tuple[str, str]]:
        theirs = {n.casefold() for n in await self.s.scalars(select(Unit.name).where(Unit.parent_id == target.id))}
        renamed = []
        for child in await self.s.scalars(select(Unit).where(Unit.parent_id == source.id).order_by(Unit.id)):
            if child.name.casefold() in theirs:
                new = f"{child.name} ({source.name})"[:MAX_NAME]
                renamed.append((child.name, new))
                child.name = new
        await self.s.flush()
        return renamed

    async def _one_leader(self, source: Unit, target: Unit) -> list[str]:
        """Two teams made one keep the receiving team's leader; the other leads no more."""
        leads = select(Person).where(Person.role == Role.TO_TRUONG, Person.active.is_(True))
        if await self.s.scalar(leads.where(Person.unit_id == target.id)) is None:
            return []
        stepped = list(await self.s.scalars(leads.where(Person.unit_id == source.id)))
        for person in stepped:
            person.role = Role.HOA_GIAI_VIEN
        await self.s.flush()
        return [p.full_name for p in stepped]

    async def _rewrite_paths(self, old: str, new: str) -> None:
        """Every path at or under `old` starts with `new` instead; the case counts follow."""
        month = extract("year", Case.received_on) * 100 + extract("month", Case.received_on)
        q = (
            select(Case.unit_path, month, Case.category, Case.status, func.count())
            .where(under(Case.unit_path, old))
            .group_by(Case.unit_path, month, Case.category, Case.status)
        )
        moves: Counter[Key] = Counter()
        for path, yyyymm, category, status, n in (await self.s.execute(q)).tuples():
            status = getattr(status, "value", status)
            moves[(path, int(yyyymm), category, status)] -= n
            moves[(new + path[len(old) :], int(yyyymm), category, status)] += n
        for table, col in _path_columns():
            rest = func.substr(col, len(old) + 1)
            await self.s.execute(update(table).where(under(col, old)).values({col.name: literal(new) + rest}))
        if moves:
            changes = list(moves.items())
            await self.s.run_sync(lambda sync: apply(sync.connection(), changes))

    async def _rewrite_keys(self, old: int, new: int) -> dict[str, int]:
        """Every row naming unit `old` names `new`; rows that would then repeat one of `new`'s
        (a unique key) are dropped first. Returns the drops by table."""
        dropped: dict[str, int] = {}
        for table, col in _unit_keys():
            for keys in _unique_keys(table, col) if table.name not in NEVER_DROPPED else []:
                twin = table.alias("twin")
                same = and_(twin.c[col.name] == new, *(twin.c[k] == table.c[k] for k in keys if k != col.name))
                gone = await self.s.execute(delete(table).where(table.c[col.name] == old, exists().where(same)))
                if gone.rowcount:  # type: ignore[attr-defined]
                    dropped[table.name] = dropped.get(table.name, 0) + gone.rowcount  # type: ignore[attr-defined]
            await self.s.execute(update(table).where(col == old).values({col.name: new}))
        return dropped

    async def _reload(self) -> None:
        """Objects this session holds see the rewritten rows (the turn goes on with them)."""
        for obj in list(self.s.identity_map.values()):
            try:
                await self.s.refresh(obj)
            except InvalidRequestError:  # a row this change dropped
                self.s.expunge(obj)


def _unique_keys(table: Table, col: Column) -> list[list[str]]:
    """The unique keys (primary key, unique constraints and indexes) that hold `col` and more."""
    keys = [
        list(c.columns.keys())
        for c in table.constraints
        if isinstance(c, PrimaryKeyConstraint | UniqueConstraint) and col.name in c.columns
    ]
    keys += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique and col.name in ix.columns]
    return [k for k in keys if k != [col.name]]

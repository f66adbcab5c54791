"""What /thongke and `python -m bot stats` compute: one unit (or a mediator's own cases)
over a period, against the same period a year before, with its child units."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from handlers.common.periods import Period
from handlers.kit.payload import read_int
from handlers.kit.text import fold
from storage.db import UnitOfWork
from storage.models import CaseStatus, Person, Role, Unit
from storage.stats import Tally

IN_PROGRESS = CaseStatus.DANG_HOA_GIAI.value
SUCCESS = CaseStatus.THANH.value
OUTCOMES = [s.value for s in (CaseStatus.THANH, CaseStatus.KHONG_THANH, CaseStatus.DANG_HOA_GIAI, CaseStatus.KET_THUC)]
MAX_NAME_SCAN = 5000
# who may export the report (/baocao): officials for their unit, team leaders for their team
REPORTERS = frozenset({*(r for r in Role if r.is_official), Role.TO_TRUONG})


def success_rate(tally: Tally) -> float | None:
    """Hòa giải thành among the cases that have a result (in-progress ones are left out)."""
    closed = tally.total - tally.status(IN_PROGRESS)
    return tally.status(SUCCESS) / closed if closed else None


@dataclass
class StatsView:
    unit: Unit | None  # None: the mediator's own cases
    period: Period
    current: Tally
    before: Tally
    children: list[tuple[Unit, Tally]] = field(default_factory=list)  # most cases first
    parent: Unit | None = None  # the unit above, when the viewer may look at it

    def as_dict(self) -> dict:
        """The same counts for machines (`python -m bot stats --json`)."""

        def counts(t: Tally) -> dict:
            rate = success_rate(t)
            return {
                "received": t.total,
                **{s: t.status(s) for s in OUTCOMES},
                "success_rate": None if rate is None else round(100 * rate, 1),
                "by_category": _by_category(t),
            }

        return {
            "unit": None if self.unit is None else {"id": self.unit.id, "name": self.unit.name},
            "period": {
                "code": self.period.code,
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
            },
            "current": counts(self.current),
            "same_period_before": counts(self.before),
            "children": [{"id": u.id, "name": u.name, **counts(t)} for u, t in self.children],
        }


def _by_category(t: Tally) -> dict[str, int]:
    out: Counter[str] = Counter()
    for (category, _), n in t.cells.items():
        out[category] += n
    return dict(sorted(out.items()))


def home_unit(viewer: Person) -> Unit | None:
    """Where a person's counts start: officials their unit, team leaders their team; a
    mediator counts only their own cases (None)."""
    return None if viewer.role is Role.HOA_GIAI_VIEN else viewer.unit


async def unit_stats(uow: UnitOfWork, viewer: Person, unit: Unit, period: Period) -> StatsView:
    prev = period.previous()
    current = await uow.stats.tally(viewer, unit, period.start, period.end)
    before = await uow.stats.tally(viewer, unit, prev.start, prev.end)
    counted = await uow.stats.tally_children(viewer, unit, period.start, period.end)
    children = [(u, counted.get(u.id, Tally())) for u in await uow.stats.children(viewer, unit)]
    children.sort(key=lambda ut: (-ut[1].total, -(success_rate(ut[1]) or 0), ut[0].name))
    parent = None
    if unit.parent_id is not None and unit.id != viewer.unit_id:
        parent = await uow.stats.unit_for(viewer, unit.parent_id)
    return StatsView(unit, period, current, before, children, parent)


async def own_stats(uow: UnitOfWork, viewer: Person, period: Period) -> StatsView:
    prev = period.previous()
    return StatsView(
        None,
        period,
        await uow.stats.own_tally(viewer, period.start, period.end),
        await uow.stats.own_tally(viewer, prev.start, prev.end),
    )


async def find_unit(uow: UnitOfWork, viewer: Person, key: str) -> list[Unit]:
    """Units in the viewer's scope named `key` (typed with or without diacritics) or with
    that id ('12' or '#12'). Nothing outside the scope is ever found."""
    key = key.strip().lstrip("#")
    unit_id = read_int(key)
    if unit_id is not None:
        unit = await uow.stats.unit_for(viewer, unit_id)
        return [unit] if unit else []
    found = list(await uow.stats.find_units(viewer, key))
    if found:
        return found
    wanted = fold(key)
    home = viewer.unit
    candidates = await uow.stats.units_under(viewer, home, MAX_NAME_SCAN) if home else []
    return [u for u in candidates if fold(u.name) == wanted][:10]

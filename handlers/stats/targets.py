"""Targets (chỉ tiêu) of a unit over a period: each measure's value, the target it is held to (set
on the unit or the nearest unit above it, else the programme's default, else none), ✅/⚠️, and
the child units furthest behind. The same numbers feed /thongke's «Chỉ tiêu» block, the report's
«Chỉ tiêu» sheet, `python -m bot stats --json` and the officials' monthly digest.

Measures (storage/models/targets.py): the success rate of cases received in the period; the
teams meeting Điều 12 today (the team review); the mediators trained in the period (the coverage
block's count); the team reports due in the period (up to today; teams formed by then) handed in by their due
day; the
help requests asked in the period answered within the target's days (one still open is counted
once its days have run out). A target is met when value ≥ target (help: every request in time).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from content.deadlines import KINDS, default_deadlines
from handlers.common.periods import Period
from handlers.deadlines.usecases import due_date, period_for
from handlers.stats.coverage import CoverageView, coverage_of
from handlers.stats.usecases import IN_PROGRESS, SUCCESS
from handlers.teams.usecases import MIN_MEDIATORS
from storage.coverage import desk_of
from storage.db import UnitOfWork
from storage.models import Measure, Person, Unit
from storage.rollups import lineage_ids
from storage.stats import Tally
from storage.targets import HelpTime, targets_of

T = Callable[..., str]
BEHIND_SHOWN = 3  # child units named under a measure that is behind
# The programme's own figures (reference/law/de-an-2024-2030.json: Quyết định 315/QĐ-TTg, targets
# as two news bulletins reproduce them, not checked against the decision): target 8, success
# rate ≥ 85% by the end of 2030; target 5, every team consolidated to the Law's number and
# composition. Nothing there for training shares, reports on time or answering help requests.
DEFAULTS: dict[Measure, int] = {Measure.SUCCESS: 85, Measure.TEAMS_OK: 100}
LIMITS: dict[bool, tuple[int, int]] = {False: (0, 100), True: (1, 365)}  # percent; days


@dataclass(frozen=True)
class Goal:
    """The target a unit is held to, and where it comes from (a unit that set it, the
    programme's default, or nothing)."""

    value: int | None
    unit_id: int | None = None  # the unit that set it (None: default or none)
    unit_name: str = ""

    @property
    def source(self) -> str:
        return "unit" if self.unit_id is not None else "default" if self.value is not None else "none"


@dataclass(frozen=True)
class Score:
    done: int = 0
    of: int = 0

    @property
    def rate(self) -> float | None:
        return self.done / self.of if self.of else None

    def met(self, measure: Measure, goal: Goal) -> bool | None:
        """None: nothing to measure or no target."""
        if goal.value is None or not self.of:
            return None
        if measure.in_days:
            return self.done == self.of
        return self.done * 100 >= goal.value * self.of

    def gap(self, measure: Measure, goal: Goal) -> float:
        """Percentage points below the target (help: below every request in time)."""
        wanted = 100 if measure.in_days else (goal.value or 0)
        return wanted - 100 * (self.rate or 0)


@dataclass
class Line:
    measure: Measure
    goal: Goal
    score: Score | None  # None: help requests without a target (no days to count with)
    children: list[tuple[Unit, Goal, Score]] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        return None if self.score is None else self.score.met(self.measure, self.goal)

    def behind(self, shown: int = BEHIND_SHOWN) -> list[tuple[Unit, Goal, Score]]:
        late = [c for c in self.children if c[2].met(self.measure, c[1]) is False]
        late.sort(key=lambda c: (-c[2].gap(self.measure, c[1]), c[0].name))
        return late[:shown]


@dataclass
class TargetsView:
    unit: Unit
    period: Period
    lines: list[Line]

    @property
    def behind(self) -> list[Line]:
        return [ln for ln in self.lines if ln.met is False]

    def as_dict(self) -> dict:
        return {ln.measure.value: _line_dict(ln) for ln in self.lines}


def _pct(score: Score | None) -> float | None:
    return None if score is None or score.rate is None else round(100 * score.rate, 1)


def _score_dict(unit: Unit, goal: Goal, score: Score, measure: Measure) -> dict:
    return {
        "id": unit.id,
        "name": unit.name,
        "done": score.done,
        "of": score.of,
        "value": _pct(score),
        "target": goal.value,
        "met": score.met(measure, goal),
    }


def _line_dict(ln: Line) -> dict:
    return {
        "unit": "days" if ln.measure.in_days else "percent",
        "done": ln.score.done if ln.score else None,
        "of": ln.score.of if ln.score else None,
        "value": _pct(ln.score),
        "target": ln.goal.value,
        "target_from": ln.goal.source,
        "target_unit": ln.goal.unit_name or None,
        "met": ln.met,
        "behind": [_score_dict(u, g, s, ln.measure) for u, g, s in ln.behind()],
        "children": [_score_dict(u, g, s, ln.measure) for u, g, s in ln.children],
    }


# --- targets ----------------------------------------------------------------------------------
def goal_at(rows: dict, names: dict[int, str], path: str, measure: Measure) -> Goal:
    """The nearest target set on the unit of this path or above it, else the default."""
    for unit_id in reversed(lineage_ids(path)):
        row = rows.get((unit_id, measure))
        if row is not None:
            return Goal(row.value, unit_id, names.get(unit_id, ""))
    return Goal(DEFAULTS.get(measure))


async def goals_of(uow: UnitOfWork, unit: Unit) -> tuple[dict, dict[int, str]]:
    """Targets set on the unit's lineage and subtree, and the names of the units that set them."""
    rows = await targets_of(uow).around(lineage_ids(unit.path), unit.path)
    named = await desk_of(uow).units(list({uid for uid, _ in rows})) if rows else {}
    return rows, {i: u.name for i, u in named.items()}


# --- measures -----------------------------------------------------------------------------------
class _Split:
    """Rows counted for the unit and for the direct child each one lies under."""

    def __init__(self, unit: Unit) -> None:
        self.depth = len(lineage_ids(unit.path))
        self.whole: list[int] = [0, 0]
        self.kids: dict[int, list[int]] = defaultdict(lambda: [0, 0])

    def child_path(self, path: str) -> str | None:
        """The path of the direct child a path lies under (None: the unit itself)."""
        ids = lineage_ids(path)
        return "/" + "/".join(map(str, ids[: self.depth + 1])) + "/" if len(ids) > self.depth else None

    def add(self, path: str, done: bool | None, *, whole: bool = True, child: bool = True) -> None:
        if done is None:
            return
        if whole:
            self.whole[0] += done
            self.whole[1] += 1
        ids = lineage_ids(path)
        if child and len(ids) > self.depth:
            self.kids[ids[self.depth]][0] += done
            self.kids[ids[self.depth]][1] += 1

    def scores(self) -> tuple[Score, dict[int, Score]]:
        return Score(*self.whole), {i: Score(*v) for i, v in self.kids.items()}


def _cases(t: Tally) -> Score:
    return Score(t.status(SUCCESS), t.total - t.status(IN_PROGRESS))


async def _success(uow, viewer, unit, period) -> tuple[Score, dict[int, Score]]:
    whole = await uow.stats.tally(viewer, unit, period.start, period.end)
    kids = await uow.stats.tally_children(viewer, unit, period.start, period.end)
    return _cases(whole), {i: _cases(t) for i, t in kids.items()}


def _sums(rows: dict[int | None, tuple[int, int]]) -> tuple[Score, dict[int, Score]]:
    """(of, done) per child (None: the unit itself) → the unit's score and each child's."""
    of, done = sum(n for n, _ in rows.values()), sum(d for _, d in rows.values())
    return Score(done, of), {i: Score(d, n) for i, (n, d) in rows.items() if i is not None}


async def _teams_ok(uow, viewer, unit) -> tuple[Score, dict[int, Score]]:
    return _sums(await targets_of(uow).teams_meeting(viewer, unit, MIN_MEDIATORS))


def _trained(cov: CoverageView) -> tuple[Score, dict[int, Score]]:
    return Score(cov.whole.trained, cov.whole.mediators), {u.id: Score(s.trained, s.mediators) for u, s in cov.children}


async def _reports(uow, viewer, unit, period, today: dt.date, tz) -> tuple[Score, dict[int, Score]]:
    """Every (team, report) due in the period up to today, the team existing by then: handed in
    by the team's due day? Counted in the database per part of the subtree one rule applies to."""
    repo = targets_of(uow)
    rules = await repo.rules_around(unit)
    last = min(period.end, today)
    rows: dict[int | None, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for kind in KINDS:
        own = [p for p, k, _, _ in rules if k == kind and p != unit.path and p.startswith(unit.path)]
        parts = [(unit.path, rule_at(rules, unit.path, kind))]
        parts += [(p, (m, d)) for p, k, m, d in rules if k == kind and p in own]
        for top, (month, day) in parts:
            below = [p for p in own if p != top and p.startswith(top)]
            for y in range(period.start.year - 1, period.end.year + 1):
                report = period_for(kind, y)
                when = due_date(report, month, day)
                if not period.start <= when <= last:
                    continue
                by = dt.datetime.combine(when + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                for child, (n, done) in (
                    await repo.reports_in_time(viewer, unit, top, below, kind, report.code, by)
                ).items():
                    rows[child] = (rows[child][0] + n, rows[child][1] + done)
    return _sums(rows)


def rule_at(rules: list[tuple[str, str, int, int]], path: str, kind: str) -> tuple[int, int]:
    """The due day of a kind at this path: the rule nearest above it (or on it), else the default."""
    found = [(len(p), m, d) for p, k, m, d in rules if k == kind and path.startswith(p)]
    return max(found)[1:] if found else default_deadlines()[kind]


def in_time(row: HelpTime, days: int, now: dt.datetime) -> bool | None:
    """Answered within the days? None: not counted yet (open, and its days have not run out)."""
    limit = row.asked_at + dt.timedelta(days=days)
    if row.answered_at is None:
        return False if limit <= now else None
    return row.answered_at <= limit


async def _help(uow, viewer, unit, goals: Callable[[str], Goal], since, until, now) -> tuple[Score | None, dict]:
    """Requests asked in [since, until), judged with the unit's days, and for each child with its own."""
    split = _Split(unit)
    own = goals(unit.path).value
    for row in await targets_of(uow).help_times(viewer, unit, since, until):
        if own is not None:
            split.add(row.unit_path, in_time(row, own, now), child=False)
        path = split.child_path(row.unit_path)
        days = goals(path).value if path else None
        if days is not None:
            split.add(row.unit_path, in_time(row, days, now), whole=False)
    whole, kids = split.scores()
    return (whole if own is not None else None), kids


async def targets_view(
    uow: UnitOfWork,
    viewer: Person,
    unit: Unit,
    period: Period,
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
    coverage: CoverageView | None = None,
) -> TargetsView:
    rows, names = await goals_of(uow, unit)
    since = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    cov = coverage or await coverage_of(uow, viewer, unit, period, now=now, tz=tz)
    children = list(await uow.stats.children(viewer, unit))
    scores = {
        Measure.SUCCESS: await _success(uow, viewer, unit, period),
        Measure.TEAMS_OK: await _teams_ok(uow, viewer, unit),
        Measure.TRAINED: _trained(cov),
        Measure.REPORTS: await _reports(uow, viewer, unit, period, now.astimezone(tz).date(), tz),
    }
    lines = []
    for measure in Measure:

        def goal(path: str, m: Measure = measure) -> Goal:
            return goal_at(rows, names, path, m)

        whole, kids = await _help(uow, viewer, unit, goal, since, until, now) if measure.in_days else scores[measure]
        line = Line(measure, goal(unit.path), whole)
        line.children = [(c, goal(c.path), kids[c.id]) for c in children if c.id in kids]
        lines.append(line)
    return TargetsView(unit, period, lines)

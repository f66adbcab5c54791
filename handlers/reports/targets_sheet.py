"""The report's «Chỉ tiêu» sheet: for each measure, the unit's value against its target, then each
child unit's with its own target; where each target comes from. The same numbers as /thongke's
«Chỉ tiêu» block and `stats --json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from handlers.stats.targets import Goal, Score, TargetsView
from handlers.stats.targets_block import source_text
from storage.models import Measure, Unit

if TYPE_CHECKING:
    from handlers.reports.xlsx import Sheet

T = Callable[..., str]
COLUMNS = ("measure", "unit", "done", "of", "share", "target", "source", "result")
SHARES = {5: "0.0%"}
RESULTS = {True: "result_met", False: "result_behind", None: "result_none"}


def _target(t: T, measure: Measure, goal: Goal) -> str:
    if goal.value is None:
        return t("targets.result_none")
    return t("targets.target_days", value=goal.value) if measure.in_days else f"{goal.value}%"


def _cells(t: T, measure: Measure, unit: Unit, goal: Goal, score: Score | None) -> list[Any]:
    rate = None if score is None or score.rate is None else round(score.rate, 4)
    met = None if score is None else score.met(measure, goal)
    return [
        t(f"targets.name_{measure.value}"),
        unit.name,
        None if score is None else score.done,
        None if score is None else score.of,
        rate,
        _target(t, measure, goal),
        source_text(t, measure, goal),
        t(f"targets.{RESULTS[met]}"),
    ]


def targets_sheet(sh: Sheet, view: TargetsView, t: T) -> None:
    sh.line([t("targets.sheet_note")])
    sh.gap()
    sh.header([t(f"targets.col_{c}") for c in COLUMNS], freeze=True)
    for ln in view.lines:
        sh.line(_cells(t, ln.measure, view.unit, ln.goal, ln.score), bold=True, formats=SHARES)
        for unit, goal, score in ln.children:
            sh.line(_cells(t, ln.measure, unit, goal, score), formats=SHARES)
    sh.gap()
    sh.line([t("targets.unverified")])
    sh.finish()

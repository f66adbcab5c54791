"""The report's «Tập huấn» sheet: training coverage per child unit and in total, then the teams
where nobody was trained. The same numbers as /thongke's block and `stats --json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from handlers.stats.coverage import CoverageView, Share

if TYPE_CHECKING:
    from handlers.reports.xlsx import Sheet

T = Callable[..., str]
COLUMNS = ("unit", "teams", "mediators", "trained", "share", "new", "new_trained", "new_share", "untrained")
SHARES = {5: "0.0%", 8: "0.0%"}


def _rate(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _cells(name: str, s: Share) -> list[Any]:
    return [
        name,
        s.teams,
        s.mediators,
        s.trained,
        _rate(s.rate),
        s.new,
        s.new_trained,
        _rate(s.new_rate),
        s.teams_untrained,
    ]


def coverage_sheet(sh: Sheet, view: CoverageView, t: T) -> None:
    sh.line([t("coverage.sheet_note", since=view.new_since.strftime("%d/%m/%Y"))])
    sh.gap()
    sh.header([t(f"coverage.col_{c}") for c in COLUMNS], freeze=True)
    for unit, share in view.children:
        sh.line(_cells(unit.name, share), formats=SHARES)
    sh.line(_cells(t("report.grand_total", unit=view.unit.name), view.whole), bold=True, formats=SHARES)
    sh.gap()
    sh.line([t("coverage.untrained_head")], bold=True)
    if not view.untrained:
        sh.line([t("coverage.none_untrained")])
    else:
        sh.header([t("coverage.col_team"), t("coverage.col_mediators")])
        for row in view.untrained:
            sh.line([row.team.name, row.mediators])
    sh.finish()

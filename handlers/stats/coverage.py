"""Training coverage of a unit over a period: the share of its mediators trained (attended at
least one class held in the period), the share of its new mediators (joined in the twelve months
before the period's end) trained, and the teams where nobody was. The same numbers feed
/thongke's «Tập huấn» block, the report's «Tập huấn» sheet and `python -m bot stats --json`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.common.periods import Period
from storage.coverage import TeamTraining, TrainingTotals, desk_of
from storage.db import UnitOfWork
from storage.models import Person, Unit

T = Callable[..., str]
SHOWN_TEAMS = 5  # teams with nobody trained named on the phone screen


@dataclass
class Share(TrainingTotals):
    """Trained people among a group of mediators, added up team by team or unit by unit."""

    def add(self, row: TeamTraining) -> None:
        self.merge(TrainingTotals(row.mediators, row.trained, row.new, row.new_trained, 1, int(row.trained == 0)))

    def merge(self, row: TrainingTotals) -> None:
        self.mediators += row.mediators
        self.trained += row.trained
        self.new += row.new
        self.new_trained += row.new_trained
        self.teams += row.teams
        self.teams_untrained += row.teams_untrained

    @property
    def rate(self) -> float | None:
        return self.trained / self.mediators if self.mediators else None

    @property
    def new_rate(self) -> float | None:
        return self.new_trained / self.new if self.new else None

    def as_dict(self) -> dict:
        return {
            "mediators": self.mediators,
            "trained": self.trained,
            "trained_share": _pct(self.rate),
            "new_mediators": self.new,
            "new_trained": self.new_trained,
            "new_trained_share": _pct(self.new_rate),
            "teams": self.teams,
            "teams_nobody_trained": self.teams_untrained,
        }


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


@dataclass
class CoverageView:
    unit: Unit
    period: Period
    new_since: dt.date  # mediators who joined after this day count as new
    whole: Share
    children: list[tuple[Unit, Share]] = field(default_factory=list)  # child units holding teams
    untrained: list[TeamTraining] = field(default_factory=list)  # teams with nobody trained, by path

    def as_dict(self) -> dict:
        return {
            **self.whole.as_dict(),
            "new_since": self.new_since.isoformat(),
            "teams_untrained": [
                {"id": r.team.id, "name": r.team.name, "mediators": r.mediators} for r in self.untrained
            ],
            "children": [{"id": u.id, "name": u.name, **s.as_dict()} for u, s in self.children],
        }


def year_before(day: dt.datetime) -> dt.datetime:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def coverage_of(
    uow: UnitOfWork,
    viewer: Person,
    unit: Unit,
    period: Period,
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
    shown: int | None = None,
) -> CoverageView:
    """Counted in the database per child unit; the teams with nobody trained: the first `shown`
    (None: all; their number is whole.teams_untrained)."""
    since = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    at = min(until - dt.timedelta(microseconds=1), now)
    new_since = year_before(at)
    desk = desk_of(uow)
    totals = await desk.training_by_child(viewer, unit, since, until, at, new_since)
    whole = Share()
    by_child: dict[int, Share] = {}
    for child, row in totals.items():
        whole.merge(row)
        if child is not None:
            by_child.setdefault(child, Share()).merge(row)
    named = await desk.units(list(by_child))
    children = sorted(((named[i], s) for i, s in by_child.items() if i in named), key=lambda us: us[0].name)
    untrained = (
        await desk.untrained_teams(viewer, unit, since, until, at, new_since, shown, common=_common(whole))
        if whole.teams_untrained
        else []
    )
    return CoverageView(unit, period, new_since.astimezone(tz).date(), whole, children, untrained)


def _common(whole: Share) -> bool:
    """At least one team in a hundred with nobody trained: the first few are near the start."""
    return whole.teams_untrained * 100 >= whole.teams


def pct(rate: float | None) -> str:
    """0.666… → '66,7%' (Vietnamese decimal comma); no people → '—'."""
    if rate is None:
        return "—"
    text = f"{100 * rate:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def coverage_lines(t: T, view: CoverageView, shown: int = SHOWN_TEAMS) -> list[str]:
    """The «Tập huấn» block of /thongke."""
    w = view.whole
    if not w.teams:
        return [t("coverage.title"), t("coverage.no_teams")]
    lines = [
        t("coverage.title"),
        t("coverage.trained", trained=w.trained, mediators=w.mediators, share=pct(w.rate)),
        t(
            "coverage.new_trained",
            trained=w.new_trained,
            new=w.new,
            share=pct(w.new_rate),
            since=view.new_since.strftime("%d/%m/%Y"),
        ),
    ]
    if not w.teams_untrained:
        lines.append(t("coverage.every_team"))
        return lines
    names = ", ".join(r.team.name for r in view.untrained[:shown])
    if w.teams_untrained > shown:
        names = t("coverage.names_more", names=names, more=w.teams_untrained - shown)
    lines.append(t("coverage.untrained_teams", count=w.teams_untrained, teams=w.teams, names=names))
    return lines

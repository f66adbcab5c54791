"""How the counts look on one phone screen, and the buttons under them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from handlers.cases.usecases import CATEGORIES
from handlers.common import periods
from handlers.common.periods import Period
from handlers.kit.core import Button, Ctx, Reply
from handlers.reports.buttons import ReportOffer
from handlers.stats.buttons import StatsChart, StatsShow, StatsUnits
from handlers.stats.usecases import IN_PROGRESS, SUCCESS, StatsView, success_rate
from storage.models import CaseStatus, Unit
from storage.stats import Tally

T = Callable[..., str]
X = TypeVar("X")
SHOWN_CHILDREN = 6  # all of them up to this many; else the top three and the bottom three


def pct(rate: float) -> str:
    """66.666… → '66,7' (Vietnamese decimal comma)."""
    text = f"{100 * rate:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def period_label(t: T, period: Period) -> str:
    key = f"period.half{period.part}" if period.kind == "half" else f"period.{period.kind}"
    return t(key, **period.label_values())


def period_heading(t: T, period: Period) -> str:
    if period.kind == "custom":
        return period_label(t, period)
    return t(
        "period.heading",
        label=period_label(t, period),
        start=period.start.strftime("%d/%m/%Y"),
        end=period.end.strftime("%d/%m/%Y"),
    )


def counts_text(t: T, tally: Tally) -> str:
    return t(
        "stats.counts",
        total=tally.total,
        thanh=tally.status(SUCCESS),
        khong_thanh=tally.status(CaseStatus.KHONG_THANH.value),
        dang=tally.status(IN_PROGRESS),
        ket_thuc=tally.status(CaseStatus.KET_THUC.value),
    )


def rate_text(t: T, current: Tally, before: Tally) -> str:
    """The success rate and its change against the same period a year before."""
    rate, prev = success_rate(current), success_rate(before)
    closed = current.total - current.status(IN_PROGRESS)
    lines = []
    if current.total:
        lines.append(t("stats.rate", rate=pct(rate), closed=closed) if rate is not None else t("stats.rate_none"))
    if prev is None:
        lines.append(t("stats.compare_no_rate", total=before.total))
    else:
        change = t("stats.same")
        if rate is None:
            change = t("stats.no_rate")
        elif round(100 * (rate - prev), 1) != 0:
            change = t("stats.up" if rate > prev else "stats.down", points=pct(abs(rate - prev)))
        lines.append(t("stats.compare", total=before.total, rate=pct(prev), change=change))
    return "\n".join(lines)


def top_and_bottom(children: list[X], shown: int = SHOWN_CHILDREN) -> tuple[list[X], int, list[X]]:
    """Child units, most cases first: all of them, or the top and the bottom ones and how many
    are left out between them."""
    if len(children) <= shown:
        return list(children), 0, []
    half = shown // 2
    return children[:half], len(children) - 2 * half, children[-half:]


def child_lines(t: T, children: list[tuple[Unit, Tally]], shown: int = SHOWN_CHILDREN) -> list[str]:
    """Child units, most cases first: all of them, or the top and the bottom ones."""

    def line(unit: Unit, tally: Tally) -> str:
        rate = success_rate(tally)
        return t(
            "stats.child_line",
            name=unit.name,
            total=tally.total,
            rate=pct(rate) + "%" if rate is not None else t("stats.no_rate"),
        )

    top, hidden, bottom = top_and_bottom(children, shown)
    gap = [t("stats.child_gap", hidden=hidden)] if hidden else []
    return [line(u, c) for u, c in top] + gap + [line(u, c) for u, c in bottom]


def shown_children(children: list[tuple[Unit, Tally]]) -> list[Unit]:
    top, _, bottom = top_and_bottom(children)
    return [u for u, _ in top + bottom]


def stats_screen(ctx: Ctx, view: StatsView, can_export: bool) -> Reply:
    head = (
        ctx.t("stats.title", unit=view.unit.name, period=period_heading(ctx.t, view.period))
        if view.unit
        else ctx.t("stats.title_own", period=period_heading(ctx.t, view.period))
    )
    lines = [
        head,
        counts_text(ctx.t, view.current) if view.current.total else ctx.t("stats.empty"),
        rate_text(ctx.t, view.current, view.before),
    ]
    if view.current.total:
        lines.append(ctx.t("stats.by_category"))
        for c in CATEGORIES:
            if view.current.category(c):
                lines.append(
                    ctx.t(
                        "stats.category_line",
                        category=ctx.t(f"category.{c}"),
                        total=view.current.category(c),
                        thanh=view.current.category(c, SUCCESS),
                    )
                )
    if view.children:
        lines.append(ctx.t("stats.by_child"))
        lines += child_lines(ctx.t, view.children)
    lines.append(ctx.t("stats.typed_hint"))
    return Reply("\n".join(lines), stats_buttons(ctx, view, can_export))


def stats_buttons(ctx: Ctx, view: StatsView, can_export: bool) -> tuple[tuple[Button, ...], ...]:
    uid = view.unit.id if view.unit else 0
    code = view.period.code
    out: list[tuple[Button, ...]] = []
    kids = [
        ctx.button("stats.btn_child", StatsShow(u.id, code), name=u.name[:40]) for u in shown_children(view.children)
    ]
    out += [tuple(kids[i : i + 2]) for i in range(0, len(kids), 2)]
    if len(view.children) > SHOWN_CHILDREN:
        out.append((ctx.button("stats.btn_more_children", StatsUnits(uid, code, 0)),))
    out += period_rows(ctx, StatsShow, uid, ctx.today)
    tools = [ctx.button("stats.btn_chart", StatsChart(uid, code))]
    if can_export and view.unit is not None:
        tools.append(ctx.button("stats.btn_export", ReportOffer(uid, code)))
    out.append(tuple(tools))
    if view.parent is not None:
        out.append((ctx.button("stats.btn_up", StatsShow(view.parent.id, code), name=view.parent.name[:40]),))
    return tuple(out)


def period_rows(ctx: Ctx, kind: Callable[[int, str], Any], uid: int, today: dt.date) -> list[tuple[Button, ...]]:
    """Buttons that switch the period: this month, quarter, half-year, year; last year. `kind` is
    the screen's payload kind, built from (unit id, period code)."""
    this = periods.this
    choices = [
        ("stats.btn_month", this("month", today)),
        ("stats.btn_quarter", this("quarter", today)),
        ("stats.btn_half", this("half", today)),
        ("stats.btn_year", this("year", today)),
        ("stats.btn_last_year", periods.year(today.year - 1)),
    ]
    buttons = [ctx.button(key, kind(uid, p.code)) for key, p in choices]
    return [tuple(buttons[:3]), tuple(buttons[3:])]


def before_hint(ctx: Ctx, reply: Reply, extra: str) -> Reply:
    """A /thongke screen with a block of lines added before its closing hint (or at its end)."""
    head, sep, tail = reply.text.rpartition("\n")
    if sep and tail == ctx.t("stats.typed_hint"):
        return dataclasses.replace(reply, text=f"{head}\n{extra}{sep}{tail}")
    return dataclasses.replace(reply, text=f"{reply.text}\n{extra}")

"""How a case looks on a phone screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.core import Button, Ctx, Reply, rows
from storage.access import can_change_case
from storage.models import Case, CaseEvent, CaseStatus, Role

# events whose text the history shows: notes, and the questions and answers of /hotro
SHOWN_TEXT = ("note", "help_ask", "help_answer")


def initials(name: str) -> str:
    return "".join(part[0].upper() + "." for part in name.split() if part[0].isalpha()) or "…"


def parties_text(ctx: Ctx, names: Sequence[str]) -> str:
    """Officials see initials only; the team that handles the case sees the names."""
    hide = ctx.person is not None and ctx.person.role in (Role.CAN_BO, Role.ADMIN)
    return "; ".join(initials(n) if hide else n for n in names)


async def mediator_names(ctx: Ctx, ids: Sequence[int]) -> str:
    names = []
    for pid in ids:
        person = await ctx.uow.people.get(int(pid))
        if person is not None:
            names.append(person.full_name)
    return ", ".join(names)


async def draft_summary(ctx: Ctx, d: dict[str, Any]) -> str:
    received = d.get("received_on", "")
    return ctx.t(
        "case.confirm_screen",
        date="/".join(reversed(received.split("-"))) if received else "—",
        category=ctx.t(f"category.{d['category']}") if d.get("category") else "—",
        source=ctx.t(f"source.{d['source']}") if d.get("source") else "—",
        parties="; ".join(d.get("parties") or []) or "—",
        contact=d.get("contact") or ctx.t("common.none"),
        summary=d.get("summary") or "—",
        mediators=await mediator_names(ctx, d.get("mediators") or []) or "—",
    )


def case_saved(ctx: Ctx, case: Case) -> Reply:
    return ctx.say("case.saved", rows(
        ctx.button("case.view", f"case:view:{case.id}"),
        ctx.button("menu.vuviec", "cmd:vuviec"),
        ctx.button("menu.menu", "cmd:menu"),
    ), number=case.number)


def status_label(ctx: Ctx, status: CaseStatus) -> str:
    return ctx.t(f"status.{status.value}")


def list_line(ctx: Ctx, case: Case) -> str:
    return ctx.t("case.list_line", number=case.number, date=case.received_on.strftime("%d/%m/%Y"),
                 category=ctx.t(f"category.{case.category}"), status=status_label(ctx, case.status))


async def case_detail(ctx: Ctx, case: Case, events: Sequence[CaseEvent]) -> Reply:
    lines = [
        ctx.t("case.detail_head", number=case.number, status=status_label(ctx, case.status)),
        ctx.t("case.detail_body", date=case.received_on.strftime("%d/%m/%Y"),
              category=ctx.t(f"category.{case.category}"), source=ctx.t(f"source.{case.source}"),
              parties=parties_text(ctx, case.parties.get("names", [])), summary=case.summary,
              mediators=await mediator_names(ctx, [m.person_id for m in case.mediators])),
    ]
    if case.agreement:
        lines.append(ctx.t("case.detail_agreement", text=case.agreement))
    if case.end_reason:
        lines.append(ctx.t("case.detail_end_reason", reason=ctx.t(f"end_reason.{case.end_reason}")))
    history = [ctx.t("case.history_title")]
    for e in events[-6:]:
        what = ctx.t(f"event.{e.kind}") if e.kind != "status" else status_label(ctx, e.status)
        history.append(ctx.t("case.history_line", date=ctx.local(e.at).strftime("%d/%m"), what=what,
                             text=f": {e.text}" if e.text and e.kind in SHOWN_TEXT else ""))
    lines.append("\n".join(history))
    return Reply("\n".join(lines), case_buttons(ctx, case))


def case_buttons(ctx: Ctx, case: Case) -> tuple[tuple[Button, ...], ...]:
    back = ctx.button("case.back_to_list", "case:list:0")
    if ctx.person is not None and ctx.person.role in (Role.CAN_BO, Role.ADMIN):
        if case.parties.get("anonymised"):
            return rows(back)
        return rows(ctx.button("privacy.button", f"pv:ask:{case.id}"), back)
    if ctx.person is None or not can_change_case(ctx.person, case):
        return rows(back)
    cid = case.id
    if case.status is CaseStatus.DANG_HOA_GIAI:
        return (
            (ctx.button("case.mark_success", f"case:ok:{cid}"), ctx.button("case.mark_fail", f"case:fail:{cid}")),
            (ctx.button("case.add_note", f"case:note:{cid}"), ctx.button("case.end", f"case:end:{cid}")),
            (ctx.button("support.btn_ask", f"sp:ask:{cid}"), back),
        )
    if case.status is CaseStatus.KHONG_THANH:
        return ((ctx.button("case.reopen", f"case:reopen:{cid}"), ctx.button("case.add_note", f"case:note:{cid}")),
                (ctx.button("support.btn_ask", f"sp:ask:{cid}"), back))
    return ((ctx.button("case.add_note", f"case:note:{cid}"), back),)

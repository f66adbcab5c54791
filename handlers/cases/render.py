"""How a case looks on a phone screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from handlers.cases.buttons import (
    CaseEnded,
    CaseFailed,
    CaseFix,
    CaseHistory,
    CaseList,
    CaseNote,
    CaseReopen,
    CaseSucceeded,
    CaseView,
)
from handlers.cases.drafts import CaseDraft
from handlers.cases.transitions import moves
from handlers.common.parties import NAMES, labels, render
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import Cmd, is_official
from handlers.privacy.buttons import ErasePartiesAsk
from handlers.privacy.views import viewer_mode
from handlers.support.buttons import AskHelp
from storage.access import can_change_case, can_correct_case
from storage.models import Case, CaseEvent, CaseStatus

# events whose text the history shows: notes, and the questions and answers of /hotro
SHOWN_TEXT = ("note", "help_ask", "help_answer", "correction")
# fields an official sees only as "changed", never their values (the parties' personal data)
PRIVATE = ("parties", "addresses", "contact", "place", "invited", "requests")


def initials(name: str) -> str:
    return "".join(part[0].upper() + "." for part in name.split() if part[0].isalpha()) or "…"


# free text of a record, stored with the parties as references (handlers/common/parties.py)
TEXTS = ("summary", "agreement", "place", "requests")


def sealed_of(d: dict[str, Any]) -> dict[str, Any]:
    """A draft's parties, in the shape handlers.common.parties reads."""
    return {"names": d.get("parties") or [], "addresses": d.get("addresses") or [], "phones": d.get("phones") or []}


def shown(ctx: Ctx, text: str | None, parties: Any) -> str:
    """Free text as this viewer may see it: names for the team, initials for officials,
    «Bên 1» once the parties were erased."""
    return render(text or "", parties, viewer_mode(ctx.person), ctx.t)


def parties_text(ctx: Ctx, parties: Any) -> str:
    """Officials see initials only; the team that handles the case sees names and addresses."""
    mode = viewer_mode(ctx.person)
    names = labels(parties, mode, ctx.t)
    addresses = [*(parties.get("addresses") or []), *[""] * len(names)] if mode == NAMES else []
    if not addresses or parties.get("anonymised"):
        return "; ".join(names)
    return "; ".join(f"{n} ({a})" if a else n for n, a in zip(names, addresses, strict=False))


async def mediator_names(ctx: Ctx, ids: Sequence[int]) -> str:
    names = []
    for pid in ids:
        person = await ctx.uow.people.get(int(pid))
        if person is not None:
            names.append(person.full_name)
    return ", ".join(names)


def show_day(iso: str | None) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


async def value_text(ctx: Ctx, key: str, value: Any, parties: Any = None) -> str:
    """One field of a record, as a line of text."""
    if key in TEXTS and parties is not None:
        value = [shown(ctx, v, parties) for v in value] if isinstance(value, list) else shown(ctx, value, parties)
    if key in ("received_on", "outcome_on"):
        return show_day(value)
    if key == "sessions":
        return ", ".join(show_day(v) for v in value) or "—"
    if key in ("category", "source", "end_reason", "referral") and value:
        return ctx.t(f"{key}.{value}")
    if key == "status":
        return ctx.t(f"status.{value}")
    if key == "mediators":
        return await mediator_names(ctx, value) or "—"
    if key == "parties":
        return parties_text(ctx, {**(parties or {}), "names": value})
    if isinstance(value, list):
        return "; ".join(v for v in value if v) or "—"
    return str(value) if value else ctx.t("common.none")


async def draft_summary(ctx: Ctx, d: CaseDraft) -> str:
    return ctx.t(
        "case.confirm_screen",
        date=show_day(d.received_on),
        category=ctx.t(f"category.{d.category}") if d.category else "—",
        source=ctx.t(f"source.{d.source}") if d.source else "—",
        parties=parties_text(ctx, sealed_of(d.as_dict())) or "—",
        summary=d.summary or "—",
        mediators=await mediator_names(ctx, d.mediators) or "—",
    )


async def outcome_summary(ctx: Ctx, d: dict[str, Any], number: str) -> str:
    parties = sealed_of(d)
    lines = [
        ctx.t(
            "case.outcome_screen",
            number=number,
            status=ctx.t(f"status.{d['status']}"),
            day=show_day(d.get("outcome_on")),
            sessions=await value_text(ctx, "sessions", d.get("sessions")),
        )
    ]
    if d["status"] == "thanh":
        lines.append(ctx.t("case.detail_agreement", text=shown(ctx, d.get("agreement"), parties) or "—"))
    if d["status"] == "khong_thanh":
        lines += [
            ctx.t("case.request_line", name=n, text=shown(ctx, r, parties))
            for n, r in zip(d["parties"], d.get("requests") or [], strict=False)
        ]
        lines.append(ctx.t("case.detail_referral", where=await value_text(ctx, "referral", d.get("referral"))))
    if d["status"] == "ket_thuc":
        lines.append(ctx.t("case.detail_end_reason", reason=await value_text(ctx, "end_reason", d.get("end_reason"))))
    lines.append(
        ctx.t(
            "case.detail_place",
            place=shown(ctx, d.get("place"), parties) or ctx.t("common.none"),
            invited="; ".join(d.get("invited") or []) or ctx.t("common.none"),
        )
    )
    lines.append(ctx.t("case.outcome_confirm_hint"))
    return "\n".join(lines)


async def change_lines(ctx: Ctx, change: dict[str, list[Any]], parties: Any) -> list[str]:
    """Old → new, field by field; officials see which private fields changed, not their values."""
    out = []
    for key, (old, new) in change.items():
        label = ctx.t(f"case.field_{key}")
        if key in PRIVATE and is_official(ctx):
            out.append(ctx.t("case.change_hidden", field=label))
        else:
            out.append(
                ctx.t(
                    "case.change_line",
                    field=label,
                    old=await value_text(ctx, key, old, parties),
                    new=await value_text(ctx, key, new, parties),
                )
            )
    return out


def case_saved(ctx: Ctx, case: Case) -> Reply:
    return ctx.say(
        "case.saved",
        rows(
            ctx.button("case.view", CaseView(case.id)),
            ctx.button("menu.vuviec", Cmd("vuviec")),
            ctx.button("menu.menu", Cmd("menu")),
        ),
        number=case.number,
    )


def status_label(ctx: Ctx, status: CaseStatus) -> str:
    return ctx.t(f"status.{status.value}")


def list_line(ctx: Ctx, case: Case, team: str = "") -> str:
    line = ctx.t(
        "case.list_line",
        number=case.number,
        date=case.received_on.strftime("%d/%m/%Y"),
        category=ctx.t(f"category.{case.category}"),
        status=status_label(ctx, case.status),
    )
    if team:
        line += ctx.t("case.list_team", team=team)
    return line + (ctx.t("case.list_corrected") if case.corrected_at else "")


async def case_detail(ctx: Ctx, case: Case, events: Sequence[CaseEvent]) -> Reply:
    p = case.parties or {}
    team = await ctx.uow.units.get(case.team_id)
    lines = [
        ctx.t("case.detail_head", number=case.number, status=status_label(ctx, case.status)),
        ctx.t(
            "case.detail_body",
            date=case.received_on.strftime("%d/%m/%Y"),
            team=team.name if team else "—",
            category=ctx.t(f"category.{case.category}"),
            source=ctx.t(f"source.{case.source}"),
            parties=parties_text(ctx, p),
            summary=shown(ctx, case.summary, p),
            mediators=await mediator_names(ctx, [m.person_id for m in case.mediators]),
        ),
    ]
    if not is_official(ctx) and (p.get("place") or p.get("invited")):
        lines.append(
            ctx.t(
                "case.detail_place",
                place=shown(ctx, p.get("place"), p) or "—",
                invited="; ".join(p.get("invited") or []) or ctx.t("common.none"),
            )
        )
    if case.sessions or case.outcome_on:
        lines.append(
            ctx.t(
                "case.detail_dates",
                sessions=await value_text(ctx, "sessions", case.sessions),
                day=show_day(case.outcome_on.isoformat() if case.outcome_on else None),
            )
        )
    if case.agreement:
        lines.append(ctx.t("case.detail_agreement", text=shown(ctx, case.agreement, p)))
    if case.status is CaseStatus.KHONG_THANH and not is_official(ctx):
        lines += [
            ctx.t("case.request_line", name=n, text=shown(ctx, r, p))
            for n, r in zip(labels(p, viewer_mode(ctx.person), ctx.t), p.get("requests") or [], strict=False)
            if r
        ]
    if case.referral:
        lines.append(ctx.t("case.detail_referral", where=ctx.t(f"referral.{case.referral}")))
    if case.end_reason:
        lines.append(ctx.t("case.detail_end_reason", reason=ctx.t(f"end_reason.{case.end_reason}")))
    if case.corrected_at:
        lines.append(ctx.t("case.detail_corrected", day=ctx.local(case.corrected_at).strftime("%d/%m/%Y")))
    history = [ctx.t("case.history_title")]
    for e in events[-6:]:
        history.append(await history_line(ctx, e, p, full=False))
    lines.append("\n".join(history))
    return Reply("\n".join(lines), case_buttons(ctx, case))


async def history_line(ctx: Ctx, e: CaseEvent, parties: Any, full: bool) -> str:
    if e.kind != "status":
        what = ctx.t(f"event.{e.kind}")
    else:  # a status event names its status; "—" for a row that lost it
        what = status_label(ctx, e.status) if e.status is not None else "—"
    text = f": {shown(ctx, e.text, parties)}" if e.text and e.kind in SHOWN_TEXT else ""
    if e.kind == "correction":
        who = await ctx.uow.people.get(e.actor_id) if e.actor_id else None
        fields = ", ".join(ctx.t(f"case.field_{k}") for k in (e.change or {}))
        what = ctx.t("event.correction_by", who=who.full_name if who else "—", fields=fields)
        text = ctx.t("case.correction_reason", reason=shown(ctx, e.text, parties) or "—")
    line = ctx.t(
        "case.history_line", date=ctx.local(e.at).strftime("%d/%m/%Y %H:%M" if full else "%d/%m"), what=what, text=text
    )
    if full and e.change:
        line += "\n" + "\n".join("   " + x for x in await change_lines(ctx, e.change, parties))
    return line


# the button that moves a case to each status (handlers/cases/transitions.py), in screen order
MOVE_BUTTONS = {
    CaseStatus.THANH: ("case.mark_success", CaseSucceeded),
    CaseStatus.KHONG_THANH: ("case.mark_fail", CaseFailed),
    CaseStatus.DANG_HOA_GIAI: ("case.reopen", CaseReopen),
    CaseStatus.KET_THUC: ("case.end", CaseEnded),
}


def case_buttons(ctx: Ctx, case: Case) -> tuple[tuple[Button, ...], ...]:
    back = ctx.button("case.back_to_list", CaseList(0))
    history = (ctx.button("case.history_button", CaseHistory(case.id)),) if case.corrected_at else ()
    if is_official(ctx):
        if case.parties.get("anonymised"):
            return rows(*history, back)
        return rows(*history, ctx.button("privacy.button", ErasePartiesAsk(case.id)), back)
    if ctx.person is None or not can_change_case(ctx.person, case):
        return rows(back)
    cid = case.id
    fix = (ctx.button("case.correct", CaseFix(cid)),) if can_correct_case(ctx.person, case, ctx.now) else ()
    note = ctx.button("case.add_note", CaseNote(cid))
    allowed = moves(case.status)
    if not allowed:
        return ((note, *fix), (*history, back))
    shown = [ctx.button(key, kind(cid)) for status, (key, kind) in MOVE_BUTTONS.items() if status in allowed]
    ending = [shown.pop()] if CaseStatus.KET_THUC in allowed else []
    return (
        *rows(*shown, note, *ending, per_row=2),
        (ctx.button("support.btn_ask", AskHelp(cid)), *fix),
        (*history, back),
    )

"""/vuviec, /cuatoi and the buttons on a case: outcome, note, end, reopen."""

from __future__ import annotations

import enum

from handlers.cases.buttons import (
    CaseEnded,
    CaseFailed,
    CaseFix,
    CaseHistory,
    CaseList,
    CaseNote,
    CaseReopen,
    CaseReopenConfirmed,
    CaseSucceeded,
    CaseView,
)
from handlers.cases.new_case import NewCaseFlow
from handlers.cases.record_flows import CorrectionFlow, OutcomeFlow
from handlers.cases.render import case_detail, history_line, list_line
from handlers.cases.stale import stale_digest_job
from handlers.cases.transitions import check_outcome, check_reopen
from handlers.cases.usecases import add_note, changeable, correctable, reopen
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.registry import MEMBERS, TEAM, Cmd, Command, On, Slice, is_official
from storage.models import Case, CaseStatus

PAGE = 5
MAX_NOTE = 1000


class NoteStep(enum.StrEnum):
    TEXT = "text"


class CaseNoteFlow(Flow):
    """One question about one case, a note, then done."""

    name = "note"
    steps = NoteStep

    async def start(self, ctx: Ctx, case: Case) -> list[Reply]:
        self.begin(ctx, NoteStep.TEXT, case_id=case.id)
        return await self.ask_text(ctx)

    async def ask_text(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_note", limit=MAX_NOTE)]

    async def text_text(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_NOTE:
            return [ctx.say("case.too_long", limit=MAX_NOTE), *await self.ask_text(ctx)]
        case_id = int(ctx.conv.data["case_id"])
        self.end(ctx)
        case = await add_note(ctx.uow, ctx.me, case_id, text, ctx.now)
        return [await case_detail(ctx, case, await ctx.uow.cases.events(case.id))]


class Cases:
    def __init__(self) -> None:
        self.new_case = NewCaseFlow()
        self.outcome = OutcomeFlow()
        self.fix = CorrectionFlow()
        self.note = CaseNoteFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("vuviec", self.new_case_command, TEAM, "help.vuviec", "menu.vuviec"),
                Command("cuatoi", self.my_cases_command, MEMBERS, "help.cuatoi", "menu.cuatoi"),
            ],
            buttons=[
                On(CaseList, self.list_page),
                On(CaseView, self.view),
                On(CaseHistory, self.history),
                On(CaseSucceeded, self.succeeded),
                On(CaseFailed, self.failed),
                On(CaseEnded, self.ended),
                On(CaseFix, self.correct),
                On(CaseNote, self.add_note),
                On(CaseReopen, self.ask_reopen),
                On(CaseReopenConfirmed, self.reopen),
            ],
            flows=[self.new_case, self.outcome, self.fix, self.note],
            jobs=[stale_digest_job],
        )

    async def new_case_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self.new_case.start(ctx)

    async def my_cases_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self._page(ctx, 0)

    async def list_page(self, ctx: Ctx, data: CaseList) -> list[Reply]:
        return await self._page(ctx, data.offset)

    async def _page(self, ctx: Ctx, offset: int) -> list[Reply]:
        cases, total = await ctx.uow.cases.page_for(ctx.me, max(offset, 0), PAGE)
        if total == 0:
            return [ctx.say("case.list_empty", rows(ctx.button("menu.vuviec", Cmd("vuviec"))))]
        teams = {}
        if is_official(ctx):  # an official's list spans teams: each line names its team
            for tid in {c.team_id for c in cases}:
                unit = await ctx.uow.units.get(tid)
                teams[tid] = unit.name if unit else ""
        lines = [ctx.t("case.list_title", first=offset + 1, last=offset + len(cases), total=total)]
        lines += [list_line(ctx, c, teams.get(c.team_id, "")) for c in cases]
        buttons = [(Button.of(c.number, CaseView(c.id)),) for c in cases]
        nav = []
        if offset > 0:
            nav.append(ctx.button("common.prev", CaseList(max(offset - PAGE, 0))))
        if offset + PAGE < total:
            nav.append(ctx.button("common.next", CaseList(offset + PAGE)))
        return [Reply("\n".join(lines), (*buttons, tuple(nav)) if nav else tuple(buttons))]

    async def view(self, ctx: Ctx, data: CaseView) -> list[Reply]:
        case = await ctx.uow.cases.visible(ctx.me, data.case_id)
        if case is None:
            raise UserError("case.not_found")
        return [await case_detail(ctx, case, await ctx.uow.cases.events(case.id))]

    async def history(self, ctx: Ctx, data: CaseHistory) -> list[Reply]:
        """Every event of the case, corrections with old → new and who made them."""
        case = await ctx.uow.cases.visible(ctx.me, data.case_id)
        if case is None:
            raise UserError("case.not_found")
        lines = [ctx.t("case.history_full_title", number=case.number)]
        lines += [await history_line(ctx, e, case.parties, full=True) for e in await ctx.uow.cases.events(case.id)]
        return [Reply("\n".join(lines), rows(ctx.button("common.back", CaseView(case.id))))]

    # the outcome (Điều 23): the flow asks its fields, record_outcome checks the move --------
    async def _outcome(self, ctx: Ctx, case_id: int, status: CaseStatus) -> list[Reply]:
        case = await changeable(ctx.uow, ctx.me, case_id)
        check_outcome(case.status, status)
        return await self.outcome.start(ctx, case, status.value)

    async def succeeded(self, ctx: Ctx, data: CaseSucceeded) -> list[Reply]:
        return await self._outcome(ctx, data.case_id, CaseStatus.THANH)

    async def failed(self, ctx: Ctx, data: CaseFailed) -> list[Reply]:
        return await self._outcome(ctx, data.case_id, CaseStatus.KHONG_THANH)

    async def ended(self, ctx: Ctx, data: CaseEnded) -> list[Reply]:
        return await self._outcome(ctx, data.case_id, CaseStatus.KET_THUC)

    async def correct(self, ctx: Ctx, data: CaseFix) -> list[Reply]:
        return await self.fix.start(ctx, await correctable(ctx.uow, ctx.me, data.case_id, ctx.now))

    async def add_note(self, ctx: Ctx, data: CaseNote) -> list[Reply]:
        return await self.note.start(ctx, await changeable(ctx.uow, ctx.me, data.case_id))

    async def ask_reopen(self, ctx: Ctx, data: CaseReopen) -> list[Reply]:
        case = await changeable(ctx.uow, ctx.me, data.case_id)
        check_reopen(case.status)
        return [
            ctx.ask(
                "case.confirm_reopen",
                ("case.confirm_reopen_yes", CaseReopenConfirmed(case.id)),
                ("common.back", CaseView(case.id)),
                number=case.number,
            )
        ]

    async def reopen(self, ctx: Ctx, data: CaseReopenConfirmed) -> list[Reply]:
        await reopen(ctx.uow, ctx.me, data.case_id, ctx.now)
        return await self.view(ctx, CaseView(data.case_id))

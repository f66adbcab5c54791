"""/vuviec, /cuatoi and the buttons on a case: outcome, note, end, reopen."""

from __future__ import annotations

from handlers.cases.new_case import NewCaseFlow
from handlers.cases.record_flows import CorrectionFlow, OutcomeFlow
from handlers.cases.render import case_detail, history_line, is_official, list_line
from handlers.cases.usecases import CaseError, add_note, changeable, correctable, reopen
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.registry import MEMBERS, TEAM, Command, Slice

PAGE = 5
MAX_NOTE = 1000
OUTCOME_ACTIONS = {"ok": "thanh", "fail": "khong_thanh", "end": "ket_thuc"}


class CaseTextFlow(Flow):
    """One question about one case (the agreement reached, or a note), then done."""

    def __init__(self, name: str, ask_key: str, save) -> None:
        self.name = name
        self._ask_key = ask_key
        self._save = save

    async def ask_text(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say(self._ask_key, limit=MAX_NOTE)]

    async def text_text(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_NOTE:
            return [ctx.say("case.too_long", limit=MAX_NOTE), *await self.ask_text(ctx)]
        case_id = int(ctx.conv.data["case_id"])
        self.end(ctx)
        try:
            case = await self._save(ctx, case_id, text)
        except CaseError as err:
            return [ctx.say(err.key, **err.values)]
        return [await case_detail(ctx, case, await ctx.uow.cases.events(case.id))]


class Cases:
    def __init__(self) -> None:
        self.new_case = NewCaseFlow()
        self.outcome = OutcomeFlow()
        self.fix = CorrectionFlow()
        self.note = CaseTextFlow("note", "case.ask_note", self._save_note)

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("vuviec", self.new_case_command, TEAM, "help.vuviec", "menu.vuviec"),
                Command("cuatoi", self.my_cases_command, MEMBERS, "help.cuatoi", "menu.cuatoi"),
            ],
            actions={"case": self.case_button},
            flows=[self.new_case, self.outcome, self.fix, self.note],
        )

    async def new_case_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self.new_case.start(ctx)

    async def my_cases_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self._page(ctx, 0)

    async def _page(self, ctx: Ctx, offset: int) -> list[Reply]:
        cases, total = await ctx.uow.cases.page_for(ctx.person, max(offset, 0), PAGE)
        if total == 0:
            return [ctx.say("case.list_empty", rows(ctx.button("menu.vuviec", "cmd:vuviec")))]
        teams = {}
        if is_official(ctx):  # an official's list spans teams: each line names its team
            for tid in {c.team_id for c in cases}:
                unit = await ctx.uow.units.get(tid)
                teams[tid] = unit.name if unit else ""
        lines = [ctx.t("case.list_title", first=offset + 1, last=offset + len(cases), total=total)]
        lines += [list_line(ctx, c, teams.get(c.team_id, "")) for c in cases]
        buttons = [(Button(c.number, f"case:view:{c.id}"),) for c in cases]
        nav = []
        if offset > 0:
            nav.append(ctx.button("common.prev", f"case:list:{max(offset - PAGE, 0)}"))
        if offset + PAGE < total:
            nav.append(ctx.button("common.next", f"case:list:{offset + PAGE}"))
        return [Reply("\n".join(lines), (*buttons, tuple(nav)) if nav else tuple(buttons))]

    async def case_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        action, arg = parts[0], parts[1] if len(parts) > 1 else ""
        if not arg.isdecimal() or len(arg) > 12:
            return [ctx.say("case.not_found")]
        number = int(arg)
        try:
            if action == "list":
                return await self._page(ctx, number)
            if action == "view":
                return await self._view(ctx, number)
            if action == "hist":
                return await self._history(ctx, number)
            if action in OUTCOME_ACTIONS:
                case = await changeable(ctx.uow, ctx.person, number)
                if case.status.value != "dang_hoa_giai":
                    return [ctx.say("case.already_closed")]
                return await self.outcome.start(ctx, case, OUTCOME_ACTIONS[action])
            if action == "fix":
                return await self.fix.start(ctx, await correctable(ctx.uow, ctx.person, number, ctx.now))
            if action == "note":
                await changeable(ctx.uow, ctx.person, number)
                self.note.begin(ctx, "text", case_id=number)
                return await self.note.ask_text(ctx)
            if action == "reopen":
                case = await changeable(ctx.uow, ctx.person, number)
                return [ctx.say("case.confirm_reopen", rows(
                    ctx.button("case.confirm_reopen_yes", f"case:reopenyes:{number}"),
                    ctx.button("common.back", f"case:view:{number}")), number=case.number)]
            if action == "reopenyes":
                await reopen(ctx.uow, ctx.person, number, ctx.now)
                return await self._view(ctx, number)
        except CaseError as err:
            return [ctx.say(err.key, **err.values)]
        return [ctx.say("error.stale_button")]

    async def _view(self, ctx: Ctx, case_id: int) -> list[Reply]:
        case = await ctx.uow.cases.visible(ctx.person, case_id)
        if case is None:
            return [ctx.say("case.not_found")]
        return [await case_detail(ctx, case, await ctx.uow.cases.events(case.id))]

    async def _history(self, ctx: Ctx, case_id: int) -> list[Reply]:
        """Every event of the case, corrections with old → new and who made them."""
        case = await ctx.uow.cases.visible(ctx.person, case_id)
        if case is None:
            return [ctx.say("case.not_found")]
        lines = [ctx.t("case.history_full_title", number=case.number)]
        lines += [await history_line(ctx, e, case.parties, full=True) for e in await ctx.uow.cases.events(case.id)]
        return [Reply("\n".join(lines), rows(ctx.button("common.back", f"case:view:{case.id}")))]

    async def _save_note(self, ctx: Ctx, case_id: int, text: str):
        return await add_note(ctx.uow, ctx.person, case_id, text, ctx.now)

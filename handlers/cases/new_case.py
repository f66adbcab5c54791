"""The guided flow a mediator finishes in a minute or two: /vuviec."""

from __future__ import annotations

from handlers.cases.drafts import CaseDraft
from handlers.cases.render import case_saved, draft_summary
from handlers.cases.steps import RECORD_STEPS, CaseSteps, Step, table
from handlers.cases.usecases import create_case
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError

# Where and with whom the mediation took place are asked with its outcome (record_flows).
STEPS = (Step.DATE, Step.CATEGORY, Step.SOURCE, Step.PARTIES, Step.ADDRESSES, Step.SUMMARY, Step.MEDIATORS)
EDITABLE = (Step.DATE, Step.CATEGORY, Step.SOURCE, Step.PARTIES, Step.SUMMARY, Step.MEDIATORS)


class NewCaseFlow(CaseSteps):
    name = "case"
    steps = table("NewCaseStep", *RECORD_STEPS)

    def sequence(self, ctx: Ctx) -> tuple[Step, ...]:
        return STEPS

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, Step.DATE, **CaseDraft(team_id=ctx.me.unit_id, mediators=[ctx.me.id]).as_dict())
        return await self.ask_date(ctx)

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        text = await draft_summary(ctx, CaseDraft.of(ctx.conv.data))
        buttons = rows(
            self.option(ctx, Step.CONFIRM, "save", "case.confirm"),
            self.option(ctx, Step.CONFIRM, "edit", "case.edit"),
            self.option(ctx, Step.CONFIRM, "cancel", "common.cancel"),
        )
        return [Reply(text, buttons)]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "edit":
            self.goto(ctx, Step.EDIT)
            return await self.ask_edit(ctx)
        if value == "cancel":
            self.end(ctx)
            return [ctx.say("flow.cancelled")]
        try:
            case = await create_case(ctx.uow, ctx.me, CaseDraft.of(ctx.conv.data), ctx.now, ctx.today)
        except UserError as err:
            if err.key == "case.author_moved":
                self.end(ctx)
                return [ctx.say(err.key)]
            if err.key == "case.mediator_gone":  # drop who is gone, keep the rest, choose again
                team = {p.id for p in await self._members(ctx)}
                self.put(ctx, mediators=[i for i in ctx.conv.data.get("mediators") or [] if i in team])
                self.goto(ctx, Step.MEDIATORS)
                return [ctx.say(err.key, **err.values), *await self.ask_mediators(ctx)]
            return [ctx.say(err.key, **err.values), *await self.ask_confirm(ctx)]
        self.end(ctx)
        return [case_saved(ctx, case)]

    async def ask_edit(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.EDIT, f, f"case.field_{f}") for f in EDITABLE]
        return [ctx.say("case.ask_edit", rows(*options, per_row=2))]

    async def pick_edit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in EDITABLE:
            return await self.ask_edit(ctx)
        self.put(ctx, editing=True, party_at=0)
        self.goto(ctx, Step(value))
        return await self.prompt(ctx)

"""Recording an outcome and correcting a case: each shows what will be recorded and waits
for «Xác nhận»; nothing is saved before it."""

from __future__ import annotations

from typing import Any

from handlers.cases.drafts import FIELDS, CaseRecord, real_text
from handlers.cases.outcome_steps import OUTCOME_STEPS, OutcomeSteps, outcome_steps
from handlers.cases.render import case_detail, change_lines, outcome_summary, sealed_of
from handlers.cases.steps import RECORD_STEPS, Step, table
from handlers.cases.usecases import correct_case, normalised, record_of, record_outcome
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError
from storage.models import Case

MAX_REASON = 300
FIX_FIELDS = (
    Step.DATE,
    Step.CATEGORY,
    Step.SOURCE,
    Step.PARTIES,
    Step.SUMMARY,
    Step.MEDIATORS,
    Step.OUTCOME,
    Step.PLACE,
    Step.INVITED,
)
OUTCOME_FIELDS = {
    "thanh": (Step.AGREEMENT,),
    "khong_thanh": (Step.REQUESTS, Step.REFERRAL),
    "ket_thuc": (Step.END_REASON,),
}


def _draft(case: Case) -> dict[str, Any]:
    """The flow's draft: the case's record, and which case it is."""
    return {**record_of(case), "case_id": case.id, "number": case.number, "team_id": case.team_id}


def _record(d: dict[str, Any]) -> CaseRecord:
    return CaseRecord.of(d)


class OutcomeFlow(OutcomeSteps):
    """«Hòa giải thành», «Không thành», «Kết thúc (Điều 23)»: the fields, then confirm."""

    name = "outcome"
    steps = table("OutcomeStep", *RECORD_STEPS, *OUTCOME_STEPS)

    def sequence(self, ctx: Ctx) -> tuple[Step, ...]:
        return outcome_steps(ctx.conv.data.get("status"))

    async def start(self, ctx: Ctx, case: Case, status: str) -> list[Reply]:
        self.begin(ctx, outcome_steps(status)[0], **{**_draft(case), "status": status, "party_at": 0})
        return await self.prompt(ctx)

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        text = await outcome_summary(ctx, ctx.conv.data, ctx.conv.data["number"])
        return [
            self.choices(
                ctx, Step.CONFIRM, text, ("save", "case.confirm"), ("edit", "case.edit"), ("cancel", "common.cancel")
            )
        ]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        d = ctx.conv.data
        if value == "cancel":
            self.end(ctx)
            return [ctx.say("case.outcome_cancelled")]
        if value == "edit":
            self.goto(ctx, Step.EDIT)
            return await self.ask_edit(ctx)
        try:
            case = await record_outcome(ctx.uow, ctx.me, int(d["case_id"]), _record(d), ctx.now, ctx.today)
        except UserError as err:
            if err.key in ("case.already_closed", "case.not_found", "case.read_only"):
                self.end(ctx)
                return [ctx.say(err.key, **err.values)]
            return [ctx.say(err.key, **err.values), *await self.ask_confirm(ctx)]
        self.end(ctx)
        guidance = [ctx.say("case.failed_guidance")] if d["status"] == "khong_thanh" else []
        return [*guidance, await case_detail(ctx, case, await ctx.uow.cases.events(case.id))]

    async def ask_edit(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.EDIT, f, f"case.field_{f}") for f in outcome_steps(ctx.conv.data["status"])]
        return [ctx.say("case.ask_edit", rows(*options))]

    async def pick_edit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in outcome_steps(ctx.conv.data["status"]):
            return await self.ask_confirm(ctx)
        self.put(ctx, editing=True, party_at=0)
        self.goto(ctx, Step(value))
        return await self.prompt(ctx)


class CorrectionFlow(OutcomeSteps):
    """«✏️ Sửa»: any field of the case and its outcome, then old → new, then a reason."""

    name = "fix"
    steps = table("CorrectionStep", *RECORD_STEPS, *OUTCOME_STEPS, Step.REASON)

    def sequence(self, ctx: Ctx) -> tuple[Step, ...]:
        return outcome_steps(ctx.conv.data.get("status"))

    async def start(self, ctx: Ctx, case: Case) -> list[Reply]:
        draft = _draft(case)
        self.begin(ctx, Step.EDIT, **draft, original=_record(draft).as_dict(), editing=True)
        return await self.ask_edit(ctx)

    def _fields(self, ctx: Ctx) -> tuple[Step, ...]:
        status = ctx.conv.data.get("status", "")
        dated = (Step.OUTCOME_ON,) if status != "dang_hoa_giai" else ()
        return (*FIX_FIELDS, *OUTCOME_FIELDS.get(status, ()), *dated, Step.SESSIONS)

    async def ask_edit(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.EDIT, f, f"case.field_{f}") for f in self._fields(ctx)]
        options.append(self.option(ctx, Step.EDIT, "cancel", "common.cancel"))
        return [ctx.say("case.ask_fix", rows(*options, per_row=2), number=ctx.conv.data["number"])]

    async def pick_edit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "cancel":
            self.end(ctx)
            return [ctx.say("case.fix_cancelled")]
        if value not in self._fields(ctx):
            return await self.ask_edit(ctx)
        self.put(ctx, editing=True, party_at=0)
        self.goto(ctx, Step(value))
        return await self.prompt(ctx)

    def _change(self, ctx: Ctx) -> dict[str, list[Any]]:
        d, before = normalised(ctx.conv.data), ctx.conv.data["original"]
        return {k: [before[k], d[k]] for k in FIELDS if before.get(k) != d.get(k)}

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        self.put(ctx, editing=True)
        change = self._change(ctx)
        if not change:
            return [ctx.say("case.correct_nothing"), *await self.ask_edit(ctx)]
        text = "\n".join(
            [
                ctx.t("case.fix_screen", number=ctx.conv.data["number"]),
                *await change_lines(ctx, change, sealed_of(ctx.conv.data)),
            ]
        )
        return [
            self.choices(
                ctx,
                Step.CONFIRM,
                text,
                ("save", "case.fix_save"),
                ("edit", "case.fix_more"),
                ("cancel", "common.cancel"),
            )
        ]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "cancel":
            self.end(ctx)
            return [ctx.say("case.fix_cancelled")]
        self.goto(ctx, Step.REASON if value == "save" else Step.EDIT)
        return await self.prompt(ctx)

    async def ask_reason(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_fix_reason", limit=MAX_REASON)]

    async def text_reason(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_REASON:
            return [ctx.say("case.too_long", limit=MAX_REASON), *await self.ask_reason(ctx)]
        if not real_text(text, letters=5, words=2):
            return [ctx.say("case.fix_reason_short"), *await self.ask_reason(ctx)]
        d = ctx.conv.data
        try:
            case, _ = await correct_case(ctx.uow, ctx.me, int(d["case_id"]), _record(d), text, ctx.now, ctx.today)
        except UserError as err:
            if err.key in ("case.not_found", "case.read_only", "case.correct_not_allowed"):
                self.end(ctx)
                return [ctx.say(err.key, **err.values)]
            self.goto(ctx, Step.EDIT)
            return [ctx.say(err.key, **err.values), *await self.ask_edit(ctx)]
        self.end(ctx)
        return [
            ctx.say("case.fixed", number=case.number),
            await case_detail(ctx, case, await ctx.uow.cases.events(case.id)),
        ]

"/hotro and the buttons «Cần hỗ trợ», «Nhận xử lý», «Trả lời»; /hoitinh (handlers/support/province.py)."

from __future__ import annotations

import enum

from handlers.cases.buttons import CaseView
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.common.parties import render
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.registry import MEMBERS, Command, On, Slice, is_official
from handlers.kit.text import shorten
from handlers.privacy.views import viewer_mode
from handlers.support.buttons import AskHelp, HelpAnswer, HelpTake, HelpView
from handlers.support.escalation import escalate_job
from handlers.support.province import ProvinceDesk
from handlers.support.usecases import (
    answer,
    answerable,
    ask,
    askable,
    take,
    visible_request,
)
from storage.models import HelpRequest, HelpStatus

MAX_TEXT = 1500
MIN_TEXT = 10


class Step(enum.StrEnum):
    TEXT = "text"


class SupportTextFlow(Flow):
    """One question (mediator) or one answer (official), then done."""

    steps = Step

    def __init__(self, name: str, ask_key: str, save) -> None:
        self.name = name
        self._ask_key = ask_key
        self._save = save

    async def ask_text(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say(self._ask_key, limit=MAX_TEXT)]

    async def text_text(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_TEXT:
            return [ctx.say("case.too_long", limit=MAX_TEXT), *await self.ask_text(ctx)]
        if len(text) < MIN_TEXT:
            return [ctx.say("support.too_short"), *await self.ask_text(ctx)]
        target = int(ctx.conv.data["target"])
        self.end(ctx)
        return await self._save(ctx, target, text)


def shown(ctx: Ctx, stored: str | None, case) -> str:
    """A question or answer as this viewer may read it: the team sees the parties' names,
    officials their initials, everyone «Bên 1» once they are erased."""
    return render(stored, case.parties, viewer_mode(ctx.person), ctx.t)


def age_text(ctx: Ctx, request: HelpRequest) -> str:
    days = (ctx.today - ctx.local(request.created_at).date()).days
    return ctx.t("support.age_today") if days <= 0 else ctx.t("support.age_days", days=days)


class Support:
    def __init__(self, policy: PushPolicy | None = None) -> None:
        self.policy = policy or PushPolicy()
        self.ask_flow = SupportTextFlow("help_ask", "support.ask_question", self._save_question)
        self.answer_flow = SupportTextFlow("help_answer", "support.ask_answer", self._save_answer)
        self.province = ProvinceDesk(
            SupportTextFlow("province_ask", "province_q.ask_question", self._save_province_question),
            SupportTextFlow("province_answer", "province_q.ask_answer", self._save_province_answer),
            Step.TEXT,
        )

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("hotro", self.support_command, MEMBERS, "help.hotro", "menu.hotro", menu_rank=36),
                *self.province.commands(),
            ],
            buttons=[
                On(AskHelp, self.ask_button),
                On(HelpView, self.view_button),
                On(HelpTake, self.take_button),
                On(HelpAnswer, self.answer_button),
                *self.province.buttons(),
            ],
            flows=[self.ask_flow, self.answer_flow, self.province.ask_flow, self.province.answer_flow],
            jobs=[escalate_job],
        )

    def env(self, ctx: Ctx) -> PushEnv:
        return ctx.deps.push

    async def support_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        if is_official(ctx):
            return [await self._open_list(ctx)]
        mine = await ctx.uow.help.asked_by(ctx.me)
        lines = [ctx.t("support.mine_title")] if mine else [ctx.t("support.mine_empty")]
        for request, case in mine:
            lines.append(
                ctx.t(
                    "support.mine_line",
                    number=case.number,
                    age=age_text(ctx, request),
                    status=ctx.t(f"support.status_{request.status}")
                    + (ctx.t("escalation.list_mark") if request.escalated_at else ""),
                    question=shorten(shown(ctx, request.question, case), 80),
                )
            )
        lines.append(ctx.t("support.how_to_ask"))
        buttons = [Button.of(case.number, CaseView(case.id)) for _, case in mine[:8]]
        return [Reply("\n".join(lines), rows(*buttons, per_row=4))]

    async def _open_list(self, ctx: Ctx) -> Reply:
        found, total = await ctx.uow.help.open_for(ctx.me)
        if not total:
            return ctx.say("support.open_empty")
        lines = [ctx.t("support.open_title", total=total)]
        names = await ctx.uow.registers.people(ctx.me, [r.taken_by_id for r, _ in found if r.taken_by_id])
        for request, case in found:
            who = names.get(request.taken_by_id) if request.taken_by_id is not None else None
            state = ctx.t("support.taken_by", name=who.full_name) if who else ctx.t("support.not_taken")
            if request.escalated_at is not None:
                state += ctx.t("escalation.list_mark")
            lines.append(
                ctx.t(
                    "support.open_line",
                    number=case.number,
                    age=age_text(ctx, request),
                    state=state,
                    question=shorten(shown(ctx, request.question, case), 80),
                )
            )
        buttons = [Button.of(ctx.t("support.btn_open", number=case.number), HelpView(r.id)) for r, case in found]
        return Reply("\n".join(lines), rows(*buttons, per_row=2))

    async def ask_button(self, ctx: Ctx, data: AskHelp) -> list[Reply]:
        await askable(ctx.uow, ctx.me, data.case_id)
        self.ask_flow.begin(ctx, Step.TEXT, target=data.case_id)
        return await self.ask_flow.ask_text(ctx)

    async def view_button(self, ctx: Ctx, data: HelpView) -> list[Reply]:
        request, case = await visible_request(ctx.uow, ctx.me, data.request_id)
        return [self._request_screen(ctx, request, case)]

    async def take_button(self, ctx: Ctx, data: HelpTake) -> list[Reply]:
        request = await take(ctx.uow, self.env(ctx), ctx.me, data.request_id, ctx.now)
        _, case = await visible_request(ctx.uow, ctx.me, data.request_id)
        return [ctx.say("support.taken"), self._request_screen(ctx, request, case)]

    async def answer_button(self, ctx: Ctx, data: HelpAnswer) -> list[Reply]:
        await answerable(ctx.uow, ctx.me, data.request_id)
        self.answer_flow.begin(ctx, Step.TEXT, target=data.request_id)
        return await self.answer_flow.ask_text(ctx)

    def _request_screen(self, ctx: Ctx, request: HelpRequest, case) -> Reply:
        text = ctx.t(
            "support.request_screen",
            number=case.number,
            age=age_text(ctx, request),
            status=ctx.t(f"support.status_{request.status}"),
            question=shown(ctx, request.question, case),
        )
        if request.escalated_at is not None:
            text += "\n" + ctx.t("escalation.marked", date=ctx.local(request.escalated_at).strftime("%d/%m/%Y"))
        buttons = []
        if request.status != HelpStatus.ANSWERED:
            buttons.append(ctx.button("support.btn_answer", HelpAnswer(request.id)))
            if request.taken_by_id is None:
                buttons.insert(0, ctx.button("support.btn_take", HelpTake(request.id)))
        buttons.append(ctx.button("case.view", CaseView(case.id)))
        return Reply(text, rows(*buttons, per_row=2))

    async def _save_question(self, ctx: Ctx, case_id: int, text: str) -> list[Reply]:
        request, told = await ask(ctx.uow, self.env(ctx), ctx.me, case_id, text, ctx.now)
        key = "support.asked" if told else "support.asked_no_official"
        return [ctx.say(key, rows(ctx.button("case.view", CaseView(case_id))), count=told)]

    async def _save_province_question(self, ctx: Ctx, province_id: int, text: str) -> list[Reply]:
        return await self.province.save_question(ctx, province_id, text)

    async def _save_province_answer(self, ctx: Ctx, question_id: int, text: str) -> list[Reply]:
        return await self.province.save_answer(ctx, question_id, text)

    async def _save_answer(self, ctx: Ctx, request_id: int, text: str) -> list[Reply]:
        request = await answer(ctx.uow, self.env(ctx), ctx.me, request_id, text, ctx.now)
        asker = await ctx.uow.people.get(request.asked_by_id)
        return [ctx.say("support.answered", name=asker.full_name if asker else "—")]

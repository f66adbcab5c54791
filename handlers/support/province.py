"""/hoitinh: a commune official asks the province (Sở Tư pháp) a question that is not about a
case; the province's officials get it, one of them answers, and both sides keep the list of
questions and answers."""

from __future__ import annotations

import datetime as dt

from handlers.common.outbox import PushEnv, Recipient, cancel_topics, enqueue, new_push, push_to
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.payload import payload
from handlers.kit.registry import OFFICIALS, Command, On
from handlers.kit.text import shorten
from storage.db import UnitOfWork
from storage.models import Person, Role, Unit, UnitKind
from storage.models.questions import ProvinceQuestion
from storage.rollups import lineage_ids

KIND_QUESTION = "province_question"
KIND_REPLY = "province_answer"
PUSH_TTL = dt.timedelta(days=30)
LISTED = 10


@payload("ht", "new")
class ProvinceAsk:
    """«Hỏi tỉnh»: a new question to the province."""


@payload("ht", "view")
class QuestionView:
    question_id: int


@payload("ht", "ans")
class QuestionAnswer:
    question_id: int


def topic(q: ProvinceQuestion) -> str:
    return f"pq:{q.id}"


def answers_for_province(person: Person) -> bool:
    """Who answers questions to the province: its officials (and an administrator)."""
    return person.role is Role.ADMIN or (person.role.is_official and person.unit.kind is UnitKind.TINH)


async def province_of(uow: UnitOfWork, official: Person) -> Unit:
    """The province above a commune official's unit; UserError if they are the province or have none."""
    if answers_for_province(official):
        raise UserError("province_q.you_are_province")
    province = await uow.units.get(lineage_ids(official.unit.path)[0])
    if province is None or province.kind is not UnitKind.TINH or province.id == official.unit_id:
        raise UserError("province_q.no_province")
    return province


async def ask_province(
    uow: UnitOfWork, env: PushEnv, official: Person, text: str, now: dt.datetime
) -> tuple[ProvinceQuestion, int]:
    """Keep the question and push it to the province's officials; returns it and how many were told."""
    province = await province_of(uow, official)
    q = await uow.help.add_question(
        ProvinceQuestion(
            unit_id=official.unit_id, province_id=province.id, asked_by_id=official.id, question=text, created_at=now
        )
    )
    officials = await uow.outbox.people_at(province.id, (Role.CAN_BO,))
    if officials:
        body = env.t(
            "province_q.push_ask", unit=official.unit.name, name=official.full_name, question=shorten(text, 900)
        )
        buttons = ((Button.of(env.t("province_q.btn_answer"), QuestionAnswer(q.id)),),)
        push = await new_push(uow, KIND_QUESTION, body, now, buttons=buttons, created_by=official)
        rows_ = [Recipient(o.id, f"{topic(q)}:ask:{o.id}", topic(q), now, now + PUSH_TTL) for o in officials]
        await enqueue(uow, push, rows_, env=env, now=now)
    return q, len(officials)


async def answerable(uow: UnitOfWork, official: Person, question_id: int) -> ProvinceQuestion:
    q = await uow.help.question(official, question_id)
    if q is None or not answers_for_province(official):
        raise UserError("province_q.not_found")
    if q.answered_at is not None:
        raise UserError("province_q.already_answered")
    return q


async def answer_province(
    uow: UnitOfWork, env: PushEnv, official: Person, question_id: int, text: str, now: dt.datetime
) -> ProvinceQuestion:
    """The answer is kept with the question and pushed to the official who asked."""
    q = await answerable(uow, official, question_id)
    q.answer, q.answered_by_id, q.answered_at = text, official.id, now
    await cancel_topics(uow, [topic(q)])  # the other province officials' copies, if not yet sent
    body = env.t(
        "province_q.push_answer", name=official.full_name, question=shorten(q.question, 300), answer=shorten(text, 2500)
    )
    button = Button.of(env.t("province_q.btn_view"), QuestionView(q.id))
    await push_to(
        uow,
        env,
        q.asked_by_id,
        KIND_REPLY,
        body,
        now,
        key=f"{topic(q)}:answer",
        topic=f"{topic(q)}:reply",
        expires_at=now + PUSH_TTL,
        buttons=((button,),),
        created_by=official,
    )
    return q


# --- screens ----------------------------------------------------------------------------------
def question_line(ctx: Ctx, q: ProvinceQuestion) -> str:
    state = (
        ctx.t("province_q.answered_on", date=ctx.local(q.answered_at).strftime("%d/%m/%Y"))
        if q.answered_at
        else ctx.t("province_q.waiting")
    )
    return ctx.t(
        "province_q.line",
        id=q.id,
        date=ctx.local(q.created_at).strftime("%d/%m/%Y"),
        state=state,
        question=shorten(q.question, 80),
    )


class ProvinceDesk:
    """The /hoitinh part of the support slice; its flows are the support slice's text flows."""

    def __init__(self, ask_flow, answer_flow, step) -> None:
        self.ask_flow, self.answer_flow, self.step = ask_flow, answer_flow, step

    def commands(self) -> list[Command]:
        return [Command("hoitinh", self.questions_command, OFFICIALS, "help.hoitinh", "menu.hoitinh", menu_rank=37)]

    def buttons(self) -> list[On]:
        return [
            On(ProvinceAsk, self.ask_button, OFFICIALS),
            On(QuestionView, self.view_button, OFFICIALS),
            On(QuestionAnswer, self.answer_button, OFFICIALS),
        ]

    async def questions_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        province = answers_for_province(ctx.me)
        found = await ctx.uow.help.questions(ctx.me, asked_by_unit=not province, limit=LISTED)
        if province:
            lines = [ctx.t("province_q.inbox_title" if found else "province_q.inbox_empty")]
            buttons: list[Button] = []
        else:
            lines = [ctx.t("province_q.mine_title" if found else "province_q.mine_empty")]
            buttons = [ctx.button("province_q.btn_ask", ProvinceAsk())]
        lines += [question_line(ctx, q) for q in found]
        buttons += [ctx.button("province_q.btn_open", QuestionView(q.id), id=q.id) for q in found]
        return [Reply("\n".join(lines), rows(*buttons, per_row=3))]

    async def view_button(self, ctx: Ctx, data: QuestionView) -> list[Reply]:
        q = await ctx.uow.help.question(ctx.me, data.question_id)
        if q is None:
            raise UserError("province_q.not_found")
        asker = await ctx.uow.people.get(q.asked_by_id)
        unit = await ctx.uow.units.get(q.unit_id)
        lines = [
            ctx.t(
                "province_q.screen",
                id=q.id,
                unit=unit.name if unit else "—",
                name=asker.full_name if asker else "—",
                date=ctx.local(q.created_at).strftime("%d/%m/%Y"),
                question=q.question,
            )
        ]
        buttons = []
        if q.answered_at is not None:
            who = await ctx.uow.people.get(q.answered_by_id) if q.answered_by_id else None
            lines.append(
                ctx.t(
                    "province_q.screen_answer",
                    name=who.full_name if who else "—",
                    date=ctx.local(q.answered_at).strftime("%d/%m/%Y"),
                    answer=q.answer or "",
                )
            )
        else:
            lines.append(ctx.t("province_q.waiting"))
            if answers_for_province(ctx.me):
                buttons.append(ctx.button("province_q.btn_answer", QuestionAnswer(q.id)))
        return [Reply("\n".join(lines), rows(*buttons))]

    async def ask_button(self, ctx: Ctx, data: ProvinceAsk) -> list[Reply]:
        province = await province_of(ctx.uow, ctx.me)
        self.ask_flow.begin(ctx, self.step, target=province.id)
        return await self.ask_flow.ask_text(ctx)

    async def answer_button(self, ctx: Ctx, data: QuestionAnswer) -> list[Reply]:
        await answerable(ctx.uow, ctx.me, data.question_id)
        self.answer_flow.begin(ctx, self.step, target=data.question_id)
        return await self.answer_flow.ask_text(ctx)

    async def save_question(self, ctx: Ctx, _province_id: int, text: str) -> list[Reply]:
        q, told = await ask_province(ctx.uow, ctx.deps.push, ctx.me, text, ctx.now)
        key = "province_q.asked" if told else "province_q.asked_nobody"
        return [ctx.say(key, rows(ctx.button("province_q.btn_open", QuestionView(q.id), id=q.id)), count=told)]

    async def save_answer(self, ctx: Ctx, question_id: int, text: str) -> list[Reply]:
        q = await answer_province(ctx.uow, ctx.deps.push, ctx.me, question_id, text, ctx.now)
        asker = await ctx.uow.people.get(q.asked_by_id)
        return [ctx.say("province_q.answered", name=asker.full_name if asker else "—")]

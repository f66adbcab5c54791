"""A help request nobody answered at the commune within HELP_ESCALATE_DAYS moves up to the
province: its officials get the question once (with «Nhận xử lý», «Trả lời»), the request
names the province from then on and shows when it moved, and the case's history says so."""

from __future__ import annotations

import datetime as dt

from handlers.cases.buttons import CaseView
from handlers.common.outbox import PushEnv, Recipient, enqueue, new_push
from handlers.common.parties import INITIALS, render
from handlers.kit.core import Button
from handlers.kit.text import shorten
from handlers.support.buttons import HelpAnswer, HelpTake
from handlers.support.usecases import PUSH_TTL, topic
from storage.db import UnitOfWork
from storage.models import Case, CaseEvent, HelpRequest, Role, UnitKind
from storage.rollups import lineage_ids

KIND_ESCALATE = "help_escalate"


async def escalate_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Run by the clock: every request due moves up once (escalated_at is set in the same
    transaction as its pushes, and each push has its own key). Returns the pushes planned."""
    before = now - dt.timedelta(days=env.policy.escalate_days)
    planned = 0
    for request, case in await uow.help.due_to_escalate(before):
        planned += await escalate(uow, env, request, case, now)
    return planned


async def escalate(uow: UnitOfWork, env: PushEnv, request: HelpRequest, case: Case, now: dt.datetime) -> int:
    province = await uow.units.get(lineage_ids(case.unit_path)[0])
    request.escalated_at = now  # whether or not the province has officials yet: moved once
    if province is None or province.kind is not UnitKind.TINH:
        return 0
    request.unit_id = province.id
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=None, kind=KIND_ESCALATE))
    officials = await uow.outbox.people_at(province.id, (Role.CAN_BO,))
    if not officials:
        return 0
    asker = await uow.people.get(request.asked_by_id)
    team = await uow.units.get(case.team_id)
    text = env.t(
        "escalation.push",
        days=env.policy.escalate_days,
        number=case.number,
        team=team.name if team else "—",
        name=asker.full_name if asker else "—",
        asked=request.created_at.astimezone(env.tz).strftime("%d/%m/%Y"),
        question=shorten(render(request.question, case.parties, INITIALS, env.t), 900),
    )
    buttons = (
        (
            Button.of(env.t("support.btn_take"), HelpTake(request.id)),
            Button.of(env.t("support.btn_answer"), HelpAnswer(request.id)),
        ),
        (Button.of(env.t("case.view"), CaseView(case.id)),),
    )
    push = await new_push(uow, KIND_ESCALATE, text, now, buttons=buttons)
    rows = [Recipient(o.id, f"{topic(request)}:up:{o.id}", topic(request), now, now + PUSH_TTL) for o in officials]
    return await enqueue(uow, push, rows, env=env, now=now)

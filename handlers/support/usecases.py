"""Asking, taking and answering a request for guidance. The turn's unit of work commits;
pushes go through the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt

from handlers.cases.buttons import CaseView
from handlers.common.outbox import PushEnv, Recipient, cancel_topics, enqueue, new_push, officials_of, push_to
from handlers.common.parties import INITIALS, keep, render
from handlers.kit.core import Button
from handlers.kit.errors import UserError
from handlers.kit.text import shorten
from handlers.privacy.views import viewer_mode
from handlers.support.buttons import HelpAnswer, HelpTake
from storage.access import can_change_case
from storage.db import UnitOfWork
from storage.models import Case, CaseEvent, HelpRequest, HelpStatus, Person

KIND_ASK = "help_request"
KIND_TAKEN = "help_taken"
KIND_ANSWER = "help_answer"
PUSH_TTL = dt.timedelta(days=30)


def topic(request: HelpRequest) -> str:
    return f"help:{request.id}"


async def askable(uow: UnitOfWork, person: Person, case_id: int) -> Case:
    """A case its own team may ask about: visible, changeable, no question already waiting."""
    case = await uow.cases.visible(person, case_id)
    if case is None:
        raise UserError("case.not_found")
    if not can_change_case(person, case):
        raise UserError("support.only_team")
    if await uow.help.open_on_case(case.id) is not None:
        raise UserError("support.already_open")
    return case


async def ask(
    uow: UnitOfWork, env: PushEnv, person: Person, case_id: int, question: str, now: dt.datetime
) -> tuple[HelpRequest, int]:
    """Record the question on the case and push it to the officials nearest above the team;
    returns the request and how many officials were told. The parties named in the question
    are kept as references (handlers/common/parties.py); officials read their initials."""
    case = await askable(uow, person, case_id)
    question, case.parties = keep(case.parties or {}, question)
    officials = await officials_of(uow, person)
    unit_id = officials[0].unit_id if officials else person.unit_id
    request = await uow.help.add(
        HelpRequest(
            case_id=case.id,
            unit_id=unit_id,
            asked_by_id=person.id,
            question=question,
            status=HelpStatus.OPEN,
            created_at=now,
        )
    )
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="help_ask", text=question))
    if officials:
        shown = render(question, case.parties, INITIALS, env.t)
        text = env.t(
            "support.push_ask",
            number=case.number,
            team=person.unit.name,
            name=person.full_name,
            question=shorten(shown, 900),
        )
        buttons = (
            (
                Button.of(env.t("support.btn_take"), HelpTake(request.id)),
                Button.of(env.t("support.btn_answer"), HelpAnswer(request.id)),
            ),
            (Button.of(env.t("case.view"), CaseView(case.id)),),
        )
        push = await new_push(uow, KIND_ASK, text, now, buttons=buttons, created_by=person)
        await enqueue(
            uow,
            push,
            [Recipient(o.id, f"{topic(request)}:ask:{o.id}", topic(request), now, now + PUSH_TTL) for o in officials],
            env=env,
            now=now,
        )
    return request, len(officials)


async def visible_request(uow: UnitOfWork, official: Person, request_id: int) -> tuple[HelpRequest, Case]:
    found = await uow.help.visible(official, request_id) if official.role.is_official else None
    if found is None:
        raise UserError("support.not_found")
    return found


async def take(uow: UnitOfWork, env: PushEnv, official: Person, request_id: int, now: dt.datetime) -> HelpRequest:
    request, case = await visible_request(uow, official, request_id)
    if request.status == HelpStatus.ANSWERED:
        raise UserError("support.already_answered")
    if request.taken_by_id not in (None, official.id):
        raise UserError("support.taken_by_other")
    if request.taken_by_id is None:
        request.status, request.taken_by_id, request.taken_at = HelpStatus.TAKEN, official.id, now
        await cancel_topics(uow, [topic(request)])  # the others' copies, if not yet sent
        text = env.t("support.push_taken", number=case.number, name=official.full_name)
        await tell_asker(uow, env, request, KIND_TAKEN, text, now, "taken", case)
    return request


async def answerable(uow: UnitOfWork, official: Person, request_id: int) -> tuple[HelpRequest, Case]:
    request, case = await visible_request(uow, official, request_id)
    if request.status == HelpStatus.ANSWERED:
        raise UserError("support.already_answered")
    return request, case


async def answer(
    uow: UnitOfWork, env: PushEnv, official: Person, request_id: int, text: str, now: dt.datetime
) -> HelpRequest:
    """The answer goes to the case's history and to the mediator who asked (the parties it
    names kept as references, shown to the mediator by name)."""
    request, case = await answerable(uow, official, request_id)
    text, case.parties = keep(case.parties or {}, text)
    request.status, request.answer = HelpStatus.ANSWERED, text
    request.answered_by_id, request.answered_at = official.id, now
    if request.taken_by_id is None:
        request.taken_by_id, request.taken_at = official.id, now
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=official.id, kind="help_answer", text=text))
    await cancel_topics(uow, [topic(request)])
    asker = await uow.people.get(request.asked_by_id)
    shown = render(text, case.parties, viewer_mode(asker), env.t)
    body = env.t("support.push_answer", number=case.number, name=official.full_name, answer=shorten(shown, 2500))
    await tell_asker(uow, env, request, KIND_ANSWER, body, now, "answer", case, official)
    return request


async def tell_asker(
    uow: UnitOfWork,
    env: PushEnv,
    request: HelpRequest,
    kind: str,
    text: str,
    now: dt.datetime,
    what: str,
    case: Case,
    official: Person | None = None,
) -> None:
    """The mediator who asked hears what became of it (taken, answered), with the case's button."""
    button = Button.of(env.t("case.view"), CaseView(case.id))
    key, reply = f"{topic(request)}:{what}", f"{topic(request)}:reply"
    await push_to(
        uow,
        env,
        request.asked_by_id,
        kind,
        text,
        now,
        key=key,
        topic=reply,
        expires_at=now + PUSH_TTL,
        buttons=((button,),),
        created_by=official,
    )

"""A case's rules hold in the use cases themselves, whoever calls them (no flow), and the moves
a case screen offers are exactly the moves the use cases allow."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from handlers.cases.buttons import CaseView
from handlers.cases.drafts import CaseDraft
from handlers.cases.render import MOVE_BUTTONS
from handlers.cases.transitions import MOVES
from handlers.cases.usecases import correct_case, create_case, record_outcome, reopen
from handlers.kit.errors import UserError
from handlers.kit.payload import pack, unpack
from storage.models import Case, CaseStatus
from tests.support import START, Chat
from tests.unit.test_case_flow import log_case

GOOD = CaseDraft(
    received_on="2026-11-20",
    category="dan_su",
    source="yeu_cau",
    parties=["Nguyễn Văn An", "Trần Thị Bình"],
    summary="Tranh chấp lối đi chung",
)
BAD = [
    ({"received_on": ""}, "case.received_on_bad"),
    ({"received_on": "20/11/2026"}, "case.received_on_bad"),
    ({"received_on": "2026-12-01"}, "case.received_on_bad"),  # after today
    ({"received_on": "2013-12-31"}, "case.received_on_bad"),  # before the Law
    ({"category": "loai_tru"}, "case.choice_missing"),
    ({"source": ""}, "case.choice_missing"),
    ({"parties": ["Nguyễn Văn An"]}, "case.parties_too_few"),
    ({"parties": [f"Bên {i}" for i in range(11)]}, "case.parties_too_long"),
    ({"summary": "ab"}, "case.summary_too_short"),
    ({"summary": "x" * 1001}, "case.too_long"),
]


async def author(uow, world):
    return await uow.people.get(world.people["hgv_a"].id)


@pytest.mark.parametrize(("change", "key"), BAD)
async def test_create_case_refuses_a_bad_draft_without_any_flow(db, world, change, key):
    async with db.uow() as uow:
        draft = dataclasses.replace(GOOD, **change)
        with pytest.raises(UserError) as err:
            await create_case(uow, await author(uow, world), draft, START)
        assert err.value.key == key
        with pytest.raises(UserError):  # the dict a conversation holds is read the same way
            await create_case(uow, await author(uow, world), draft.as_dict(), START)
        assert (await uow.cases.page_for(await author(uow, world), 0, 5))[1] == 0


async def test_record_outcome_and_correct_case_check_the_draft_and_the_move(db, world):
    today = START.date()
    async with db.uow() as uow:
        hgv = await author(uow, world)
        case = await create_case(uow, hgv, GOOD, START)
        for draft, key in [
            ({"status": "thanh", "agreement": "ok", "outcome_on": "2026-11-21"}, "case.agreement_not_text"),
            ({"status": "ket_thuc", "end_reason": "x", "outcome_on": "2026-11-21"}, "case.end_reason_missing"),
            ({"status": "khong_thanh", "requests": ["Mở lối đi"], "outcome_on": "2026-11-21"}, "case.requests_missing"),
            ({"status": "thanh", "agreement": "Hai bên mở lại lối đi"}, "case.outcome_on_missing"),
            (
                {"status": "thanh", "agreement": "Hai bên mở lại lối đi", "outcome_on": "2026-11-19"},
                "case.dates_out_of_order",
            ),
            ({"status": "dang_hoa_giai"}, "case.outcome_not_allowed"),
            ({"status": "hoa"}, "case.outcome_not_allowed"),
        ]:
            with pytest.raises(UserError) as err:
                await record_outcome(uow, hgv, case.id, draft, START, today)
            assert err.value.key == key, draft
        assert case.status is CaseStatus.DANG_HOA_GIAI
        with pytest.raises(UserError) as err:
            await reopen(uow, hgv, case.id, START)
        assert err.value.key == "case.cannot_reopen"
        with pytest.raises(UserError) as err:
            await correct_case(uow, hgv, case.id, {"category": "khong_co"}, "Ghi nhầm loại việc", START, today)
        assert err.value.key == "case.choice_missing"
        with pytest.raises(UserError) as err:
            await correct_case(uow, hgv, case.id, {"received_on": "2026-12-24"}, "Ghi nhầm ngày", START, today)
        assert err.value.key == "case.received_on_bad"

        await record_outcome(
            uow,
            hgv,
            case.id,
            {
                "status": "khong_thanh",
                "requests": ["Mở lối đi", "Giữ lối đi"],
                "referral": "ubnd_xa",
                "outcome_on": "2026-11-21",
            },
            START,
            today,
        )
        with pytest.raises(UserError) as err:
            await record_outcome(
                uow,
                hgv,
                case.id,
                {"status": "thanh", "agreement": "Hai bên mở lại lối đi", "outcome_on": "2026-11-21"},
                START,
                today,
            )
        assert err.value.key == "case.already_closed"
        await reopen(uow, hgv, case.id, START)
        assert case.status is CaseStatus.DANG_HOA_GIAI


async def test_the_moves_a_case_screen_offers_are_the_moves_allowed(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.press("Xác nhận")
    move_of = {kind: status for status, (_, kind) in MOVE_BUTTONS.items()}
    for status in CaseStatus:
        async with db.uow() as uow:
            case = await uow.session.scalar(select(Case))
            case.status = status
            await uow.commit()
        await chat.payload(pack(CaseView(case.id)))
        offered = {
            move_of[type(d)] for d in (unpack(b.payload) for b in chat.replies[-1].choices()) if type(d) in move_of
        }
        assert offered == set(MOVES[status]), status
        for kind, target in move_of.items():  # a move not offered, pressed anyway, is refused
            if target not in offered:
                await chat.payload(pack(kind(case.id)))
                assert "đã có kết quả" in chat.text or "tiếp tục hòa giải được" in chat.text, (status, target)
                await chat.send("/huy")

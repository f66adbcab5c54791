"""Issue 13, items 1–2 for the case itself: names and phones typed in a case's summary,
agreement, requests, place and notes are kept as references to the parties; the team reads
them, officials read initials, and the store holds neither names nor phones in that text."""

from __future__ import annotations

from sqlalchemy import select, text

from storage.models import Case, CaseEvent
from tests.support import Chat, record_outcome
from tests.unit.test_case_flow import log_case

SUMMARY = "Ông Nguyen Van An  lấn lối đi của bà Bình (sđt 0912.345.678)"
AGREEMENT = "Anh An trả lại 1 m lối đi cho chị Trần Thị Bình trước Tết"


async def log(chat: Chat) -> None:
    await log_case(chat, summary=SUMMARY)
    await chat.press("Xác nhận")


async def raw_texts(db) -> str:
    """Every free-text column of cases and their events, as stored."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT summary, coalesce(agreement, '') FROM cases"))).all()
        notes = (await conn.execute(text("SELECT coalesce(text, '') FROM case_events"))).all()
    return "\n".join(v for row in [*rows, *notes] for v in row)


async def test_free_text_of_a_case_refers_to_the_parties(db, world, engine):
    mediator = Chat(engine, "hgv_a")
    await log(mediator)
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
    await mediator.payload(f"case:view:{case.id}")
    await mediator.press("Thêm ghi chú")
    await mediator.send("Đã gọi cho bà Binh số 0987 654 321 để hẹn")
    await record_outcome(mediator, "thanh", agreement=AGREEMENT, place="Nhà ông An")

    stored = await raw_texts(db)
    for secret in ("An ", "Nguyen", "Bình", "Binh", "Trần", "0912", "345.678", "0987", "654 321"):
        assert secret not in stored, secret
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
        assert "Nhà ông An" not in case.parties["place"] and "0987654321" in "".join(
            p.replace(" ", "") for p in case.parties.get("phones", [])
        )
        notes = [e.text for e in await uow.cases.events(case.id) if e.kind == "note"]
    assert notes and "Binh" not in notes[0]

    await mediator.payload(f"case:view:{case.id}")  # the team reads what was typed, names and all
    assert "Nguyễn Văn An" in mediator.text and "0912.345.678" in mediator.text
    assert "Trần Thị Bình trước Tết" in mediator.text and "0987 654 321" in mediator.text

    official = Chat(engine, "official")  # initials, and no phone, in chat as in the export
    await official.payload(f"case:view:{case.id}")
    for secret in ("Nguyen", "Nguyễn", "Bình", "Binh", "0912", "0987"):
        assert secret not in official.text, secret
    assert "N.V.A." in official.text and "T.T.B." in official.text


async def test_a_correction_keeps_references_in_its_history(db, world, engine):
    mediator = Chat(engine, "hgv_a")
    await log(mediator)
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
    await mediator.payload(f"case:view:{case.id}")
    await mediator.press("Sửa hồ sơ")
    await mediator.press("Tóm tắt")
    await mediator.send("Bà Trần Thị Bình xây tường lấn sang đất ông An")
    assert "→ Bà Trần Thị Bình xây tường" in mediator.text  # the team sees names in old → new
    await mediator.press("Lưu")
    await mediator.send("Ghi sai người lấn đất")
    async with db.uow() as uow:
        [fix] = [e for e in (await uow.session.scalars(select(CaseEvent))).all() if e.kind == "correction"]
    old, new = fix.change["summary"]
    assert "Nguyen" not in old and "Bình" not in new and "An" not in new.split()
    official = Chat(engine, "official")
    await official.payload(f"case:hist:{case.id}")
    assert "T.T.B. xây tường lấn sang đất ông A." in official.text and "Bình" not in official.text


async def test_a_draft_and_the_free_text_are_sealed_at_rest(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.press("Tranh chấp dân sự")
    await chat.press("Các bên yêu cầu")
    await chat.send("Nguyễn Văn An; Trần Thị Bình")
    await chat.send("thôn 1, 0912 345 678; thôn 2")  # a draft that names the parties, days before it is saved
    async with db.engine.connect() as conn:
        [draft] = (await conn.execute(text("SELECT data FROM conversations WHERE flow = 'case'"))).scalars().all()
    assert draft.startswith("v1:") and "Nguy" not in draft and "0912" not in draft
    await chat.send(SUMMARY)
    await chat.press("Xong")
    await chat.press("Xác nhận")
    async with db.engine.connect() as conn:
        summary = (await conn.execute(text("SELECT summary FROM cases"))).scalar_one()
    assert summary.startswith("v1:")

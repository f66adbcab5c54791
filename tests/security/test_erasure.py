"""Erasure that erases (issue 13, finding 1): after «🔒 Xóa thông tin các bên», or the
retention job, nothing that names the parties stays — not in the store (every table, read
through the key too), not in the SQLite files, not in chat, not in any export. Rows written
before free text kept references (plain names in a summary) are scrubbed as well. Drafts
left unfinished are emptied by a daily job."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
import zipfile

from sqlalchemy import select

from bot.clock import PushClock
from handlers.common.parties import fold
from handlers.privacy.views import anonymise_case, privacy_job
from storage.db import Database
from storage.models import Account, Case, CaseEvent, CaseMediator, CaseStatus, Conversation
from storage.schema import Base
from tests.pushes import FakeSender, dispatcher, env
from tests.support import Chat, Clock, build_world, make_engine

PARTIES = {
    "names": ["Nguyễn Văn An", "Trần Thị Bình"],
    "addresses": ["số 5 ngõ 3", "xóm Đông"],
    "contact": "+84 98 765 4321",
    "place": "nhà ông An",
    "invited": ["Lê Văn Tư"],
    "requests": [],
}
# what must never be found again: names (also as once misspelt), addresses, phones (digits)
SECRETS = ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Văn Ann", "Lê Văn Tư", "số 5 ngõ 3", "xóm Đông"]
HONOURED = r"(?<!\w)(?:ong|ba|chi|anh|co)\s+(?:an|binh|van an|thi binh)(?!\w)"
PHONES = ["912345678", "987654321", "911222333"]
SUMMARY = "Ông Nguyễn  Văn An (0912.345.678) lấn lối đi của bà tran thi binh, nhà số 5 ngõ 3"
NOTE = "Đã gặp ong Nguyen Van An và chị Bình; SĐT 0987 654 321"
QUESTION = "Ông An (0912 345 678) không chịu ký, bà Trần Thị Bình đòi kiện, tôi nên làm gì?"
ANSWER = "Mời ông Nguyễn Văn An và bà Bình lên UBND xã, gọi trước 0912345678 để hẹn."


def leaks(text: str) -> list[str]:
    folded = fold(text)
    found = [s for s in SECRETS if re.search(r"\s*".join(map(re.escape, fold(s).split())), folded)]
    found += re.findall(HONOURED, folded)
    digits = re.sub(r"[\s.\-()+]", "", text)
    return found + [p for p in PHONES if p in digits]


async def store_text(db: Database) -> str:
    """Every value of every row of every table, read through the key (sealed ones too)."""
    out = []
    async with db.uow() as uow:
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            for row in (await uow.session.scalars(select(cls))).all():
                for attr in mapper.column_attrs:
                    out.append(json.dumps(getattr(row, attr.key), ensure_ascii=False, default=str))
    return "\n".join(out)


async def seed(db: Database, world, engine, now: dt.datetime) -> int:
    """A case as older rows hold it (plain names in summary, note and corrections), then a
    question and an answer through chat, and two drafts: one naming the parties."""
    async with db.uow() as uow:
        author = world.people["hgv_a"]
        case = Case(
            team_id=world.team_a.id,
            unit_path=world.team_a.path,
            year=2026,
            seq=1,
            received_on=dt.date(2026, 3, 1),
            category="dan_su",
            source="yeu_cau",
            parties=PARTIES,
            summary=SUMMARY,
            status=CaseStatus.DANG_HOA_GIAI,
            created_by_id=author.id,
            created_at=now,
            updated_at=now,
            mediators=[CaseMediator(person_id=author.id)],
        )
        uow.session.add(case)
        await uow.session.flush()
        uow.session.add_all(
            [
                CaseEvent(case_id=case.id, at=now, actor_id=author.id, kind="note", text=NOTE),
                CaseEvent(
                    case_id=case.id,
                    at=now,
                    actor_id=author.id,
                    kind="correction",
                    text="sửa tên ông Nguyễn Văn Ann",
                    change={
                        "parties": [["Nguyễn Văn Ann", "Trần Thị Bình"], PARTIES["names"]],
                        "contact": ["0911 222 333", PARTIES["contact"]],
                        "summary": ["Ông Nguyễn Văn Ann lấn lối đi", SUMMARY],
                    },
                ),
            ]
        )
        accounts = {a.external_id: a.id for a in (await uow.session.scalars(select(Account))).all()}
        uow.session.add_all(
            [
                Conversation(
                    account_id=accounts["hgv_a2"],
                    flow="new_case",
                    step="summary",
                    data={"parties": PARTIES["names"], "contact": "0912 345 678"},
                    choices={},
                    expires_at=now + dt.timedelta(days=3),
                    updated_at=now,
                ),
                Conversation(
                    account_id=accounts["hgv_b"],
                    flow="new_case",
                    step="summary",
                    data={"parties": ["Phạm Văn Khác"], "contact": "0933 000 111"},
                    choices={},
                    expires_at=now + dt.timedelta(days=3),
                    updated_at=now,
                ),
            ]
        )
        await uow.commit()
        case_id = case.id
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(f"sp:ask:{case_id}")
    await mediator.send(QUESTION)
    official = Chat(engine, "official")
    await official.payload("sp:ans:1")
    await official.send(ANSWER)
    assert "Đã gửi hướng dẫn" in official.text
    return case_id


async def exports(engine) -> list[tuple[str, str]]:
    """Both exports an official can take, every file in them read as text."""
    found = []
    for full in (False, True):
        chat = Chat(engine, "official")
        await chat.send("/baocao 2026")
        if full:
            await chat.press("Xuất kèm họ tên")
            await chat.press("Tôi cần họ tên")
        else:
            await chat.press("Xuất báo cáo")
        files = [r.file for r in chat.replies if r.file is not None]
        assert len(files) == 2, chat.text
        for f in files:
            if f.filename.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(f.data)) as z:
                    found += [(f"{f.filename}:{n}", z.read(n).decode("utf-8")) for n in z.namelist()]
            else:
                found.append((f.filename, f.data.decode("utf-8-sig")))
    return found


async def screens(engine, case_id: int) -> str:
    seen = []
    for who, payloads in (
        ("hgv_a", [f"case:view:{case_id}", "cmd:hotro"]),
        ("official", [f"case:view:{case_id}", "sp:view:1", "cmd:hotro"]),
    ):
        chat = Chat(engine, who)
        for p in payloads:
            await chat.payload(p)
            seen.append(chat.text)
    return "\n".join(seen)


async def test_the_parties_are_gone_from_store_chat_and_exports(db, world, engine):
    case_id = await seed(db, world, engine, world.team_a.created_at)
    assert set(leaks(await store_text(db))) >= {*SECRETS, *PHONES}  # the scan sees them
    official = Chat(engine, "official")
    await official.payload("sp:view:1")
    assert "T.T.B." in official.text and "Trần Thị Bình" not in official.text  # initials in chat
    await official.payload(f"pv:ask:{case_id}")
    await official.payload(f"pv:anon:{case_id}")
    assert "Đã xóa thông tin các bên" in official.text

    assert leaks(await store_text(db)) == []
    assert leaks(await screens(engine, case_id)) == []
    for name, text in await exports(engine):
        assert leaks(text) == [], name
    official = Chat(engine, "official")
    await official.payload("sp:view:1")
    assert "Bên 2 đòi kiện" in official.text and "[số điện thoại đã xóa]" in official.text
    async with db.uow() as uow:
        drafts = {c.account_id: c for c in (await uow.session.scalars(select(Conversation))).all()}
        kept = [c for c in drafts.values() if c.data.get("parties") == ["Phạm Văn Khác"]]
    assert len(kept) == 1  # a draft about other people is left alone
    named = Chat(engine, "hgv_a2")
    await named.send("tiếp tục")
    assert "quá hạn" in named.text  # the emptied draft ends with the usual notice


async def test_nothing_left_in_the_sqlite_files(tmp_path):
    clock = Clock()
    folder = tmp_path / "data"
    db = Database(f"sqlite+aiosqlite:///{folder}/hoagiai.sqlite3")
    await db.create_all()
    world = await build_world(db)
    engine = make_engine(db, clock)
    case_id = await seed(db, world, engine, clock())
    async with db.uow() as uow:
        case = await uow.session.get(Case, case_id)
        await anonymise_case(uow, case, None, clock(), "official")
        await uow.commit()
    await db.dispose()
    files = [p for p in folder.iterdir() if p.suffix != ".key"]
    assert files
    for path in files:
        assert leaks(path.read_bytes().decode("utf-8", errors="replace")) == [], path.name


async def test_retention_erases_the_same_way_and_expired_drafts_are_emptied(db, world, engine, clock):
    case_id = await seed(db, world, engine, clock())
    async with db.uow() as uow:
        case = await uow.session.get(Case, case_id)
        case.status, case.closed_at = CaseStatus.THANH, clock()
        case.agreement = "An trả lại lối đi cho chi Binh, gọi 0912 345 678"
        await uow.commit()
    clock.advance(days=365 * 5 + 2)
    push = PushClock(db, env(), dispatcher(db, clock, FakeSender()), clock=clock, retention_years=5)
    await push.privacy_job()
    assert leaks(await store_text(db)) == []
    async with db.uow() as uow:
        drafts = (await uow.session.scalars(select(Conversation).where(Conversation.flow.is_not(None)))).all()
        assert [c.data for c in drafts] == [{}, {}]
        assert await privacy_job(uow, clock(), 5) == (0, 0)  # nothing left to do


async def test_expired_drafts_are_emptied_and_live_ones_kept(db, world, engine, clock):
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/vuviec")
    assert mediator.replies  # a case draft has begun
    async with db.uow() as uow:
        account = await uow.session.scalar(select(Account).where(Account.external_id == "hgv_a"))
        conv = await uow.session.get(Conversation, account.id)
        conv.data = {**conv.data, "parties": PARTIES["names"], "contact": "0912 345 678"}
        await uow.commit()
    async with db.uow() as uow:
        assert await privacy_job(uow, clock(), 5) == (0, 0)  # not expired yet: kept
        await uow.commit()
    clock.advance(days=4)
    async with db.uow() as uow:
        assert await privacy_job(uow, clock(), 5) == (0, 1)
        await uow.commit()
    assert leaks(await store_text(db)) == []
    await mediator.send("hello")
    assert "quá hạn" in mediator.text


async def test_the_clock_runs_the_privacy_job_at_start_then_daily(db, clock):
    push = PushClock(db, env(), dispatcher(db, clock, FakeSender()), clock=clock)
    ran = asyncio.Event()

    async def privacy_job() -> None:
        ran.set()

    async def recurring_job() -> None:
        return None

    push.privacy_job, push.recurring_job = privacy_job, recurring_job
    push.start()
    try:
        await asyncio.wait_for(ran.wait(), 10)
        assert push.scheduler.get_job("privacy").trigger.interval == dt.timedelta(days=1)
    finally:
        push.shutdown()

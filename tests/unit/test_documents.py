"""The document library (/tailieu): a province official publishes, everyone under the province
finds and opens, the official sees reach per team and may withdraw. On the console engine
(handlers only), SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.documents.buttons import DocNew, DocOpen, DocReach, DocWithdraw, DocWithdrawSure
from handlers.documents.usecases import Draft, publish
from handlers.kit.core import FileRef, Turn
from handlers.kit.errors import UserError
from handlers.kit.payload import pack
from storage.models import Account, Document, DocumentOpen, Person, Role, UnitKind
from tests.support import Chat, invite_code

pytestmark = pytest.mark.postgresql  # the library's queries and its one-open-per-person insert, on both stores

MANUAL = FileRef("test", "FILE-MANUAL-1", "so-tay-hoa-giai.pdf", "document", 2_400_000)


async def send_file(chat: Chat, file: FileRef | None, caption: str | None = None) -> None:
    await chat._turn(Turn(chat.channel, chat.account, chat.name, text=caption, file=file))


async def add_person(db, key: str, name: str, role: Role, unit_id: int, clock, channel: str = "test") -> Person:
    async with db.uow() as uow:
        person = await uow.people.add(Person(full_name=name, role=role, unit_id=unit_id, sex="nu", created_at=clock()))
        uow.session.add(
            Account(channel=channel, external_id=key, person_id=person.id, display_name=name, last_seen_at=clock())
        )
        await uow.commit()
        return person


async def link(db, person: Person, channel: str, key: str, clock) -> None:
    async with db.uow() as uow:
        uow.session.add(
            Account(channel=channel, external_id=key, person_id=person.id, display_name=key, last_seen_at=clock())
        )
        await uow.commit()


@pytest.fixture
async def province_official(db, world, clock) -> Person:
    return await add_person(db, "prov", "Cán Bộ Sở", Role.CAN_BO, world.province.id, clock)


async def publish_manual(engine, file: FileRef = MANUAL, channel: str = "test") -> Chat:
    official = Chat(engine, "prov", channel=channel)
    await official.send("/tailieu")
    assert "Thư viện chưa có tài liệu nào" in official.text
    await official.press("Đăng tài liệu")
    assert "gửi tệp tài liệu" in official.text
    await send_file(official, file)
    assert "Tên tài liệu?" in official.text
    await official.send("Biểu mẫu sổ theo dõi hoạt động hòa giải ở cơ sở")
    await official.press("Biểu mẫu")
    assert "Mọi người thuộc Tỉnh A" in official.text and "so-tay-hoa-giai.pdf" in official.text
    await official.press("Đăng")
    assert "Đã đăng «Biểu mẫu sổ theo dõi hoạt động hòa giải ở cơ sở» cho mọi người thuộc Tỉnh A" in official.text
    return official


async def test_commune_mediator_finds_it_by_topic_and_by_title_without_diacritics(db, world, engine, province_official):
    await publish_manual(engine)
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/tailieu")
    assert "1 tài liệu" in mediator.text
    await mediator.press("Theo chủ đề")
    await mediator.press("Biểu mẫu")
    assert "Biểu mẫu: 1 tài liệu" in mediator.text
    await mediator.press("Biểu mẫu sổ theo dõi")
    reply = mediator.replies[-1]
    assert reply.file is not None and reply.file.filename == "so-tay-hoa-giai.pdf"
    assert reply.file.ref == "test:FILE-MANUAL-1"
    assert "📄 Biểu mẫu sổ theo dõi hoạt động hòa giải ở cơ sở\nBiểu mẫu · đăng ngày 22/11/2026" in reply.text

    await mediator.send("/tailieu so theo doi HOA GIAI")
    assert "1 tài liệu" in mediator.text
    await mediator.press("Biểu mẫu sổ theo dõi")
    assert mediator.replies[-1].file is not None
    await mediator.send("/tailieu")
    await mediator.press("Tìm theo tên")
    await mediator.send("bieu mau")
    assert "«bieu mau»: 1 tài liệu" in mediator.text
    await mediator.send("/tailieu hợp đồng")
    assert "Không có tài liệu nào có «hop dong»" in mediator.text

    ward_official = Chat(engine, "official")  # an official below sees it too, and cannot withdraw it
    await ward_official.send("/tailieu bieu mau")
    assert "1 tài liệu" in ward_official.text
    await ward_official.payload(pack(DocWithdraw(1)))
    assert "tài liệu do chính mình đăng" in ward_official.text


async def test_people_who_join_later_see_it_and_another_province_does_not(db, world, engine, clock, province_official):
    await publish_manual(engine)
    clock.advance(days=30)
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_b, now=clock())
    newcomer = Chat(engine, "new1", name="Người Mới")
    await newcomer.send(f"/start {code}")
    await newcomer.press("Dùng tên")
    await newcomer.press("Nam")
    await newcomer.press("Không")
    await newcomer.send("/tailieu")
    assert "1 tài liệu" in newcomer.text
    await newcomer.press("Biểu mẫu sổ theo dõi")
    assert newcomer.replies[-1].file is not None

    async with db.uow() as uow:
        other = await uow.units.get(world.other_province.id)
        commune = await uow.units.add(UnitKind.XA, "Xã E", other, clock())
        team = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải E", commune, clock())
        await uow.commit()
    await add_person(db, "hgv_other", "Hòa Giải Tỉnh C", Role.HOA_GIAI_VIEN, team.id, clock)
    outsider = Chat(engine, "hgv_other")
    await outsider.send("/tailieu")
    assert "Thư viện chưa có tài liệu nào" in outsider.text
    await outsider.send("/tailieu bieu mau")
    assert "Không có tài liệu nào" in outsider.text
    await outsider.payload(pack(DocOpen(1)))  # a forwarded button
    assert "Không tìm thấy tài liệu này" in outsider.text and outsider.replies[-1].file is None


async def test_a_mediator_cannot_publish(db, world, engine, clock):
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/tailieu")
    assert not [b for b in mediator.replies[-1].choices() if "Đăng" in b.label]
    await mediator.payload(pack(DocNew()))
    assert "không dành cho vai trò" in mediator.text
    async with db.uow() as uow:
        person = await uow.people.get(world.people["hgv_a"].id)
        with pytest.raises(UserError) as err:
            await publish(uow, person, Draft({**MANUAL.__dict__}, "Tài liệu", "bieu_mau"), clock())
        assert err.value.key == "doc.officials_only"
        assert await uow.session.scalar(select(func.count(Document.id))) == 0


async def test_reach_per_team_counts_each_person_once(db, world, engine, province_official):
    official = await publish_manual(engine)
    for key in ("hgv_a", "hgv_a", "hgv_a2"):
        await Chat(engine, key).payload(pack(DocOpen(1)))
    await official.payload(pack(DocOpen(1)))  # the publisher's own opens are not reach
    await official.press("Ai đã mở")
    assert "2/5 người đã mở" in official.text  # leader_a, hgv_a, hgv_a2, hgv_b, the ward official
    assert "• Tổ hòa giải 1: 2/3" in official.text
    assert "Chưa ai mở: Phường B, Tổ hòa giải 2" in official.text
    async with db.uow() as uow:
        opens = (await uow.session.execute(select(DocumentOpen.person_id))).scalars().all()
    assert sorted(opens) == sorted([world.people["hgv_a"].id, world.people["hgv_a2"].id])
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(pack(DocReach(1)))
    assert "không dành cho vai trò" in mediator.text


async def test_withdraw_hides_it(db, world, engine, province_official):
    official = await publish_manual(engine)
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/tailieu")
    old = mediator.button("Biểu mẫu sổ theo dõi")
    await official.send("/tailieu")
    await official.press("Tài liệu tôi đã đăng")
    await official.press("Biểu mẫu sổ theo dõi")
    await official.press("Gỡ tài liệu")
    assert "Gỡ «Biểu mẫu sổ theo dõi hoạt động hòa giải ở cơ sở» khỏi thư viện?" in official.text
    await official.press("🗑 Gỡ")
    assert "Đã gỡ" in official.text
    await mediator.send("/tailieu")
    assert "Thư viện chưa có tài liệu nào" in mediator.text
    await mediator.payload(old.payload)
    assert "Không tìm thấy tài liệu này" in mediator.text and mediator.replies[-1].file is None
    await official.payload(pack(DocWithdrawSure(1)))  # twice
    assert "tài liệu do chính mình đăng" in official.text


async def test_hostile_input_while_publishing(db, world, engine, province_official):
    official = Chat(engine, "prov")
    await official.payload(pack(DocNew()))
    await official.send("đây là tài liệu")  # words, not a file
    assert "Tôi cần chính tệp tài liệu" in official.text and "gửi tệp tài liệu" in official.text
    await send_file(official, FileRef("test", "X1", "setup.exe", "document", 1000))
    assert "Tệp này không đăng được" in official.text
    await send_file(official, FileRef("test", "X2", "video.pdf", "document", 50 * 1024 * 1024))
    assert "Tệp này không đăng được" in official.text
    await send_file(official, None)  # a sticker: neither text nor file
    assert "gửi tệp tài liệu" in official.text
    await send_file(official, MANUAL, caption="Sổ tay " * 40)  # a caption too long for a title
    assert "Tên tài liệu dài quá (279 ký tự, tối đa 120)" in official.text
    await official.send("x" * 121)
    assert "dài quá (121 ký tự" in official.text
    await official.send("!!! ... ???")
    assert "cần có chữ hoặc số" in official.text
    await official.send("\u200b\u202e")
    assert "Tin nhắn trống" in official.text
    await official.send("Sổ tay\u202e hòa giải\x00 viên\u200b\t2026")
    await official.send("1")  # numbered choice: the first topic
    await official.press("Đăng")
    async with db.uow() as uow:
        doc = await uow.session.scalar(select(Document))
        stored = await uow.documents.file(doc)
    assert doc.title == "Sổ tay hòa giải viên 2026" and doc.title_folded == "so tay hoa giai vien 2026"
    assert doc.topic == "tap_huan" and stored.ref == "test:FILE-MANUAL-1"


async def test_a_file_kept_on_telegram_is_not_sent_on_zalo_or_the_console(db, world, engine, clock, province_official):
    await link(db, province_official, "telegram", "prov", clock)
    await publish_manual(
        engine, FileRef("telegram", "BQACAgIAAxk", "so-tay-hoa-giai.pdf", "document", 900), channel="telegram"
    )
    await link(db, world.people["hgv_a"], "zalo", "hgv_a_zalo", clock)
    await link(db, world.people["hgv_a"], "console", "hgv", clock)
    for channel, key in (("zalo", "hgv_a_zalo"), ("console", "hgv")):
        mediator = Chat(engine, key, channel=channel)
        await mediator.send("/tailieu")
        await mediator.send("1")  # the first document, by its number
        assert mediator.replies[-1].file is None
        assert "được đăng qua Telegram nên chỉ gửi được trên Telegram" in mediator.text
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(DocumentOpen)) == 0
    on_telegram = Chat(engine, "hgv_a_tg", channel="telegram")
    await link(db, world.people["hgv_a"], "telegram", "hgv_a_tg", clock)
    await on_telegram.payload(pack(DocOpen(1)))
    assert on_telegram.replies[-1].file.ref == "telegram:BQACAgIAAxk"


async def test_latest_first_a_page_at_a_time(db, world, engine, clock, province_official):
    async with db.uow() as uow:
        person = await uow.people.get(province_official.id)
        for i in range(10):
            clock.advance(minutes=1)
            await publish(uow, person, Draft({**MANUAL.__dict__}, f"Tài liệu số {i:02d}", "huong_dan"), clock())
        await uow.commit()
    mediator = Chat(engine, "hgv_b")
    await mediator.send("/tailieu")
    labels = [b.label for b in mediator.replies[-1].choices()]
    assert labels[0].startswith("📄 Tài liệu số 09") and labels[7].startswith("📄 Tài liệu số 02")
    assert "(1–8 trên 10)" in mediator.text
    await mediator.press("Xem thêm")
    assert "(9–10 trên 10)" in mediator.text
    assert mediator.replies[-1].choices()[0].label.startswith("📄 Tài liệu số 01")


async def test_telegram_sends_a_kept_file_on_by_its_file_id(db, world, engine):
    """A document opened on Telegram goes as the file_id Telegram gave the official's upload."""
    from bot.channels.telegram import TelegramChannel
    from handlers.common.outbox import StoredFile
    from handlers.kit.core import Reply
    from tests.fakes.fake_request import FakeRequest

    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        kept = StoredFile("so-tay.pdf", b"", "document", "telegram:BQACAgIAAxk")
        await channel.send(app.bot, 555001, [Reply("📄 Sổ tay hòa giải", file=kept)])
    assert [m["document"] for m in request.sent("sendDocument")] == ["BQACAgIAAxk"]
    assert request.files == [] and request.rejected == []

"""Plain words understood before the legal Q&A: requests lead to their command, greetings
and thanks are answered, yes/no shorthand picks Có or Không, a number outside the choices
is told so; legal questions still reach the Q&A."""

from __future__ import annotations

import pytest

from handlers.intents.views import _matches, _strip_polite
from handlers.kit.text import answer_word, fold
from tests.support import Chat


@pytest.fixture
def store_url():
    return "sqlite+aiosqlite://"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ghi vu viec", "Ngày tiếp nhận vụ việc"),
        ("Ghi vụ việc", "Ngày tiếp nhận vụ việc"),
        ("tôi muốn ghi vụ việc mới ạ", "Ngày tiếp nhận vụ việc"),
        ("ghivuviec", "Ngày tiếp nhận vụ việc"),
        ("ghi vu vjec", "Ngày tiếp nhận vụ việc"),
        ("xem vụ việc của tôi", "Chưa có vụ việc nào"),
        ("thong kee", "Các vụ việc bạn tham gia"),
        ("hướng dẫn", "Các lệnh bạn dùng được"),
    ],
)
async def test_requests_lead_to_their_command(db, world, engine, typed, expected):
    chat = Chat(engine, "hgv_a")
    await chat.send(typed)
    assert expected in chat.text


@pytest.mark.parametrize("typed", ["xin chào", "Chào bạn!", "alo", "hello"])
async def test_greetings_are_answered_with_the_menu(db, world, engine, typed):
    chat = Chat(engine, "hgv_a")
    await chat.send(typed)
    assert chat.text.startswith("Chào bạn!") and chat.replies[-1].choices()


@pytest.mark.parametrize("typed", ["cảm ơn", "cam on nhieu nhe", "thanks"])
async def test_thanks_are_answered(db, world, engine, typed):
    chat = Chat(engine, "hgv_a")
    await chat.send(typed)
    assert "Không có gì" in chat.text and "menu" in chat.text


async def test_legal_questions_still_reach_the_qa(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("ghi sổ theo dõi như thế nào")
    assert "Sổ theo dõi" in chat.text and "Điều 21" in chat.text
    await chat.send("xin chào, cho tôi hỏi thù lao hòa giải viên bao nhiêu")
    assert "300.000" in chat.text


async def test_a_number_outside_the_choices_is_told_so(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("menu")
    count = len(chat.replies[-1].choices())
    await chat.send(str(count + 5))
    assert f"Không có số {count + 5} trong danh sách" in chat.text
    assert len(chat.replies[-1].choices()) == count  # the same choices, again
    await chat.send("1")
    assert "Không có số" not in chat.replies[-1].text
    chat.replies = []
    await chat.send("cam on")
    await chat.send("42")
    assert "Số 42 không ứng với lựa chọn nào" in chat.text and "menu" in chat.text


def test_yes_no_shorthand_picks_the_offered_answer():
    labels = [fold("Có"), fold("Không")]
    for typed in ("ko", "k", "hong", "khg"):
        assert answer_word(typed, labels) == "khong"
    for typed in ("u", "uh", "vang", "ok"):
        assert answer_word(fold(typed), labels) == "co"
    assert answer_word("ko", [fold("Hôm nay")]) == "ko"  # no yes/no on screen: unchanged


def test_polite_words_are_set_aside_but_not_the_request():
    assert _strip_polite("toi muon ghi vu viec a".split()) == ["ghi", "vu", "viec"]
    assert _strip_polite(["giup"]) == ["giup"]
    assert not _matches("ghi so theo doi nhu the nao".split(), ("ghi vu viec", "ghi vao so"))


@pytest.mark.parametrize(
    ("typed", "ethnic"),
    [("ko", False), ("k", False), ("hong", False), ("hông", False), ("co", True), ("ừ", True), ("uh", True)],
)
async def test_a_yes_no_question_takes_shorthand(db, world, engine, typed, ethnic):
    from sqlalchemy import select

    from storage.models import Person

    official = Chat(engine, "official")
    await official.send("/tohoagiai")
    await official.press("Tổ hòa giải 2")
    await official.press("Thêm hòa giải viên")
    await official.send("Lò Văn Sáu")
    await official.press("Nam")
    await official.send(typed)
    assert "Đã thêm Lò Văn Sáu vào Tổ hòa giải 2" in official.text
    async with db.uow() as uow:
        people = await uow.session.scalars(select(Person))
        sau = next(p for p in people if p.full_name == "Lò Văn Sáu")
    assert sau.ethnic_minority is ethnic


@pytest.mark.parametrize("typed", ["asdfgh qwerty", "???", "cái đó là sao", "🙂"])
async def test_whatever_is_not_understood_shows_the_way_to_the_menu(db, world, engine, typed):
    chat = Chat(engine, "hgv_a")
    await chat.send(typed)
    assert "menu" in chat.replies[-1].text

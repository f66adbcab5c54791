"""Plain words understood before the legal Q&A reads them: «ghi vụ việc», «vụ việc của tôi»,
«thống kê», «báo cáo», «tập huấn», «hạn báo cáo», «nhắc nhở», «menu», «giúp», greetings
and thanks, with or without diacritics, typed together or with one typo in a word.

A message is taken for a request only when, once polite words are set aside («tôi muốn»,
«cho tôi», «giúp», «ạ», «nhé»…), nothing but the request is left: «ghi sổ theo dõi như thế
nào» stays a legal question. A number outside the choices on screen is told so. On a
yes/no question, «ko», «k», «hông» are read as Không and «ừ», «uh», «vâng» as Có
(`answer_word` in handlers/kit/text.py, used by the engine where a typed word picks a button).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from handlers.kit.core import Button, Ctx, Reply
from handlers.kit.registry import Slice
from handlers.kit.text import fold
from handlers.qa.repair import damerau1

if TYPE_CHECKING:
    from handlers.kit.engine import Engine

MAX_WORDS = 8
_NUMBER = re.compile(r"\d{1,3}")  # a typed choice number (Zalo, console)
# command → the folded phrases that ask for it
REQUESTS: dict[str, tuple[str, ...]] = {
    "vuviec": (
        "ghi vu viec",
        "ghi vu viec moi",
        "them vu viec",
        "nhap vu viec",
        "tao vu viec",
        "vu viec moi",
        "ghi so vu viec",
        "ghi vao so",
        "khai bao vu viec",
        "ghi vu hoa giai",
    ),
    "cuatoi": (
        "vu viec cua toi",
        "xem vu viec",
        "danh sach vu viec",
        "cac vu viec cua toi",
        "vu viec da ghi",
        "viec cua toi",
        "vu cua toi",
    ),
    "thongke": ("thong ke", "xem thong ke", "so lieu", "xem so lieu", "dem vu viec"),
    "baocao": ("bao cao", "xuat bao cao", "lam bao cao", "lap bao cao", "tai bao cao"),
    "taphuan": ("tap huan", "lich tap huan", "lop tap huan", "xem tap huan"),
    "hanbaocao": ("han bao cao", "thoi han bao cao", "han nop bao cao", "lich nop bao cao"),
    "nhacnho": ("nhac nho", "nhac viec", "dat nhac nho", "xem nhac nho", "loi nhac"),
    "hoidap": ("hoi dap", "hoi luat", "hoi phap luat", "tra cuu luat", "hoi dap phap luat"),
    "menu": ("menu", "danh muc", "chuc nang", "mo menu", "xem menu", "trang chu"),
    "help": ("giup", "giup do", "huong dan", "tro giup", "help", "cach dung", "huong dan su dung"),
}
GREETINGS = (
    "xin chao",
    "chao",
    "chao ban",
    "chao bot",
    "hello",
    "hi",
    "alo",
    "a lo",
    "chao buoi sang",
    "chao buoi chieu",
    "chao em",
    "chao anh",
    "chao chi",
    "chao bac",
)
THANKS = (
    "cam on",
    "cam on ban",
    "cam on nhieu",
    "thanks",
    "thank you",
    "tks",
    "ok cam on",
    "cam on nhe",
    "cam on bot",
    "xin cam on",
    "cam on a",
)
POLITE = (
    "toi muon",
    "toi can",
    "cho toi",
    "minh muon",
    "em muon",
    "anh muon",
    "chi muon",
    "bac muon",
    "giup toi",
    "giup minh",
    "vui long",
    "lam on",
    "xin",
    "muon",
    "a",
    "nhe",
    "nha",
    "voi",
    "di",
    "oi",
    "bot",
    "xem",
    "mo",
)


class Intents:
    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    def slice(self) -> Slice:
        return Slice(free_text=self.free_text)

    async def free_text(self, ctx: Ctx, text: str) -> list[Reply] | None:
        if _NUMBER.fullmatch(text.strip()):
            return [self._number(ctx, int(text.strip()))]
        words = fold(text).split()
        if not words or len(words) > MAX_WORDS:
            return None
        engine = self._engine()
        asked = _strip_polite(words)
        if _matches(words, GREETINGS) or _matches(asked, GREETINGS):
            return [ctx.say("intent.hello"), *await engine.run_command(ctx, "menu", "")]
        if _matches(words, THANKS) or _matches(asked, THANKS):
            return [ctx.say("intent.thanks")]
        for command, phrases in REQUESTS.items():
            if asked and _matches(asked, phrases) and command in engine.commands:
                return await engine.run_command(ctx, command, "")
        return None

    @staticmethod
    def _number(ctx: Ctx, number: int) -> Reply:
        """A typed number that picks nothing on screen: say so, and show the choices again."""
        payloads = ctx.conv.choices.get("payloads") or []
        labels = ctx.conv.choices.get("labels") or []
        if not payloads:
            return ctx.say("intent.number_no_choices", number=number)
        buttons = [[Button(lab, pay)] for lab, pay in zip(labels, payloads, strict=False)]
        return ctx.say("intent.number_out_of_range", buttons, number=number, count=len(payloads))


def _strip_polite(words: list[str]) -> list[str]:
    """The words left once polite openings and endings are set aside."""
    words = list(words)
    changed = True
    while changed and words:
        changed = False
        for phrase in sorted(POLITE, key=len, reverse=True):
            parts = phrase.split()
            if words[: len(parts)] == parts and len(words) > len(parts):
                words, changed = words[len(parts) :], True
            elif words[-len(parts) :] == parts and len(words) > len(parts):
                words, changed = words[: -len(parts)], True
    return words


def _matches(words: list[str], phrases: tuple[str, ...]) -> bool:
    """The words are one of the phrases: exactly, typed together, or one typo per word."""
    compact = "".join(words)
    for phrase in phrases:
        parts = phrase.split()
        joined = "".join(parts)
        if compact == joined or (len(joined) >= 6 and damerau1(compact, joined)):
            return True
        if len(parts) == len(words) and all(
            w == p or (len(p) >= 4 and damerau1(w, p)) for w, p in zip(words, parts, strict=True)
        ):
            return True
    return False

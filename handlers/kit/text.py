"""Cleaning what users type: NFC, no control characters, folded for matching.

`clean` is the one cleaning for every name and text, whatever its path in (typed in chat, a
profile name, the CLI, a CSV import) and out (spreadsheet cells): it drops control
characters, direction controls, zero-width and other invisible format characters, lone
surrogates and non-characters, and caps a flood of combining marks and, when asked, the length.
"""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT = 2000
MAX_NAME = 80  # a person's name
MAX_LINE = 200  # a one-line name or title: a unit, a training, a place

_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
# C0/C1 controls but the newline, every format character (Cf: bidi controls, zero-width
# characters, BOM, soft hyphen, tags…), invisible fillers, lone surrogates, non-characters.
_HIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\ud800-\udfff" + _NONCHARACTERS + "]"
)
_FILLERS = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0]")  # printable, yet invisible
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_FLOOD = re.compile(f"([{_MARKS}]{{2}})[{_MARKS}]+")


def clean(text: str, limit: int | None = None) -> str:
    """NFC, no control, direction, invisible or non-characters, trimmed; newlines kept,
    tabs become spaces; cut to `limit` characters when given."""
    if not text.isprintable() or _FILLERS.search(text):  # the common case needs no work
        text = _HIDDEN.sub("", _LINE_BREAK.sub("\n", text.replace("\t", " ")))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _MARK_FLOOD.sub(r"\1", text).strip()
    return text if limit is None or len(text) <= limit else text[:limit].rstrip()


def clean_name(text: str, limit: int = MAX_NAME) -> str:
    """A name or a title: cleaned, on one line with single spaces, at most `limit` characters."""
    return one_line(clean(text))[:limit].rstrip()


def one_line(text: str) -> str:
    return " ".join(text.split())


def strip_marks(text: str) -> str:
    """Case-fold and strip every diacritic, đ → d: "Hòa Giải ĐƯỢC" → "hoa giai duoc"."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d").replace("ð", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Case- and diacritic-insensitive words without punctuation, for matching typed options."""
    return " ".join(re.sub(r"[^\w\s]", " ", strip_marks(text)).split())


def shorten(text: str, limit: int) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# On a yes/no question, the shorthands people type for Không and Có (folded).
NO_WORDS = ("ko", "k", "kg", "khg", "hok", "hong", "hem", "khong a", "ko a", "thoi", "khong co")
YES_WORDS = ("u", "uh", "um", "o", "vang", "da", "co a", "ok", "oke", "okay", "yes", "dung roi")


def answer_word(typed: str, labels: list[str]) -> str:
    """A folded yes/no shorthand read as the label it means, when that label is offered."""
    for word, meant in (*((w, "khong") for w in NO_WORDS), *((w, "co") for w in YES_WORDS)):
        if typed == word and meant in labels:
            return meant
    return typed

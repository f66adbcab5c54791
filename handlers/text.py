"""Cleaning what users type: NFC, no control characters, folded for matching."""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str) -> str:
    """NFC, no control or direction characters, trimmed; newlines kept."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text).strip()


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

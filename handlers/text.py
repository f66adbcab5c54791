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


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form (đ → d), for matching typed words."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    stripped = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[^\w\s]", " ", stripped).split())


def shorten(text: str, limit: int) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

"""Finding the parties and phone numbers in plain text (for handlers/common/parties.py, which keeps
them as references): folding, honorifics, the rules for a name, its last words and a phone.

A party's full name (two words or more) is found anywhere, whatever its case, diacritics or
spacing; its last words only after an honorific («ông An», «chi Binh») or written with a
capital and not inside a longer proper noun («… cho Bình», not «Hòa Bình»); a one-word
name the same way. A word counts when typed as the name spells it or without diacritics at
all («Binh» is Bình, «Bính» is not). Addresses of two words or more are found like names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

HONORIFICS = {h: h for h in ("anh", "em")} | {
    "ong": "ông",
    "ba": "bà",
    "chi": "chị",
    "co": "cô",
    "chu": "chú",
    "bac": "bác",
    "chau": "cháu",
    "cu": "cụ",
    "di": "dì",
    "cau": "cậu",
    "mo": "mợ",
    "thim": "thím",
    "be": "bé",
}
WORD = re.compile(r"\w+")
_NAME_GAP = r"[\s'’‘`\-]*"
_ADDRESS_GAP = r"[\s,.;:/\-]*"
_SEP = r"[\s.\-()\u2010-\u2015]{0,3}"
# after the 0 (or +84): landlines 02x + 8 digits (and old mobiles 01x), mobiles 03…09 + 8 digits
_NSN = rf"(?:[12](?:{_SEP}\d){{9}}|[3-9](?:{_SEP}\d){{8}})"
_PREFIX = rf"(?:\(?(?:(?:\+|00){_SEP})?84\)?{_SEP}(?:0{_SEP})?|\(?0{_SEP})"
_PHONE = re.compile(rf"(?<!\d){_PREFIX}{_NSN}(?!\d)")


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    phone: str = ""
    aliases: tuple[str, ...] = ()  # earlier spellings of the name (corrections): recognised too


@dataclass(frozen=True)
class Roster:
    parties: tuple[Party, ...]
    phones: tuple[str, ...] = ()
    erased: bool = False
    contact: str = ""  # the parties' contact, as typed (older cases: phones and addresses)


@dataclass(frozen=True)
class Ref:
    """A mention of one party (or of several sharing the words): the full name, its last k
    words, or the address."""

    who: tuple[int, ...]
    k: int | None = None
    address: bool = False


@dataclass(frozen=True)
class Phone:
    index: int | None = None  # into the sealed phones, from 1
    raw: str = ""  # as typed, not yet sealed


# --- folding: case, diacritics, zero-width characters, any script's digits -----------------
@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    if c.isdigit() and unicodedata.decimal(c, None) is not None:
        return str(unicodedata.decimal(c))
    if unicodedata.category(c) == "Cf":
        return ""
    bare = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
    return bare.lower()


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the one it came from."""
    out, origin = [], []
    for i, c in enumerate(text):
        for f in _fold_char(c):
            out.append(f)
            origin.append(i)
    return "".join(out), origin


def fold(text: str) -> str:
    return _fold(text)[0]


# --- recognising -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Word:
    start: int  # in the folded text
    end: int
    folded: str
    typed: str

    def capital(self) -> bool:
        return self.typed[:1].isupper()

    def like(self, spelled: str) -> bool:
        """Typed as spelled, or without any diacritics (a phone with no Vietnamese keyboard)."""
        return self.typed.lower() == spelled.lower() or self.typed.lower() == self.folded

    def honorific(self) -> bool:
        return self.folded in HONORIFICS and self.like(HONORIFICS[self.folded])


@dataclass(frozen=True)
class _Form:
    who: int
    words: tuple[str, ...]  # as spelled
    folded: tuple[str, ...]


def _forms(r: Roster) -> list[_Form]:
    forms = []
    for i, p in enumerate(r.parties, 1):
        for name in (p.name, *p.aliases):
            words = tuple(WORD.findall(name))
            if words:
                forms.append(_Form(i, words, tuple(fold(w) for w in words)))
    return forms


@lru_cache(maxsize=256)
def _full(tokens: tuple[str, ...], gap: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + gap.join(map(re.escape, tokens)) + r"(?!\w)")


def _all(pattern: re.Pattern[str], text: str):
    """Every match, overlapping ones too (one hidden inside a skipped one would survive)."""
    at = 0
    while (m := pattern.search(text, at)) is not None:
        yield m
        at = m.start() + 1


def _suffix(words: list[_Word], at: int, k: int, forms: list[_Form], gaps: list[str]) -> tuple[int, ...]:
    """The parties whose name ends with the k words from `at` (proper ends; one-word names)."""
    if at + k > len(words) or any(not re.fullmatch(_NAME_GAP, gaps[j]) for j in range(at + 1, at + k)):
        return ()
    typed = words[at : at + k]
    who = {
        f.who
        for f in forms
        if (k < len(f.words) or len(f.words) == 1)
        and len(f.words) >= k
        and f.folded[-k:] == tuple(w.folded for w in typed)
        and all(w.like(s) for w, s in zip(typed, f.words[-k:], strict=True))
    }
    return tuple(sorted(who))


def _candidates(folded: str, typed: str, origin: list[int], r: Roster):
    forms = _forms(r)
    for m in _all(_PHONE, folded):
        yield m.start(), m.end(), Phone()
    for f in forms:
        if len(f.words) > 1:
            for m in _all(_full(f.folded, _NAME_GAP), folded):
                yield m.start(), m.end(), Ref((f.who,))
    for i, p in enumerate(r.parties, 1):
        tokens = tuple(WORD.findall(fold(p.address)))
        if len(tokens) > 1:
            for m in _all(_full(tokens, _ADDRESS_GAP), folded):
                yield m.start(), m.end(), Ref((i,), address=True)
    if not forms:
        return
    longest = max(len(f.words) for f in forms)
    words = [
        _Word(m.start(), m.end(), m.group(), typed[origin[m.start()] : origin[m.end() - 1] + 1])
        for m in WORD.finditer(folded)
    ]
    gaps = [""] + [folded[words[j - 1].end : words[j].start] for j in range(1, len(words))]
    for at, word in enumerate(words):
        after_honorific = at > 0 and gaps[at].isspace() and words[at - 1].honorific()
        if not (after_honorific or word.capital()):
            continue
        for k in range(min(longest, len(words) - at), 0, -1):
            who = _suffix(words, at, k, forms, gaps)
            if not who:
                continue
            if after_honorific or _alone(words, gaps, at, k):
                yield word.start, words[at + k - 1].end, Ref(who, k)
            break


def _alone(words: list[_Word], gaps: list[str], at: int, k: int) -> bool:
    """Capitalised words naming a party, not part of a longer proper noun («Hòa Bình»)."""
    if not all(w.capital() for w in words[at : at + k]):
        return False
    before = at > 0 and gaps[at].isspace() and words[at - 1].capital()
    end = at + k
    after = end < len(words) and gaps[end].isspace() and words[end].capital()
    return not before and not after


def segments(text: str, r: Roster) -> list[str | Ref | Phone]:
    """Plain text cut into text and mentions of the parties or of phones."""
    folded, origin = _fold(text)
    chosen, last = [], -1
    found = sorted(_candidates(folded, text, origin, r), key=lambda c: (c[0], -c[1]))
    for start, end, what in found:
        if start >= last:
            chosen.append((start, end, what))
            last = end
    out: list[str | Ref | Phone] = []
    at = 0
    for start, end, what in chosen:
        a, b = origin[start], origin[end - 1] + 1
        while b < len(text) and not _fold_char(text[b]):
            b += 1  # marks and invisible characters that belong to the last letter
        out += [text[at:a], Phone(raw=text[a:b]) if isinstance(what, Phone) else what]
        at = b
    out.append(text[at:])
    return [s for s in out if s != ""]

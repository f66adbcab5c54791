"""The parties in free text: recognised, kept as references, shown as each viewer may see them.

Summaries, agreements, notes, the parties' requests, help requests and answers are stored in
a *stored form* where the parties never appear. A party's name (with or without diacritics,
any case or spacing), its last words after an honorific («ông An», «chi Binh») or written
with a capital («… cho Bình»), a party's address, and every Vietnamese phone number
(0xxxxxxxxx, +84…, with spaces, dots or dashes) become markers:

    ⟪2⟫   party 2's full name        ⟪2.1⟫  its last word («bà ⟪2.1⟫»); ⟪1|2.1⟫ when both end so
    ⟪2a⟫  party 2's address          ⟪t3⟫   phone 3 of the sealed list `phones`

Marker brackets typed by a user become « ». Rendering puts back, per viewer: the names (the
team), initials (officials, default exports), or «Bên 2», «[số điện thoại đã xóa]» once the
parties are erased (wording: content/messages/parties.toml).

API (pure: no store, no SQLAlchemy):
    encode(text, parties) -> Encoded(text, phones)  typed text → stored form, + phones to seal
    keep(sealed, text) -> (stored, sealed)          the same for a case (phones in sealed["phones"])
    recode(stored, parties) -> Encoded              stored or older plain text → stored form
    render(stored, parties, mode=INITIALS, t=None)  stored (or older plain) text → what is shown
    labels(parties, mode, t=None) -> list[str]      the parties themselves, as `mode` shows them
    mentions(text, parties) -> bool                 whether a text names a party or has a phone
    erased(sealed) -> dict; is_erased(parties); initials(name); fold(text)

`parties` is a case's sealed value — {"names": [...], "addresses": [...], "phones": [...], …}
or {"parties": [{"name", "address", "phone"}, …]} — or a plain list of names or such dicts.
Markers count parties from 1 in list order: append to the list, never reorder it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.common.party_mentions import WORD, Party, Phone, Ref, Roster, fold, segments

__all__ = [
    "ERASED",
    "ERASED_MARK",
    "INITIALS",
    "NAMES",
    "PHONES",
    "Encoded",
    "Roster",
    "deep",
    "encode",
    "erased",
    "fold",
    "initials",
    "is_erased",
    "keep",
    "labels",
    "mentions",
    "recode",
    "render",
    "roster",
]

NAMES, INITIALS, ERASED = "names", "initials", "erased"
PHONES = "phones"  # key of the sealed parties value: phones found in the case's free text
ERASED_MARK = "anonymised"
KEEP_WHEN_ERASED = ("requests", "place")  # free text of the sealed value kept, in stored form
_ESCAPE = str.maketrans({"⟪": "«", "⟫": "»"})
_MARK = re.compile(r"⟪(?:t(\d{1,5})|(\d{1,3}(?:\|\d{1,3})*)(?:\.(\d{1,2})|(a))?)⟫")


@dataclass(frozen=True)
class Encoded:
    text: str
    phones: list[str]


# --- the parties -------------------------------------------------------------------------
def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFC", value).translate(_ESCAPE).strip()


def roster(parties: Any) -> Roster:
    """Whatever shape the parties come in (see the module's docstring), as one Roster; an
    "aliases" list (one list of earlier spellings per party) is recognised as them too."""
    if isinstance(parties, Roster):
        return parties
    addresses: list[Any]
    aliases: list[Any]
    entries, addresses, aliases, phones, gone, contact = parties, [], [], [], False, ""
    if isinstance(parties, Mapping):
        contact = _text(parties.get("contact"))
        gone = bool(parties.get(ERASED_MARK))
        entries = parties.get("names") if "names" in parties else parties.get("parties")
        addresses, aliases = parties.get("addresses") or [], parties.get("aliases") or []
        phones = [_text(p) for p in parties.get(PHONES) or [] if isinstance(p, str)]
    found = []
    for i, entry in enumerate(entries if isinstance(entries, list | tuple) else []):
        item = entry if isinstance(entry, Mapping) else {"name": entry}
        extra = aliases[i] if i < len(aliases) and isinstance(aliases[i], list | tuple) else ()
        address = item.get("address") or (addresses[i] if i < len(addresses) else "")
        found.append(
            Party("", "", "")
            if gone
            else Party(
                _text(item.get("name")),
                _text(address),
                _text(item.get("phone")),
                tuple(a for a in map(_text, extra) if a),
            )
        )
    return Roster(tuple(found), () if gone else tuple(phones), gone, "" if gone else contact)


def is_erased(parties: Any) -> bool:
    return roster(parties).erased


def initials(name: str) -> str:
    return "".join(part[0].upper() + "." for part in name.split() if part[0].isalpha()) or "…"


def erased(sealed: Any) -> dict[str, Any]:
    """The sealed value once the parties are erased: how many there were, and the free text
    of the value (the parties' requests, the place) in stored form; nothing that names them."""
    r = roster(sealed)
    if r.erased:
        return dict(sealed)
    count = max(len(r.parties), 1)
    out: dict[str, Any] = {"names": [f"#{i}" for i in range(1, count + 1)], "contact": "", ERASED_MARK: True}
    if isinstance(sealed, Mapping):
        for key in KEEP_WHEN_ERASED:
            if key in sealed:
                out[key] = deep(sealed[key], lambda s: recode(s, r).text)
    return out


def deep(value: Any, change: Callable[[str], str]) -> Any:
    """Every string inside lists and dicts changed by `change`."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list | tuple):
        return [deep(v, change) for v in value]
    if isinstance(value, Mapping):
        return {k: deep(v, change) for k, v in value.items()}
    return value


def _parse(stored: str, r: Roster) -> list[str | Ref | Phone]:
    """Stored text: its markers, and the plain text between them recognised again (older rows)."""
    out: list[str | Ref | Phone] = []
    at = 0
    for m in _MARK.finditer(stored):
        out += segments(stored[at : m.start()], r)
        phone, who, k, address = m.groups()
        if phone:
            out.append(Phone(index=int(phone)))
        else:
            who_ = tuple(int(w) for w in who.split("|"))
            out.append(Ref(who_, int(k) if k else None, bool(address)))
        at = m.end()
    return out + segments(stored[at:], r)


def _serialise(parts: list[str | Ref | Phone], phones: list[str]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Phone):
            if p.index is None:
                if p.raw not in phones:
                    phones.append(p.raw)
                out.append(f"⟪t{phones.index(p.raw) + 1}⟫")
            else:
                out.append(f"⟪t{p.index}⟫")
        else:
            tail = "a" if p.address else f".{p.k}" if p.k else ""
            out.append("⟪" + "|".join(map(str, p.who)) + tail + "⟫")
    return "".join(out)


def recode(stored: str | None, parties: Any) -> Encoded:
    """Stored text (markers kept) with any party or phone written plainly turned into markers."""
    r = roster(parties)
    phones = list(r.phones)
    text = unicodedata.normalize("NFC", stored or "")
    for _ in range(3):  # what is left between markers is checked again, until nothing is found
        again = _serialise(_parse(text, r), phones)
        if again == text:
            break
        text = again
    return Encoded(text, phones)


def encode(text: str | None, parties: Any) -> Encoded:
    """Typed text → stored form; `phones` is the sealed list to keep (older ones first)."""
    return recode(_text(text) if text else "", parties)


def keep(sealed: dict[str, Any], text: str | None, *, again: bool = False) -> tuple[str, dict[str, Any]]:
    """Encode `text` against a case's sealed parties value; returns the stored text and the
    sealed value to store (a new dict with the phones when the text added any). `again`: the
    text may already be in stored form (a record read back and saved again): markers stay."""
    done = recode(text, sealed) if again else encode(text, sealed)
    if done.phones == list(roster(sealed).phones) or is_erased(sealed):
        return done.text, sealed  # nothing new to seal; once erased, new phones are not kept
    return done.text, {**sealed, PHONES: done.phones}


def mentions(text: str | None, parties: Any, any_phone: bool = True) -> bool:
    """Whether a text names a party (or its address) or holds a phone number: any number, or
    with any_phone=False only the parties' own (their contact, their phones, the sealed ones)."""
    r = roster(parties)
    found = segments(unicodedata.normalize("NFC", text or ""), r)
    if any_phone:
        return any(not isinstance(s, str) for s in found)
    own = {_digits(p) for p in (*r.phones, *(p.phone for p in r.parties)) if _digits(p)}
    own |= {_digits(p.raw) for p in segments(r.contact, r) if isinstance(p, Phone)}
    return any(isinstance(s, Ref) or isinstance(s, Phone) and _digits(s.raw) in own for s in found)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", fold(phone))[-9:]


# --- rendering ---------------------------------------------------------------------------
def _catalog() -> Callable[..., str]:
    from content.catalog import load_catalog

    return load_catalog().t


def _show(p: Ref | Phone, r: Roster, mode: str, t: Callable[..., str]) -> str:
    if isinstance(p, Phone):
        number = p.raw or (r.phones[p.index - 1] if p.index and p.index <= len(r.phones) else "")
        if mode == NAMES and number:
            return number
        return t("parties.phone_hidden" if mode == INITIALS and number else "parties.phone_erased")
    known = [
        r.parties[w - 1]
        for w in p.who
        if 1 <= w <= len(r.parties) and (r.parties[w - 1].address if p.address else r.parties[w - 1].name)
    ]
    if mode == ERASED or not known:
        if p.address:
            return t("parties.address_erased")
        return t("parties.erased", n="/".join(map(str, p.who)))
    if p.address:
        return known[0].address if mode == NAMES else t("parties.address_hidden")
    name = known[0].name
    if p.k:
        starts = [m.start() for m in WORD.finditer(name)]
        name = name[starts[-min(p.k, len(starts))] :] if starts else name
    return name if mode == NAMES else initials(name)


def render(stored: str | None, parties: Any, mode: str = INITIALS, t: Callable[..., str] | None = None) -> str:
    """What a viewer sees: names for the team (NAMES), initials for officials (INITIALS), «Bên 1»
    once erased (ERASED, and always after erasure). Older plain rows are recognised on the way."""
    if not stored:
        return ""
    r = roster(parties)
    mode = ERASED if r.erased else mode
    t = t or _catalog()
    return "".join(
        p if isinstance(p, str) else _show(p, r, mode, t) for p in _parse(unicodedata.normalize("NFC", stored), r)
    )


def labels(parties: Any, mode: str = INITIALS, t: Callable[..., str] | None = None) -> list[str]:
    r = roster(parties)
    t = t or _catalog()
    if r.erased or mode == ERASED:
        return [t("parties.erased", n=i) for i in range(1, len(r.parties) + 1)]
    return [p.name if mode == NAMES else initials(p.name) for p in r.parties]

"""Short team codes, so a case number can be said aloud and is unambiguous in a commune.

"Tổ hòa giải 1" → "T1", "Tổ hòa giải thôn Đông" → "DONG", "Tổ hòa giải Khu Bắc Sơn" → "BS".
Codes are ASCII capitals and digits; a clash in the same commune takes a suffix (DONG2).
"""

from __future__ import annotations

import re
import unicodedata

MAX_CODE = 8
# words that say what a team or a village is, not which one
_GENERIC = {
    "to",
    "hoa",
    "giai",
    "thon",
    "xom",
    "ap",
    "ban",
    "lang",
    "khu",
    "pho",
    "dan",
    "so",
    "phuong",
    "xa",
    "bon",
    "buon",
    "khom",
    "to dan pho",
    "tdp",
    "thhg",
    "hg",
}


def _ascii_words(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFD", name.casefold().replace("đ", "d"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", plain)


def base_code(name: str) -> str:
    words = [w for w in _ascii_words(name) if w not in _GENERIC]
    if not words:
        return "T"
    if len(words) == 1:
        word = words[0]
        return ("T" + word if word.isdigit() else word.upper())[:MAX_CODE]
    letters = "".join(w if w.isdigit() else w[0] for w in words).upper()
    return letters[:MAX_CODE]


def unique_code(name: str, taken: set[str]) -> str:
    code = base_code(name)
    if code not in taken:
        return code
    # a code ending in a digit takes a letter (T1 → T1B, never T12, which is team 12's)
    suffixes = [chr(c) for c in range(ord("B"), ord("Z") + 1)] if code[-1].isdigit() else []
    suffixes += [str(n) for n in range(2, 1000)]
    for suffix in suffixes:
        candidate = f"{code[: MAX_CODE - len(suffix)]}{suffix}"
        if candidate not in taken:
            return candidate
    raise ValueError("no free team code")


def commune_path(path: str, kinds: dict[int, str]) -> str:
    """The path of the commune (the nearest xã above) that a team's code must be unique in;
    without one, the top of the tree."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    for i in range(len(ids) - 1, -1, -1):
        if kinds.get(ids[i]) == "xa":
            return "/" + "".join(f"{x}/" for x in ids[: i + 1])
    return "/" + (f"{ids[0]}/" if ids else "")

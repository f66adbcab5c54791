"""Vietnamese text normalisation for the Q&A search.

Two views of every syllable:
- folded: NFC, case-folded, all diacritics stripped and đ→d ("Hòa" → "hoa"); used for
  matching, so a question typed without diacritics on a phone still matches;
- exact: the same but keeping the letter marks (â ă ê ô ơ ư đ) and writing the tone
  as a suffix, so "hòa" and "hoà" (old and new tone placement) are one key while
  "hoa" and "hòa" are two; used only to prefer exact matches.

Abbreviations (HGV, UBND, ko, dc…) are expanded on the folded view; synonyms add a
canonical phrase next to the words the user typed.
"""

from __future__ import annotations

import re
import unicodedata

from handlers.kit.text import strip_marks

# Tone marks as combining characters, and the suffix that stands for each.
_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
_TOKEN_RE = re.compile(r"[^\W_]+")
_THOUSANDS_RE = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,]\d{3})+)(?![\d])")
_K_RE = re.compile(r"(?<![\w])(\d+)\s*(?:k|nghìn|ngàn|nghin|ngan)(?![\w])", re.IGNORECASE)

# Words whose presence says little about what is asked (folded forms). They still
# count in ranking (BM25 gives them little weight) but not in the coverage check.
STOPWORDS = frozenset(
    """
    a ah ai anh ba bac bi biet cac can cau chau cho chu chung co con cua cung da dang day
    de den do duoc e em gi giup gium ha hay het hoac hoi khi khong kia la lai lam len luc
    ma may minh mot muon nao nay neu nhe nhi nho nhu nhung nua o oi ong ra rang roi sao
    se ta tai thay the thi toi tren trong tu va vay ve vi voi xin xem
    """.split()
)

# Phrases that frame a legal question without saying what it is about ("được quy định
# như thế nào"); left out of the coverage check.
FRAME_PHRASES = tuple(
    tuple(p.split())
    for p in (
        "theo luat hoa giai o co so",  # the Law's name says nothing of which article
        "luat hoa giai o co so",
        "luat hoa giai co so",
        "duoc quy dinh nhu the nao",
        "phap luat quy dinh",
        "quy dinh nhu the nao",
        "theo quy dinh",
        "quy dinh the nao",
        "quy dinh ra sao",
        "quy dinh",
        "nhu the nao",
        "the nao",
        "ra sao",
        "la gi",
        "bao nhieu",
        "cho hoi",
        "xin hoi",
        "hien nay",
        "hien hanh",
    )
)

# A question is about our subject only if it names it: at least one of these phrases
# (folded, after abbreviations are expanded) must appear. Out-of-scope questions
# (traffic fines, taxes, court fees) share many syllables with our snippets once the
# diacritics are gone, but not these phrases.
DOMAIN_ANCHORS = tuple(
    tuple(p.split())
    for p in (
        "hoa giai",
        "thu lao",
        "mau thuan",
        "tranh chap",
        "xich mich",
        "cai nhau",
        "bat hoa",
        "khuyen can",
        "to vien",
        "hang xom",
        "cac ben",
        "hai ben",
        "thoa thuan",
        "so theo doi",
        "ban cong tac mat tran",
        "mat tran to quoc",
        "pham vi hoa giai",
        "nghi quyet lien tich",
        "thong tu lien tich",
        "bao cao thong ke",
        "so lieu thong ke",
        "ky bao cao",
        "phan dinh tham quyen",
        "35 2013",
        "15 2014",
        "01 2014",
        "56 2023",
        "100 2014",
        "120 2025",
        "03 2019",
    )
)

# Abbreviations and phone shorthand, on folded single tokens → folded replacement.
ABBREVIATIONS: dict[str, str] = {
    "hgv": "hoa giai vien",
    "hgvcs": "hoa giai vien co so",
    "hgcs": "hoa giai o co so",
    "hg": "hoa giai",
    "thg": "to hoa giai",
    "tthg": "to truong to hoa giai",
    "ubnd": "uy ban nhan dan",
    "ubmttq": "uy ban mat tran to quoc",
    "ubmttqvn": "uy ban mat tran to quoc viet nam",
    "mttq": "mat tran to quoc",
    "mttqvn": "mat tran to quoc viet nam",
    "btcmt": "ban cong tac mat tran",
    "hdnd": "hoi dong nhan dan",
    "nd": "nghi dinh",
    "ndcp": "nghi dinh",
    "tt": "thong tu",
    "ttlt": "thong tu lien tich",
    "nqlt": "nghi quyet lien tich",
    "btc": "bo tai chinh",
    "btp": "bo tu phap",
    "bhyt": "bao hiem y te",
    "lcs": "luong co so",
    "bb": "bien ban",
    "vb": "van ban",
    "cs": "co so",
    "cq": "co quan",
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "khg": "khong",
    "hok": "khong",
    "hong": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "j": "gi",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "vs": "voi",
    "ng": "nguoi",
    "mk": "minh",
    "mik": "minh",
    "r": "roi",
    "trc": "truoc",
    "lm": "lam",
    "ck": "chong",
    "vk": "vo",
    "tl": "tra loi",
    "sđt": "so dien thoai",
}

# Synonyms: a folded phrase the user may type → the folded phrase our snippets use.
# The canonical phrase is added to the query (with a lower weight), never substituted.
SYNONYMS: dict[str, str] = {
    "tien cong": "thu lao",
    "tien boi duong": "thu lao",
    "boi duong": "thu lao",
    "phu cap": "thu lao",
    "tien cong tac phi": "thu lao",
    "duoc tra tien": "thu lao",
    "tra tien": "thu lao",
    "co luong": "thu lao",
    "huong luong": "thu lao",
    "bao nhieu tien": "muc chi",
    "muc tien": "muc chi",
    "dinh muc": "muc chi",
    "that bai": "khong thanh",
    "khong thanh cong": "khong thanh",
    "bat thanh": "khong thanh",
    "khong xong": "khong thanh",
    "khong dat": "khong thanh",
    "thanh cong": "thanh",
    "cai nhau": "mau thuan",
    "cai co": "mau thuan",
    "xich mich": "mau thuan",
    "bat hoa": "mau thuan",
    "va cham": "mau thuan",
    "gay go": "mau thuan",
    "lum xum": "tranh chap",
    "hang xom": "mau thuan",
    "kien ra toa": "toa an",
    "di kien": "toa an",
    "khoi kien": "toa an",
    "ra toa": "toa an",
    "chet": "tinh mang",
    "tu vong": "tinh mang",
    "qua doi": "tinh mang",
    "bi thuong": "tai nan",
    "bi danh": "tai nan",
    "rui ro": "tai nan",
    "bau chon": "bau",
    "bau cu": "bau",
    "mien nhiem": "thoi lam hoa giai vien",
    "cho nghi": "thoi lam hoa giai vien",
    "xin nghi": "thoi lam hoa giai vien",
    "nghi lam": "thoi lam hoa giai vien",
    "rut khoi": "thoi lam hoa giai vien",
    "bao mat": "bi mat",
    "tiet lo": "bi mat",
    "so sach": "so theo doi",
    "ghi chep": "so theo doi",
    "bien ban": "van ban hoa giai thanh",
    "mat phi": "chi phi",
    "le phi": "chi phi",
    "ton tien": "chi phi",
    "say ruou": "say",
    "nhau nhet": "say",
    "noi nong": "nong gian",
    "tuc gian": "nong gian",
    "chui boi": "nong gian",
    "quy trinh": "cac buoc",
    "trinh tu": "cac buoc",
    "thu tuc": "ho so",
    "giay to": "ho so",
    "lam giay to": "lap van ban",
    "lam giay": "lap van ban",
    "chung tu": "ho so",
    "mai tang phi": "mai tang",
    "dam ma": "mai tang",
    "ma chay": "mai tang",
    "tang le": "mai tang",
    "thong tu 100": "thong tu lien tich 100",
    "van phong pham": "ho tro to hoa giai",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


fold = strip_marks  # case-fold, strip every diacritic, đ→d


def exact_key(syllable: str) -> str:
    """The syllable with letter marks kept and its tone moved to a suffix.

    "hòa" and "hoà" → "hoa|f"; "giải" → "giai|r"; "viên" → "viên"; "hoa" → "hoa".
    """
    decomposed = unicodedata.normalize("NFD", syllable.casefold())
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    base = unicodedata.normalize("NFC", "".join(kept))
    return f"{base}|{tone}" if tone else base


def has_marks(syllable: str) -> bool:
    """True when the syllable carries any diacritic or đ (typed with a Vietnamese keyboard)."""
    return fold(syllable) != syllable.casefold()


def normalise_numbers(text: str) -> str:
    """ "300.000 đ", "300,000", "300k", "300 nghìn" → "300000"."""
    text = _THOUSANDS_RE.sub(lambda m: m.group(1) + re.sub(r"[.,]", "", m.group(2)), text)
    return _K_RE.sub(lambda m: str(int(m.group(1)) * 1000), text)


def syllables(text: str) -> list[str]:
    """Case-folded NFC syllables (diacritics kept), numbers normalised."""
    return _TOKEN_RE.findall(normalise_numbers(nfc(text)).casefold())


def expand_abbreviations(folded_tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in folded_tokens:
        out.extend(ABBREVIATIONS.get(token, token).split())
    return out


class PhraseTable:
    """Finds known phrases (tuples of folded tokens) in a token list, fast."""

    def __init__(self, phrases: dict[tuple[str, ...], tuple[str, ...]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for key, value in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
            self._by_first.setdefault(key[0], []).append((key, value))

    def matches(self, tokens: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, value) of every phrase occurrence."""
        found = []
        by_first = self._by_first
        for i, token in enumerate(tokens):
            for key, value in by_first.get(token, ()):
                end = i + len(key)
                if tuple(tokens[i:end]) == key:
                    found.append((i, end, value))
        return found


_SYNONYM_TABLE = PhraseTable({tuple(k.split()): tuple(v.split()) for k, v in SYNONYMS.items()})
_FRAME_TABLE = PhraseTable({p: p for p in FRAME_PHRASES})
_ANCHOR_TABLE = PhraseTable({p: p for p in DOMAIN_ANCHORS})


def synonym_matches(folded_tokens: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, canonical phrase) for each synonym found in the folded tokens."""
    return _SYNONYM_TABLE.matches(folded_tokens)


def has_anchor(folded_tokens: list[str]) -> bool:
    """True when the question names the subject (see DOMAIN_ANCHORS)."""
    return bool(_ANCHOR_TABLE.matches(folded_tokens))


def frame_positions(folded_tokens: list[str]) -> set[int]:
    """Positions of the tokens that belong to a question frame ("như thế nào")."""
    return {i for start, end, _ in _FRAME_TABLE.matches(folded_tokens) for i in range(start, end)}


def bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


_TELEX_TONE_END = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_DOUBLE = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"), ("w", "u"))


def keyboard_variants(token: str) -> list[str]:
    """Plain-letter readings of a syllable typed in Telex or VNI without conversion.

    "hoaf" → "hoa", "giair" → "giai", "dduwowcj" → "duoc", "hoa2" → "hoa".
    """
    variants: list[str] = []
    if any(ch.isdecimal() for ch in token) and any(ch.isalpha() for ch in token):
        variants.append(re.sub(r"\d", "", token))
    stripped = token
    for _ in range(2):
        stripped = _TELEX_TONE_END.sub("", stripped)
    for a, b in _TELEX_DOUBLE:
        stripped = stripped.replace(a, b)
    if stripped != token:
        variants.append(stripped)
    # A tone key typed inside the syllable (Telex allows "hoafi"? no: "giari" → "giai").
    inner = re.sub(r"(?<=[aeiouy])[sfrxj](?=[aeiouyn])", "", token)
    if inner != token:
        variants.append(inner)
    return variants

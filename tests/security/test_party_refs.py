"""Free text that never leaks the parties (issue 13, finding 1 and 2): the parties' names —
with or without diacritics, any case, any spacing, after an honorific — and every phone
number are kept as references, never as copies; rendering gives the team the names back,
officials initials, and «Bên 1» once erased."""

from __future__ import annotations

import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.common.parties import (
    ERASED,
    INITIALS,
    NAMES,
    PHONES,
    encode,
    erased,
    fold,
    keep,
    labels,
    mentions,
    recode,
    render,
)
from handlers.reports.data import text_cell

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Vũ Đặng Bùi Đỗ Hồ Ngô Dương".split()
MIDDLES = "Văn Thị Hữu Đức Minh Ngọc Thanh Quốc".split()
GIVENS = "An Bình Cường Dũng Hạnh Hùng Lan Mai Nam Phương Sơn Thảo Yến Đức".split()
HONORIFICS = "ông Ông bà BÀ anh chị chi cô co chú bác em cháu ong ba".split()
FILLER = [
    "tranh",
    "chấp",
    "lối",
    "đi",
    "chung",
    "giữa",
    "hai",
    "nhà",
    "và",
    "đã",
    "đồng",
    "ý",
    "trả",
    "lại",
    "tiền",
    "cho",
    "hôm",
    "qua",
    "nói",
    "rằng",
    "không",
    "muốn",
    "hòa",
    "giải",
    "an",
    "toàn",
    "bình",
    "thường",
    "Hòa Bình",
    "UBND",
    "xã",
    ".",
    ",",
    ";",
    "\n",
    "(",
    ")",
    "-",
    "⟪1⟫",
    "⟪t1⟫",
    "⟫",
    "«",
]
SPACES = [" ", "  ", "\t", "\n", "\u00a0", " \u00a0 ", " \u200b "]
TIGHT = ["\u200b", "\u200c\u200b"]  # zero-width only: a name written as one word to the eye

names = st.builds(
    lambda s, m, g: " ".join([s, *m, g]),
    st.sampled_from(SURNAMES),
    st.lists(st.sampled_from(MIDDLES), max_size=2),
    st.sampled_from(GIVENS),
)


def spelled(word: str, how: int) -> str:
    bare = fold(word)
    return [word, bare, word.upper(), word.lower(), bare.upper(), bare.title()][how]


@st.composite
def full_mention(draw, name: str, spaces: list[str]) -> str:
    words = [spelled(w, draw(st.integers(0, 5))) for w in name.split()]
    out = words[0]
    for w in words[1:]:
        out += draw(st.sampled_from(spaces)) + w
    return out


@st.composite
def phone(draw) -> str:
    if draw(st.booleans()):
        digits = draw(st.sampled_from("35789")) + draw(st.text("0123456789", min_size=8, max_size=8))
        cut = draw(st.sampled_from([(3, 6), (2, 5)]))
    else:  # a landline: 02x xxxx xxxx
        digits = "2" + draw(st.text("0123456789", min_size=9, max_size=9))
        cut = (3, 6)
    groups = [digits[: cut[0]], digits[cut[0] : cut[1]], digits[cut[1] :]]
    sep = draw(st.sampled_from(["", " ", ".", "-", "  ", " - "]))
    prefix = draw(st.sampled_from(["0", "+84", "+84 ", "(+84) ", "84", "0084", "(0"]))
    body = sep.join(groups)
    if prefix == "(0":
        return f"(0{groups[0]}) {sep.join(groups[1:])}"
    return prefix + body


@st.composite
def case_text(draw, spaces: list[str] = SPACES) -> tuple[list[str], str, list[str], list[str]]:
    """Parties, a text that mentions them (and phones) in every way people write, the phones,
    and the given names written after an honorific."""
    parties = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    parts, phones, honoured = [], [], []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            name = draw(st.sampled_from(parties))
            prefix = draw(st.sampled_from(["", *[h + " " for h in HONORIFICS]]))
            parts.append(prefix + draw(full_mention(name, spaces)))
        elif kind == 1:
            given_name = draw(st.sampled_from(parties)).split()[-1]
            honoured.append(given_name)
            how = draw(st.integers(0, 5))
            parts.append(draw(st.sampled_from(HONORIFICS)) + " " + spelled(given_name, how))
        elif kind == 2:
            phones.append(draw(phone()))
            parts.append(phones[-1])
        else:
            parts.append(draw(st.sampled_from(FILLER)))
    return parties, " ".join(parts), phones, honoured


def full_names_in(text: str, parties: list[str]) -> list[str]:
    folded = fold(text)
    gap = r"[\s'’‘`\-]*"
    return [p for p in parties if re.search(r"(?<!\w)" + gap.join(map(re.escape, fold(p).split())) + r"(?!\w)", folded)]


def phones_in(text: str, phones: list[str]) -> list[str]:
    digits = re.sub(r"\D", "", re.sub(r"⟪[^⟫]*⟫", " ", text))
    return [p for p in phones if re.sub(r"\D", "", p)[-9:] in digits]


def honoured_in(text: str, given_names: list[str]) -> list[str]:
    folded = fold(text)
    honorifics = "|".join(sorted({fold(h) for h in HONORIFICS}))
    return [g for g in given_names if re.search(rf"(?<!\w)(?:{honorifics})\s+{re.escape(fold(g))}(?!\w)", folded)]


def same(typed: str, shown: str) -> bool:
    typed = typed.replace("⟪", "«").replace("⟫", "»")
    return " ".join(fold(typed).split()) == " ".join(fold(shown).split())


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(case_text(SPACES + TIGHT))
def test_no_name_and_no_phone_survives_in_stored_form(sample):
    parties, text, phones, honoured = sample
    stored = encode(text, parties).text
    assert full_names_in(stored, parties) == []
    assert phones_in(stored, phones) == []
    assert honoured_in(stored, honoured) == []
    assert stored.count("«") >= text.count("⟪") + text.count("«")  # typed brackets: no markers


@SETTINGS
@given(case_text())
def test_names_come_back_for_the_team(sample):
    parties, text, phones, _ = sample
    done = encode(text, parties)
    shown = render(done.text, {"names": parties, PHONES: done.phones}, NAMES)
    assert same(text, shown), (text, done.text, shown)
    for number in phones:
        assert number in shown  # phones exactly as typed


@SETTINGS
@given(case_text(SPACES + TIGHT))
def test_officials_and_erased_cases_see_no_name_and_no_phone(sample):
    parties, text, phones, honoured = sample
    done = encode(text, parties)
    sealed = {"names": parties, PHONES: done.phones}
    for shown in (
        render(done.text, sealed, INITIALS),
        render(done.text, erased(sealed)),
        render(done.text, sealed, ERASED),
        render(text, sealed, INITIALS),
        text_cell(text, _Row(sealed), False),
    ):
        assert full_names_in(shown, parties) == []
        assert phones_in(shown, phones) == []
    gone = render(done.text, erased(sealed), NAMES)  # erased: whatever mode is asked
    assert honoured_in(gone, honoured) == []


class _Row:
    def __init__(self, parties):
        self.parties = parties


def test_what_each_viewer_sees():
    parties = {"names": ["Nguyễn Văn An", "Trần Thị Bình"], "addresses": ["số 5 ngõ 3", ""]}
    stored, sealed = keep(
        parties,
        "Ong nguyen  van an (sđt 0912.345.678) lấn lối đi của bà Binh "
        "ở số 5 ngõ 3. An trả lại lối đi cho Bình; gọi +84 98 765 4321",
    )
    assert stored == ("Ong ⟪1⟫ (sđt ⟪t1⟫) lấn lối đi của bà ⟪2.1⟫ ở ⟪1a⟫. ⟪1.1⟫ trả lại lối đi cho ⟪2.1⟫; gọi ⟪t2⟫")
    assert sealed[PHONES] == ["0912.345.678", "+84 98 765 4321"] and parties.get(PHONES) is None
    assert render(stored, sealed, NAMES) == (
        "Ong Nguyễn Văn An (sđt 0912.345.678) lấn lối đi của bà Bình ở số 5 ngõ 3. An trả lại "
        "lối đi cho Bình; gọi +84 98 765 4321"
    )
    assert render(stored, sealed, INITIALS) == (
        "Ong N.V.A. (sđt [số điện thoại]) lấn lối đi của bà B. ở [địa chỉ]. A. trả lại lối đi "
        "cho B.; gọi [số điện thoại]"
    )
    assert render(stored, erased(sealed), NAMES) == (
        "Ong Bên 1 (sđt [số điện thoại đã xóa]) lấn lối đi của bà Bên 2 ở [địa chỉ đã xóa]. "
        "Bên 1 trả lại lối đi cho Bên 2; gọi [số điện thoại đã xóa]"
    )
    assert labels(sealed, NAMES) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert labels(sealed) == ["N.V.A.", "T.T.B."]
    assert labels(erased(sealed), NAMES) == ["Bên 1", "Bên 2"]


def test_a_given_name_shared_by_two_parties_is_kept_for_both():
    parties = ["Nguyễn Văn An", "Lê Thị An", "Trần Bình"]
    stored = encode("Ông An và bà An cãi nhau với chú Bình", parties).text
    assert stored == "Ông ⟪1|2.1⟫ và bà ⟪1|2.1⟫ cãi nhau với chú ⟪3.1⟫"
    assert render(stored, erased(parties)) == "Ông Bên 1/2 và bà Bên 1/2 cãi nhau với chú Bên 3"


def test_words_that_only_look_like_names_are_left_alone():
    parties = ["Nguyễn Văn An", "Trần Thị Bình"]
    text = "Tỉnh Hòa Bình, có an toàn không; ngày 12/05/2026 nộp 1.500.000 đồng, CCCD 001085012345"
    assert encode(text, parties).text == text
    assert not mentions(text, parties)
    assert mentions("hỏi chị binh", parties) and mentions("gọi 0987654321", parties)
    own = {"names": parties, "contact": "0912 345 678, xóm 3", PHONES: ["+84 98 765 4321"]}
    assert mentions("gọi 0912.345.678", own, any_phone=False)
    assert mentions("gọi 0987654321", own, any_phone=False)
    assert not mentions("gọi 0933 000 111", own, any_phone=False)


def test_parties_as_dicts_and_older_plain_rows():
    parties = [
        {"name": "Phạm Thị Lan", "address": "xóm Đông, thôn 2", "phone": "0977 111 222"},
        {"name": "H'Hen Niê", "address": "", "phone": ""},
    ]
    stored = encode("Chị Lan ở xóm Đông thôn 2 gọi 0977111222 cho bà H'Hen Nie", parties).text
    assert stored == "Chị ⟪1.1⟫ ở ⟪1a⟫ gọi ⟪t1⟫ cho bà ⟪2⟫"
    # a summary stored before this change (plain names) is recognised when shown and when recoded
    assert render("Ông Phạm Thị Lan gọi 0977 111 222", parties) == "Ông P.T.L. gọi [số điện thoại]"
    assert recode("Ông Phạm Thị Lan và ⟪2⟫", {"parties": parties}).text == "Ông ⟪1⟫ và ⟪2⟫"


def test_markers_out_of_range_or_forged_never_show_anything():
    parties = {"names": ["Nguyễn Văn An"], PHONES: ["0912345678"]}
    shown = render("⟪7⟫ ⟪t9⟫ ⟪1a⟫", parties, NAMES)
    assert shown == "Bên 7 [số điện thoại đã xóa] [địa chỉ đã xóa]"
    typed = encode("tôi gõ ⟪t1⟫ và ⟪1⟫", parties).text
    assert render(typed, parties, NAMES) == "tôi gõ «t1» và «1»"  # no way to the sealed phone


def test_empty_odd_and_huge_input_is_quick():
    assert encode(None, ["A B"]).text == "" and render(None, ["A B"]) == ""
    assert render("", None) == ""
    assert encode("Ông An", None).text == "Ông An" and encode("x", {"names": None}).text == "x"
    assert encode("Ông An", [None, 5, "", {"name": None}]).text == "Ông An"
    parties = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    line = "ông Nguyễn  Văn An gọi 0912 345 678 về chuyện lối đi, bà Bình không đồng ý. "
    text = (line * 1500)[:100_000]
    started = time.perf_counter()
    done = encode(text, parties)
    assert time.perf_counter() - started < 10
    assert full_names_in(done.text, parties) == [] and done.phones == ["0912 345 678"]

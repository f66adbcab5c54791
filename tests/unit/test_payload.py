"""Button payloads: packed and read in one place (handlers/kit/payload.py)."""

from __future__ import annotations

import enum

import pytest

from handlers.kit.flow import FlowPick
from handlers.kit.payload import MAX_BYTES, PayloadError, kinds, pack, payload, unpack
from handlers.kit.registry import Cmd


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"


@payload("tpay", "view")
class Viewed:
    item_id: int


@payload("tpay", "say")
class Said:
    answer: Answer
    sure: bool
    word: str


def test_each_kind_round_trips():
    for data in (Viewed(7), Said(Answer.NO, True, "x"), FlowPick("ab12", "kind", ""), Cmd("vuviec")):
        assert unpack(pack(data)) == data
    assert pack(Viewed(7)) == "tpay:view:7"
    assert pack(FlowPick("ab12", "kind", "3")) == "f:ab12:kind:3"
    assert pack(Cmd("menu")) == "cmd:menu"


@pytest.mark.parametrize(
    "text",
    [
        "tpay:view:",
        "tpay:view:x",
        "tpay:view:-1",
        "tpay:view:1:2",
        "tpay:view:1234567890123",
        "tpay:view:١٢",
        "tpay:say:maybe:1:x",
        "tpay:say:yes:2:x",
        "tpay:nope:1",
        "nope:view:1",
        "",
        ":",
        "f:ab:kind",
        "tpay:view:" + "9" * 80,
    ],
)
def test_what_we_did_not_make_is_none(text):
    assert unpack(text) is None


def test_a_payload_that_cannot_be_a_button_fails_where_it_is_built():
    with pytest.raises(PayloadError):
        pack(Viewed(10**12))
    with pytest.raises(PayloadError):
        pack(Said(Answer.YES, False, "a:b"))
    with pytest.raises(PayloadError):
        pack(Cmd("x" * MAX_BYTES))


def test_two_kinds_cannot_share_a_name():
    with pytest.raises(PayloadError):

        @payload("tpay", "view")
        class Other:
            n: int


def test_every_declared_kind_of_the_product_packs_within_the_limit():
    """Every button kind the slices declare, filled with its largest values, fits Telegram's 64 bytes."""
    import bot.app  # noqa: F401 - imports every slice, so every kind is declared

    biggest = {int: 10**12 - 1, bool: True}
    for kind in kinds():
        if kind.prefix == "tpay":
            continue
        values = {}
        for name, t in kind.fields:
            if t is str:
                values[name] = "x"
            elif isinstance(t, type) and issubclass(t, enum.Enum):
                values[name] = max(t, key=lambda m: len(str(m.value)))
            else:
                values[name] = biggest[t]
        assert len(pack(kind.cls(**values)).encode()) <= MAX_BYTES, kind

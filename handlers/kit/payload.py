"""Button payloads: every button's data packed and read in one place, with typed fields.

A payload is `prefix:action:field:field…`, or `prefix:field…` for a kind declared without an
action (flow choices `f:<token>:<step>:<value>`, menu shortcuts `cmd:<name>`). Each kind is
declared once, as a frozen dataclass:

    @payload("case", "view")
    class CaseView:
        case_id: int

`pack(CaseView(7))` gives "case:view:7"; `unpack("case:view:7")` gives `CaseView(case_id=7)`, and
None for anything we did not make (unknown kind, wrong number of fields, a field that does not
read as its type). Telegram keeps at most 64 bytes of button data: `pack` refuses more, so an
oversized button fails where it is built (and in the test that renders it), not in a user's chat.

Field types: `int` (0 … 10¹²-1, digits only), `str` (no ':' and not empty unless it is the last
field), `bool` ("1"/"0") and `enum.Enum` subclasses with str values.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

MAX_BYTES = 64
MAX_DIGITS = 12
SEP = ":"

T = TypeVar("T")


class PayloadError(ValueError):
    """A payload we cannot build: a programming error, found by the test that renders it."""


@dataclasses.dataclass(frozen=True)
class Kind:
    prefix: str
    action: str | None
    cls: type
    fields: tuple[tuple[str, Any], ...]

    @property
    def head(self) -> tuple[str, ...]:
        return (self.prefix,) if self.action is None else (self.prefix, self.action)


_KINDS: dict[tuple[str, str | None], Kind] = {}


@dataclass_transform(frozen_default=True)
def payload(prefix: str, action: str | None = None) -> Callable[[type[T]], type[T]]:
    """Declare a kind of button: the class becomes a frozen dataclass packed under prefix[:action]."""

    def register(cls: type[T]) -> type[T]:
        dc: Any = dataclasses.dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(dc)
        fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(dc))
        for name, kind in fields:
            if kind not in (int, str, bool) and not (isinstance(kind, type) and issubclass(kind, enum.Enum)):
                raise PayloadError(f"{cls.__name__}.{name}: unsupported field type {kind!r}")
        key = (prefix, action)
        if key in _KINDS and _KINDS[key].cls.__qualname__ != dc.__qualname__:
            raise PayloadError(f"payload {prefix}:{action} declared twice")
        if SEP in prefix or (action is not None and SEP in action):
            raise PayloadError(f"{cls.__name__}: ':' in prefix or action")
        _KINDS[key] = Kind(prefix, action, dc, fields)
        dc.__payload_kind__ = _KINDS[key]
        return dc

    return register


def kind_of(cls: type) -> Kind:
    kind = getattr(cls, "__payload_kind__", None)
    if kind is None:
        raise PayloadError(f"{cls.__name__} is not a declared payload")
    return kind


def kinds() -> list[Kind]:
    return list(_KINDS.values())


def _write(value: Any, kind: Any, last: bool) -> str:
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**MAX_DIGITS:
            raise PayloadError(f"not a payload int: {value!r}")
        return str(value)
    text = value.value if isinstance(value, enum.Enum) else value
    if not isinstance(text, str) or SEP in text or (not text and not last):
        raise PayloadError(f"not a payload text: {value!r}")
    return text


def _read(text: str, kind: Any) -> Any:
    if kind is bool:
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if kind is int:
        if not (text.isascii() and text.isdecimal()) or len(text) > MAX_DIGITS:
            raise ValueError(text)
        return int(text)
    if kind is str:
        return text
    return kind(text)  # an Enum: ValueError for an unknown member


def read_int(text: str) -> int | None:
    """A number as a payload field reads it (a flow choice's value, a typed id); None if it is not one."""
    try:
        return _read(text, int)
    except ValueError:
        return None


def pack(data: object) -> str:
    kind = kind_of(type(data))
    last = len(kind.fields) - 1
    parts = [*kind.head, *(_write(getattr(data, name), t, i == last) for i, (name, t) in enumerate(kind.fields))]
    packed = SEP.join(parts)
    if len(packed.encode("utf-8")) > MAX_BYTES:
        raise PayloadError(f"payload over {MAX_BYTES} bytes: {packed!r}")
    return packed


def unpack(text: str) -> object | None:
    """The button this text was packed from, or None if it is not one of ours."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    prefix, _, rest = text.partition(SEP)
    action, _, after = rest.partition(SEP)
    kind = _KINDS.get((prefix, action))
    body = after
    if kind is None or not rest:
        kind, body = _KINDS.get((prefix, None)), rest
    if kind is None:
        return None
    parts = body.split(SEP) if kind.fields else []
    if len(parts) != len(kind.fields) or (not kind.fields and body):
        return None
    try:
        values = {name: _read(part, t) for (name, t), part in zip(kind.fields, parts, strict=True)}
    except ValueError:
        return None
    return kind.cls(**values)


def unpack_as(text: str, cls: type[T]) -> T | None:
    data = unpack(text)
    return data if isinstance(data, cls) else None

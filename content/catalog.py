"""The Vietnamese message catalog: every user-facing sentence lives in messages.toml.

Loaded strictly: a key that is missing, or a placeholder that is not filled, raises.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any


class Catalog:
    def __init__(self, messages: Mapping[str, str]) -> None:
        self._messages = dict(messages)

    @classmethod
    def from_toml(cls, text: str) -> Catalog:
        flat: dict[str, str] = {}

        def walk(prefix: str, node: Mapping[str, Any]) -> None:
            for key, value in node.items():
                name = f"{prefix}{key}"
                if isinstance(value, Mapping):
                    walk(name + ".", value)
                elif isinstance(value, str):
                    flat[name] = value
                else:
                    raise ValueError(f"catalog entry {name} is not text")

        walk("", tomllib.loads(text))
        return cls(flat)

    def t(self, key: str, **values: Any) -> str:
        try:
            template = self._messages[key]
        except KeyError:
            raise KeyError(f"message key not in catalog: {key}") from None
        return template.format_map(_Strict(values)) if values or "{" in template else template

    def has(self, key: str) -> bool:
        return key in self._messages

    def keys(self) -> list[str]:
        return sorted(self._messages)

    def placeholders(self, key: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self._messages[key]) if f}


class _Strict(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        raise KeyError(f"message placeholder not given: {key}")


@cache
def load_catalog() -> Catalog:
    return Catalog.from_toml((files("content") / "messages.toml").read_text(encoding="utf-8"))

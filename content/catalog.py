"""The Vietnamese message catalog: every user-facing sentence lives in content/messages/*.toml.

One file per slice; a key defined twice, a key that is missing, or a placeholder that is
not filled raises.
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
    def from_toml(cls, *texts: str) -> Catalog:
        flat: dict[str, str] = {}

        def walk(prefix: str, node: Mapping[str, Any]) -> None:
            for key, value in node.items():
                name = f"{prefix}{key}"
                if isinstance(value, Mapping):
                    walk(name + ".", value)
                elif isinstance(value, str):
                    if name in flat:
                        raise ValueError(f"catalog key defined twice: {name}")
                    flat[name] = value
                else:
                    raise ValueError(f"catalog entry {name} is not text")

        for text in texts:
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
    folder = files("content") / "messages"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    return Catalog.from_toml(*((folder / n).read_text(encoding="utf-8") for n in names))

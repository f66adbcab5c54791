"""The one error a use case raises to tell the user why not: a catalog key and its values.

The engine answers it with that message, whatever the slice, and the unit of work still commits
what was done before (use cases raise before they write).
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

"""The buttons that erase a case's parties (`pv:`), shown on the case screen to an official."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("pv", "ask")
class ErasePartiesAsk:
    """«Xóa thông tin các bên»: asks to confirm."""

    case_id: int


@payload("pv", "anon")
class EraseParties:
    """The confirmation: the parties are erased everywhere."""

    case_id: int

"""The support slice's buttons (`sp:`). «Nhận xử lý» and «Trả lời» also ride on the pushes sent
to officials, so `sp:take` and `sp:ans` keep their strings (buttons in messages already sent)."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("sp", "ask")
class AskHelp:
    """«Cần hỗ trợ» on a case screen."""

    case_id: int


@payload("sp", "view")
class HelpView:
    request_id: int


@payload("sp", "take")
class HelpTake:
    request_id: int


@payload("sp", "ans")
class HelpAnswer:
    request_id: int

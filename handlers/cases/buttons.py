"""The buttons of the cases slice (`case:`). Their strings stay as they were: buttons in
messages already sent (case screens, pushes) keep working."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("case", "view")
class CaseView:
    case_id: int


@payload("case", "list")
class CaseList:
    """A page of «Vụ việc của tôi», from `offset`."""

    offset: int


@payload("case", "hist")
class CaseHistory:
    case_id: int


@payload("case", "ok")
class CaseSucceeded:
    """«Hòa giải thành»."""

    case_id: int


@payload("case", "fail")
class CaseFailed:
    """«Không thành»."""

    case_id: int


@payload("case", "end")
class CaseEnded:
    """«Kết thúc» for a reason of Điều 23 khoản 2, 3."""

    case_id: int


@payload("case", "reopen")
class CaseReopen:
    """«Tiếp tục hòa giải» after không thành: asks to confirm."""

    case_id: int


@payload("case", "reopenyes")
class CaseReopenConfirmed:
    case_id: int


@payload("case", "fix")
class CaseFix:
    case_id: int


@payload("case", "note")
class CaseNote:
    case_id: int

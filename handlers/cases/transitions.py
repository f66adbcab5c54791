"""Which status a case may move to from which, written once: the use cases (record_outcome,
reopen) refuse any other move, and a case screen offers a button for each of these and no
other (render.case_buttons)."""

from __future__ import annotations

from handlers.kit.errors import UserError
from storage.models import CaseStatus

MOVES: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    # Điều 23: hòa giải thành, không thành, or ended for a reason of khoản 2, 3
    CaseStatus.DANG_HOA_GIAI: (CaseStatus.THANH, CaseStatus.KHONG_THANH, CaseStatus.KET_THUC),
    # Điều 27: after không thành the parties may ask to continue
    CaseStatus.KHONG_THANH: (CaseStatus.DANG_HOA_GIAI,),
    CaseStatus.THANH: (),
    CaseStatus.KET_THUC: (),
}


def moves(status: CaseStatus) -> tuple[CaseStatus, ...]:
    return MOVES[status]


def check_outcome(current: CaseStatus, target: CaseStatus | None) -> None:
    """record_outcome: the move that gives a case its outcome (never back to «đang hòa giải»)."""
    if target is None or target is CaseStatus.DANG_HOA_GIAI or target not in MOVES[current]:
        raise UserError("case.outcome_not_allowed" if current is CaseStatus.DANG_HOA_GIAI else "case.already_closed")


def check_reopen(current: CaseStatus) -> None:
    """reopen: back to «đang hòa giải»."""
    if CaseStatus.DANG_HOA_GIAI not in MOVES[current]:
        raise UserError("case.cannot_reopen")

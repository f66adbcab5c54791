"""The buttons of /baocao (`rp:`): a unit over a period (its code, handlers/common/periods.py).
Their strings stay as they were (rp:o, rp:f, rp:x): the benches drive exports with them."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("rp", "o")
class ReportOffer:
    """The export offer for this unit and period (also under /thongke)."""

    unit_id: int
    period: str


@payload("rp", "f")
class ReportAskParties:
    """«Xuất kèm tên các bên»: asks to confirm first."""

    unit_id: int
    period: str


@payload("rp", "x")
class ReportExport:
    unit_id: int
    period: str
    with_parties: bool

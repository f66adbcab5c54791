"""A case record as the flows fill it and the use cases save it: its fields, its choices and
its rules, written once. A flow keeps its draft in the conversation row as a dict
(`as_dict`); a use case reads it back (`of`) and checks it (`check`), whoever made it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from handlers.common.dates import EARLIEST
from handlers.kit.errors import UserError

# Điều 5 khoản 1 Nghị định 15/2014/NĐ-CP (a–d) and "other".
CATEGORIES = ("mau_thuan", "dan_su", "hon_nhan", "vi_pham", "khac")
# Điều 3 khoản 1 Luật Hòa giải ở cơ sở: matters that may not be mediated.
EXCLUSIONS = ("a", "b", "c", "d")
# Điều 16 Luật Hòa giải ở cơ sở.
SOURCES = ("yeu_cau", "chung_kien", "phan_cong", "de_nghi")
# Điều 23 khoản 2 and 3 (khoản 1, agreement, is "hòa giải thành").
END_REASONS = ("yeu_cau_cham_dut", "khong_the_dat")
OUTCOMES = ("thanh", "khong_thanh", "ket_thuc", "dang_hoa_giai")
# Where the parties of a failed mediation were guided (Điều 21 khoản 3, Điều 27).
REFERRALS = ("tiep_tuc", "ubnd_xa", "toa_an", "cong_an", "co_quan_khac", "chua")

MAX_PARTIES = 10
MAX_PARTY_NAME = 80
MAX_SUMMARY = 1000
MIN_SUMMARY = 5

D = TypeVar("D", bound="_Draft")


def real_text(text: str, letters: int = 8, words: int = 2) -> bool:
    """Words a person wrote, not only emoji, digits or a couple of characters."""
    worded = [w for w in text.split() if sum(ch.isalpha() for ch in w) >= 1]
    return sum(ch.isalpha() for ch in text) >= letters and len(worded) >= words


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class _Draft:
    @classmethod
    def of(cls: type[D], data: Mapping[str, Any], base: D | None = None) -> D:
        """The draft a conversation (or a caller) holds; fields it lacks come from `base`."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values = dataclasses.asdict(base) if base is not None else {}  # type: ignore[call-overload]
        values.update({k: v for k, v in data.items() if k in names})
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def _check_basics(self, received_on: str, today: dt.date) -> dt.date:
        received = _day(received_on)
        if received is None or not EARLIEST <= received <= today:
            raise UserError("case.received_on_bad")
        return received


@dataclasses.dataclass
class CaseDraft(_Draft):
    """A new case (/vuviec): what the flow asks, what `create_case` saves. Where and with whom
    the mediation took place are asked with its outcome (CaseRecord)."""

    received_on: str = ""
    category: str = ""
    source: str = ""
    parties: list[str] = dataclasses.field(default_factory=list)
    addresses: list[str] = dataclasses.field(default_factory=list)
    contact: str = ""
    summary: str = ""
    mediators: list[int] = dataclasses.field(default_factory=list)
    team_id: int | None = None

    def check(self, today: dt.date) -> None:
        """What every new case must hold, however it was made (the flow asks the same)."""
        self._check_basics(self.received_on, today)
        if self.category not in CATEGORIES or self.source not in SOURCES:
            raise UserError("case.choice_missing")
        if len(self.parties) < 2:
            raise UserError("case.parties_too_few")
        if len(self.parties) > MAX_PARTIES or any(len(n) > MAX_PARTY_NAME for n in self.parties):
            raise UserError("case.parties_too_long", count=MAX_PARTIES, limit=MAX_PARTY_NAME)
        if len(self.summary or "") < MIN_SUMMARY:
            raise UserError("case.summary_too_short")
        if len(self.summary) > MAX_SUMMARY:
            raise UserError("case.too_long", limit=MAX_SUMMARY)


@dataclasses.dataclass
class CaseRecord(_Draft):
    """A case's whole record, the draft of an outcome and of a correction (record_of gives
    it for a stored case)."""

    received_on: str = ""
    category: str = ""
    source: str = ""
    parties: list[str] = dataclasses.field(default_factory=list)
    addresses: list[str] = dataclasses.field(default_factory=list)
    contact: str = ""
    place: str = ""
    invited: list[str] = dataclasses.field(default_factory=list)
    requests: list[str] = dataclasses.field(default_factory=list)
    summary: str = ""
    mediators: list[int] = dataclasses.field(default_factory=list)
    status: str = "dang_hoa_giai"
    agreement: str = ""
    referral: str = ""
    end_reason: str = ""
    outcome_on: str = ""
    sessions: list[str] = dataclasses.field(default_factory=list)

    def check(self, today: dt.date) -> None:
        """What must hold of every record, however it was made."""
        received = self._check_basics(self.received_on, today).isoformat()
        if self.category not in CATEGORIES or self.source not in SOURCES or self.status not in OUTCOMES:
            raise UserError("case.choice_missing")
        status, outcome = self.status or "dang_hoa_giai", self.outcome_on or ""
        if status == "thanh" and not real_text(self.agreement or ""):
            raise UserError("case.agreement_not_text")
        if status == "khong_thanh" and len([r for r in self.requests or [] if r]) < len(self.parties):
            raise UserError("case.requests_missing")
        if status == "ket_thuc" and self.end_reason not in END_REASONS:
            raise UserError("case.end_reason_missing")
        if status != "dang_hoa_giai" and not outcome:
            raise UserError("case.outcome_on_missing")
        if (outcome and _day(outcome) is None) or any(_day(s) is None for s in self.sessions or []):
            raise UserError("case.dates_out_of_order")
        last = outcome or today.isoformat()
        if (outcome and outcome < received) or any(not received <= s <= last for s in self.sessions or []):
            raise UserError("case.dates_out_of_order")


FIELDS = tuple(f.name for f in dataclasses.fields(CaseRecord))

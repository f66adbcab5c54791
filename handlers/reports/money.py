"""The money of grassroots mediation under Thông tư 56/2023/TT-BTC, Điều 3 khoản 17:
thù lao per case (điểm a) and support for each team's activity (điểm đ).
Provinces may set their own levels, so the rates come from configuration."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from storage.models import CaseStatus


@dataclass(frozen=True)
class Rates:
    per_case: int = 300_000  # đồng per case mediated
    per_success: int = 400_000  # đồng per case with hòa giải thành (Điều 24 of the Law)
    team_month: int = 150_000  # đồng per team per month


@dataclass
class TeamMoney:
    team_id: int
    success: int  # cases with hòa giải thành
    other_closed: int  # không thành, or ended for another reason of Điều 23
    months: int
    rates: Rates

    @property
    def fees(self) -> int:
        return self.success * self.rates.per_success + self.other_closed * self.rates.per_case

    @property
    def support(self) -> int:
        return self.months * self.rates.team_month

    @property
    def total(self) -> int:
        return self.fees + self.support


def team_money(team_id: int, results: Counter[str], months: int, rates: Rates) -> TeamMoney:
    """Cases still being mediated are not paid yet; every case with a result is."""
    success = results.get(CaseStatus.THANH.value, 0)
    other = results.get(CaseStatus.KHONG_THANH.value, 0) + results.get(CaseStatus.KET_THUC.value, 0)
    return TeamMoney(team_id, success, other, months, rates)

"""Texts a person would write: a single numbered choice is not «(1–1)»."""

from __future__ import annotations

from bot.channels.render import numbered
from content.catalog import load_catalog
from handlers.kit.core import Button, Reply, rows


def test_one_choice_and_several_choices_are_worded_for_each():
    catalog = load_catalog()
    one = numbered(Reply("Xem vụ việc?", rows(Button("Xem", "case:view:1"))), catalog)
    assert "1. Xem" in one and "Gõ 1" in one and "(1–1)" not in one
    two = numbered(Reply("Chọn", rows(Button("A", "a"), Button("B", "b"))), catalog)
    assert "Trả lời bằng số (1–2)" in two

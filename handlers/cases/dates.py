"""The days a case records (received, each session, the outcome): typed or picked, checked."""

from __future__ import annotations

import datetime as dt

from handlers.common.dates import EARLIEST, Problem, read_day

LAW_IN_FORCE = EARLIEST


def read_case_day(text: str, today: dt.date) -> dt.date | Problem:
    """A day a case records, typed (05/03/2026, 5/3, 05-03-26, 2026-03-05, «hôm qua»…): never in
    the future, never before the Law (01/01/2014). The Problem's sentence repeats what was typed."""
    return read_day(text, today, not_before=LAW_IN_FORCE, not_after=today)

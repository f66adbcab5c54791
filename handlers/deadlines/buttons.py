"""The deadlines slice's buttons (`dl:`): a team leader's «Đã nộp» (also under pushed reminders
and nudges, so `dl:done` keeps its string) and an official's status, nudges and rule edits.
`kind` is one of content.deadlines.KINDS and `period` a period code (handlers/common/periods.py);
the handlers check both, since an old or forged button may carry anything."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("dl", "done")
class DeadlineDone:
    kind: str
    period: str


@payload("dl", "status")
class DeadlineStatus:
    kind: str
    period: str


@payload("dl", "nudge")
class NudgeAll:
    kind: str
    period: str


@payload("dl", "nudgeteam")
class NudgeTeam:
    kind: str
    period: str
    team_id: int


@payload("dl", "edit")
class DeadlineEdit:
    kind: str


# --- the report chain (`rc:`): a commune's report to its province -----------------------------
@payload("rc", "send")
class ChainSend:
    """A commune official's «Đã gửi» (also under the province's nudge)."""

    kind: str
    period: str


@payload("rc", "status")
class ChainStatus:
    kind: str
    period: str


@payload("rc", "file")
class ChainFile:
    report_id: int


@payload("rc", "nudge")
class ChainNudgeAll:
    kind: str
    period: str


@payload("rc", "nudgeone")
class ChainNudgeOne:
    kind: str
    period: str
    unit_id: int


@payload("rc", "edit")
class ChainEdit:
    kind: str

"""The trainings slice's buttons (`tr:`), declared once: the mediator's answer (also under pushed
invitations and reminders, so `tr:yes`/`tr:no` keep their strings) and the official's screens."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("tr", "list")
class TrainingList:
    """Back to /taphuan's list."""


@payload("tr", "new")
class TrainingNew:
    pass


@payload("tr", "view")
class TrainingView:
    training_id: int


@payload("tr", "tally")
class TrainingTally:
    """Answers by team, and who declined with what reason."""

    training_id: int


@payload("tr", "attendance")
class TrainingAttendance:
    """Which team's attendance to mark."""

    training_id: int


@payload("tr", "teamattendance")
class TeamAttendance:
    training_id: int
    team_id: int


@payload("tr", "mark")
class MarkAttended:
    invite_id: int


@payload("tr", "edit")
class TrainingEdit:
    training_id: int


@payload("tr", "cancel")
class TrainingCancel:
    training_id: int


@payload("tr", "cancelyes")
class TrainingCancelYes:
    training_id: int


@payload("tr", "yes")
class TrainingYes:
    training_id: int


@payload("tr", "no")
class TrainingNo:
    training_id: int


@payload("tr", "mine")
class MyTraining:
    training_id: int


@payload("tr", "unittally")
class TrainingUnitTally:
    """«Theo từng tổ» of one unit under the viewer's (a commune, from the province's screen)."""

    training_id: int
    unit_id: int

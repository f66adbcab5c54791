"""The teams slice's buttons (`tm:`): the review of Điều 12, a team, a mediator, and the changes
an official makes to them."""

from __future__ import annotations

from handlers.kit.payload import payload
from handlers.teams.usecases import LeaveReason
from storage.models import DecisionKind


@payload("tm", "review")
class TeamReview:
    offset: int
    everyone: bool  # every team, not only those that do not meet Điều 12


@payload("tm", "team")
class TeamView:
    team_id: int


@payload("tm", "add")
class TeamAdd:
    team_id: int


@payload("tm", "person")
class MediatorView:
    person_id: int


@payload("tm", "move")
class MoveChoices:
    person_id: int
    offset: int


@payload("tm", "moveto")
class MoveTo:
    person_id: int
    team_id: int


@payload("tm", "lead")
class MakeLeader:
    person_id: int


@payload("tm", "leave")
class LeaveChoices:
    person_id: int


@payload("tm", "left")
class MarkLeft:
    person_id: int
    reason: LeaveReason


@payload("tm", "dec")
class DecisionAdd:
    """Write the chairman's decision about a person (recognised, leader, left) that is missing."""

    person_id: int
    kind: DecisionKind

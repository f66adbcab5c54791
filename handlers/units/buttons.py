"""The units slice's buttons (`un:`): a unit, the choice of where it goes, the confirm, the change."""

from __future__ import annotations

import enum

from handlers.kit.payload import payload


class Change(enum.StrEnum):
    MOVE = "move"
    MERGE = "merge"
    DISSOLVE = "dissolve"


@payload("un", "list")
class UnitList:
    offset: int


@payload("un", "view")
class UnitView:
    unit_id: int


@payload("un", "rename")
class UnitRename:
    unit_id: int


@payload("un", "pick")
class TargetChoices:
    unit_id: int
    change: Change
    offset: int


@payload("un", "ask")
class ChangeAsk:
    unit_id: int
    change: Change
    target_id: int


@payload("un", "do")
class ChangeDo:
    unit_id: int
    change: Change
    target_id: int

"""The one access rule: role × unit subtree.

Every read of cases or people in a handler goes through a repository method that takes
the viewing person and applies these conditions; there is no unscoped case read.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from storage.models import Case, CaseMediator, Person, Role


def case_visible(viewer: Person) -> ColumnElement[bool]:
    """SQL condition: cases this person may see."""
    if not viewer.active:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.CAN_BO:
        return Case.unit_path.startswith(viewer.unit.path, autoescape=True)
    if viewer.role is Role.TO_TRUONG:
        return Case.team_id == viewer.unit_id
    takes_part = exists(
        select(CaseMediator.case_id).where(
            CaseMediator.case_id == Case.id, CaseMediator.person_id == viewer.id
        )
    )
    return (Case.team_id == viewer.unit_id) & or_(Case.created_by_id == viewer.id, takes_part)


def can_view_case(viewer: Person, case: Case) -> bool:
    if not viewer.active:
        return False
    if viewer.role is Role.ADMIN:
        return True
    if viewer.role is Role.CAN_BO:
        return case.unit_path.startswith(viewer.unit.path)
    if case.team_id != viewer.unit_id:
        return False
    if viewer.role is Role.TO_TRUONG:
        return True
    return case.created_by_id == viewer.id or any(m.person_id == viewer.id for m in case.mediators)


def can_change_case(viewer: Person, case: Case) -> bool:
    """Only the team's own people change a case: its mediators and the team leader."""
    if viewer.role in (Role.CAN_BO, Role.ADMIN):
        return False
    return can_view_case(viewer, case)


def unit_visible(viewer: Person, unit_path: str) -> bool:
    """Officials act on their unit and what lies under it; others on their own unit."""
    if viewer.role is Role.ADMIN:
        return True
    return unit_path.startswith(viewer.unit.path)

"""The one access rule: role × unit subtree.

Every read of cases or people in a handler goes through a repository method that takes
the viewing person and applies these conditions; there is no unscoped case read.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Boolean, ColumnElement, exists, false, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage.models import Case, CaseMediator, Person, Role, Unit

_PATH = re.compile(r"^/(?:\d+/)*$")


class _Under(FunctionElement[bool]):
    """`column` holds a materialised path at or below `path` (see `under`)."""

    type = Boolean()
    inherit_cache = True
    name = "under"
    _is_implicitly_boolean = True  # a comparison already: never "(…) = 1", which hides the index


@compiles(_Under)
def _under_like(element, compiler, **kw):
    col, low, _high = element.clauses
    return f"({compiler.process(col, **kw)} LIKE {compiler.process(low, **kw)} || '%')"


@compiles(_Under, "sqlite")
def _under_sqlite(element, compiler, **kw):
    col, low, high = (compiler.process(c, **kw) for c in element.clauses)
    return f"({col} >= {low} AND {col} < {high})"  # binary collation: an index range


@compiles(_Under, "postgresql")
def _under_postgresql(element, compiler, **kw):
    col, low, high = (compiler.process(c, **kw) for c in element.clauses)
    return f'({col} COLLATE "C" >= {low} AND {col} COLLATE "C" < {high})'


def under(column, path: str) -> ColumnElement[bool]:
    """Prefix match on a materialised path, written so the database can use an index:
    '/1/4/' covers '/1/4/' and '/1/4/9/', never '/1/40/' ('0' sorts right after '/')."""
    if not _PATH.match(path):
        raise ValueError(f"not a unit path: {path!r}")
    return _Under(column, path, path[:-1] + "0")


def case_visible(viewer: Person) -> ColumnElement[bool]:
    """SQL condition: cases this person may see. Read-only overseers see none (only counts)."""
    if not viewer.active or viewer.role.reads_only:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.CAN_BO:
        return under(Case.unit_path, viewer.unit.path)
    if viewer.role is Role.TO_TRUONG:
        return Case.team_id == viewer.unit_id
    takes_part = exists(
        select(CaseMediator.case_id).where(CaseMediator.case_id == Case.id, CaseMediator.person_id == viewer.id)
    )
    return (Case.team_id == viewer.unit_id) & or_(Case.created_by_id == viewer.id, takes_part)


def case_counted(viewer: Person) -> ColumnElement[bool]:
    """SQL condition: cases this person's counts include. Read-only overseers count their
    unit's subtree, as officials do, without seeing any of its cases (case_visible)."""
    if viewer.active and viewer.role.reads_only:
        return under(Case.unit_path, viewer.unit.path)
    return case_visible(viewer)


def can_view_case(viewer: Person, case: Case) -> bool:
    if not viewer.active or viewer.role.reads_only:
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
    if viewer.role.is_official:
        return False
    return can_view_case(viewer, case)


AUTHOR_CORRECTS_DAYS = 7


def can_correct_case(viewer: Person, case: Case, now: dt.datetime) -> bool:
    """Corrections: the team leader always; the author for AUTHOR_CORRECTS_DAYS after logging."""
    if not can_change_case(viewer, case):
        return False
    if viewer.role is Role.TO_TRUONG:
        return True
    return case.created_by_id == viewer.id and now - case.created_at <= dt.timedelta(days=AUTHOR_CORRECTS_DAYS)


def unit_visible(viewer: Person, unit_path: str) -> bool:
    """Officials act on their unit and what lies under it; others on their own unit."""
    if viewer.role is Role.ADMIN:
        return True
    return unit_path.startswith(viewer.unit.path)


def unit_in_scope(viewer: Person) -> ColumnElement[bool]:
    """SQL condition on units: what this person may count and act on. Officials (and read-only
    overseers, who only count): their unit and everything under it; a team leader: their team;
    a mediator: no unit at all."""
    if not viewer.active:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.CAN_BO or viewer.role.reads_only:
        return under(Unit.path, viewer.unit.path)
    if viewer.role is Role.TO_TRUONG:
        return Unit.id == viewer.unit_id
    return false()  # a mediator counts only their own cases (case_visible), never the team's


def person_visible(viewer: Person) -> ColumnElement[bool]:
    """SQL condition on people: officials (and read-only overseers, for the team review) see
    the people of their subtree, a team leader the team's members, a mediator only themself.
    The disputing parties are not people here: they live sealed in their cases."""
    if not viewer.active:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.CAN_BO or viewer.role.reads_only:
        return Person.unit_id.in_(select(Unit.id).where(under(Unit.path, viewer.unit.path)))
    if viewer.role is Role.TO_TRUONG:
        return Person.unit_id == viewer.unit_id
    return Person.id == viewer.id


def can_manage_people(viewer: Person, unit: Unit) -> bool:
    """Adding, moving and releasing mediators (Điều 11, 12): officials, in their subtree."""
    return viewer.active and viewer.role.is_official and unit_visible(viewer, unit.path)

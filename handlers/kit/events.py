"""Domain events: what happened in one slice that another reacts to, without calling it.

A slice publishes a small fact (`PersonJoined`, `PersonMoved`) to `ctx.deps.events`; the
subscribers the composition root (bot/app.py) registered run at once, in the publisher's unit of
work, before anything else the turn does: they commit with it or not at all, as a direct call did.

    await ctx.deps.events.publish(ctx.uow, PersonJoined(person, ctx.now))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from storage.db import UnitOfWork
    from storage.models import Person

E = TypeVar("E")
Subscriber = Callable[["UnitOfWork", Any], Awaitable[object]]


@dataclass(frozen=True)
class PersonJoined:
    """Someone became a person of the bot with an invite code (their unit loaded)."""

    person: Person
    at: dt.datetime


@dataclass(frozen=True)
class PersonMoved:
    """An official moved a mediator to another team (their new unit loaded)."""

    person: Person
    at: dt.datetime


class Events:
    """Who listens to which kind of event; publishing awaits each subscriber in turn."""

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Subscriber]] = {}

    def subscribe(self, kind: type[E], run: Callable[[UnitOfWork, E], Awaitable[object]]) -> None:
        self._subscribers.setdefault(kind, []).append(run)

    async def publish(self, uow: UnitOfWork, event: object) -> None:
        for run in self._subscribers.get(type(event), ()):
            await run(uow, event)

"""The steps that ask a person's facts for the team review (Điều 12): name, sex, ethnic minority.

Shared by joining with a code and by an official adding a mediator. A subclass renders
`ask_name` and finishes in `pick_ethnic`; `sex_key` and `ethnic_key` are the questions'
catalog keys (asked of oneself, or about someone else).
"""

from __future__ import annotations

import enum

from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.text import MAX_NAME, clean, one_line

__all__ = ["MAX_NAME", "FactStep", "PersonFactsFlow"]


class FactStep(enum.StrEnum):
    NAME = "name"
    SEX = "sex"
    ETHNIC = "ethnic"


class PersonFactsFlow(Flow):
    steps = FactStep
    sex_key = "join.ask_sex"
    ethnic_key = "join.ask_ethnic"

    async def ask_name(self, ctx: Ctx) -> list[Reply]:
        raise NotImplementedError

    async def text_name(self, ctx: Ctx, text: str) -> list[Reply]:
        """Typed, or the profile name taken with «Dùng tên»: both pass the one cleaning."""
        name = one_line(clean(text))
        if not 2 <= len(name) <= MAX_NAME or not any(ch.isalpha() for ch in name):
            return [ctx.say("join.bad_name", limit=MAX_NAME), *await self.ask_name(ctx)]
        self.put(ctx, full_name=name)
        self.goto(ctx, FactStep.SEX)
        return await self.ask_sex(ctx)

    async def ask_sex(self, ctx: Ctx) -> list[Reply]:
        return [
            ctx.say(
                self.sex_key,
                rows(
                    self.option(ctx, FactStep.SEX, "nam", "join.sex_nam"),
                    self.option(ctx, FactStep.SEX, "nu", "join.sex_nu"),
                    per_row=2,
                ),
            )
        ]

    async def pick_sex(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, sex="nu" if value == "nu" else "nam")
        self.goto(ctx, FactStep.ETHNIC)
        return await self.ask_ethnic(ctx)

    async def ask_ethnic(self, ctx: Ctx) -> list[Reply]:
        return [
            ctx.say(
                self.ethnic_key,
                rows(
                    self.option(ctx, FactStep.ETHNIC, "yes", "common.yes"),
                    self.option(ctx, FactStep.ETHNIC, "no", "common.no"),
                    per_row=2,
                ),
            )
        ]

    async def pick_ethnic(self, ctx: Ctx, value: str) -> list[Reply]:
        raise NotImplementedError

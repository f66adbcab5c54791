"""Guided flows whose state lives in the conversation row, not in memory.

A flow declares its steps as a table, a StrEnum (`steps = Step`), and names its methods by what
triggers them: `ask_<step>` renders the question, `text_<step>` takes typed text, `pick_<step>`
a button's value, `file_<step>` a file. `Flow.check()` (run by the engine at start-up and by
tests/unit/test_flows.py) refuses a step without its question and a method without its step, and
flows move with `goto(ctx, Step.PLACE)`, so a mistyped step is a type error, not a user's
internal error. Button payloads are `FlowPick` (`f:<token>:<step>:<value>`); a button from an
older flow instance or from a step the user has left is recognised as stale.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any, ClassVar

from handlers.kit.core import Button, Ctx, FileRef, Reply, rows
from handlers.kit.payload import pack, payload

FLOW_TTL = dt.timedelta(days=3)


@payload("f")
class FlowPick:
    tok: str
    step: str
    value: str


TRIGGERS = ("ask_", "text_", "pick_", "file_")


class FlowError(LookupError):
    """A flow whose step table and methods disagree (a programming error, found at start-up)."""


class Flow:
    name = ""
    steps: ClassVar[type[enum.StrEnum] | None] = None

    @classmethod
    def check(cls) -> None:
        """Every declared step has its question; every step method belongs to a declared step."""
        if cls.steps is None:
            raise FlowError(f"{cls.__name__}: no step table")
        declared = {s.value for s in cls.steps}
        missing = sorted(s for s in declared if not callable(getattr(cls, f"ask_{s}", None)))
        methods = {a.split("_", 1)[1] for a in dir(cls) if a.startswith(TRIGGERS) and callable(getattr(cls, a))}
        stray = sorted(methods - declared)
        if missing or stray:
            raise FlowError(f"{cls.__name__}: steps without ask_ {missing}, methods without a step {stray}")

    def _known(self, step: str) -> str:
        if self.steps is not None and step not in {s.value for s in self.steps}:
            raise FlowError(f"{type(self).__name__}: no step {step!r}")
        return str(step)

    # --- state -----------------------------------------------------------------
    def begin(self, ctx: Ctx, step: str, **data: Any) -> None:
        ctx.conv.flow = self.name
        ctx.conv.step = self._known(step)
        ctx.conv.data = {"tok": secrets.token_hex(2), **data}
        ctx.conv.expires_at = ctx.now + FLOW_TTL

    def goto(self, ctx: Ctx, step: str) -> None:
        ctx.conv.step = self._known(step)
        ctx.conv.expires_at = ctx.now + FLOW_TTL

    def put(self, ctx: Ctx, **values: Any) -> None:
        # reassign so SQLAlchemy sees the JSON column change
        ctx.conv.data = {**ctx.conv.data, **values}

    @staticmethod
    def page_at(ctx: Ctx, total: int, key: str = "offset") -> int:
        """Where the page of a long list shown at this step starts."""
        at = ctx.conv.data.get(key, 0)
        return at if isinstance(at, int) and 0 <= at < total else 0

    def next_page(self, ctx: Ctx, total: int, size: int, key: str = "offset") -> None:
        """«Xem thêm…»: the next page; after the last, the first again."""
        at = self.page_at(ctx, total, key) + size
        self.put(ctx, **{key: at if at < total else 0})

    @staticmethod
    def end(ctx: Ctx) -> None:
        ctx.conv.flow = None
        ctx.conv.step = None
        ctx.conv.data = {}
        ctx.conv.expires_at = None

    # --- buttons -----------------------------------------------------------------
    def option(self, ctx: Ctx, step: str, value: str, label_key: str, **values: Any) -> Button:
        return Button(ctx.t(label_key, **values), self.pick(ctx, step, value))

    def choices(self, ctx: Ctx, step: str, text: str, *options: tuple[str, str]) -> Reply:
        """A step's question with one button per (value, label key), one button a row."""
        return Reply(text, rows(*(self.option(ctx, step, value, key) for value, key in options)))

    def option_label(self, ctx: Ctx, step: str, value: str, label: str) -> Button:
        return Button(label, self.pick(ctx, step, value))

    def pick(self, ctx: Ctx, step: str, value: object) -> str:
        return pack(FlowPick(str(ctx.conv.data.get("tok", "")), self._known(step), str(value)))

    # --- dispatch ----------------------------------------------------------------
    async def prompt(self, ctx: Ctx) -> list[Reply]:
        return await getattr(self, f"ask_{ctx.conv.step}")(ctx)

    async def on_text(self, ctx: Ctx, text: str) -> list[Reply]:
        handler = getattr(self, f"text_{ctx.conv.step}", None)
        if handler is None:
            return [Reply(ctx.t("flow.use_buttons")), *await self.prompt(ctx)]
        return await handler(ctx, text)

    async def on_file(self, ctx: Ctx, file: FileRef) -> list[Reply] | None:
        """A file sent at a step that takes one (`file_<step>`); None if this step takes none."""
        handler = getattr(self, f"file_{ctx.conv.step}", None)
        return None if handler is None else await handler(ctx, file)

    async def on_pick(self, ctx: Ctx, token: str, step: str, value: str) -> list[Reply] | None:
        """None means the button is stale (another flow instance or another step)."""
        if token != ctx.conv.data.get("tok") or step != ctx.conv.step:
            return None
        handler = getattr(self, f"pick_{step}", None)
        if handler is None:
            return None
        return await handler(ctx, value)

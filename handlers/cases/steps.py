"""The steps that fill a case record, shared by logging (/vuviec) and correcting a case.

Each step is `ask_<step>` (the question), `text_<step>` and/or `pick_<step>` (the answer), named
in `Step`; each flow declares the steps it has as its own table (`table`). A flow says which
steps follow which (`sequence`); while `editing`, every step returns to the flow's confirm screen.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

from handlers.cases.dates import read_case_day
from handlers.cases.drafts import (
    CATEGORIES,
    EXCLUSIONS,
    MAX_PARTIES,
    MAX_PARTY_NAME,
    MAX_SUMMARY,
    MIN_SUMMARY,
    SOURCES,
)
from handlers.common.dates import Problem
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.text import one_line

MAX_ADDRESS = 200
MEDIATORS_PAGE = 8
MEDIATORS_NAMED = 5
_SPLIT = re.compile(r"[;\n]|,(?!\d)")


class Step(enum.StrEnum):
    """Every step of the flows that fill a case record."""

    DATE = "date"
    CATEGORY = "category"
    EXCLUSION = "exclusion"
    SOURCE = "source"
    PARTIES = "parties"
    ADDRESSES = "addresses"
    SUMMARY = "summary"
    MEDIATORS = "mediators"
    OUTCOME = "outcome"
    AGREEMENT = "agreement"
    REQUESTS = "requests"
    REFERRAL = "referral"
    END_REASON = "end_reason"
    OUTCOME_ON = "outcome_on"
    SESSIONS = "sessions"
    PLACE = "place"
    INVITED = "invited"
    CONFIRM = "confirm"
    EDIT = "edit"
    REASON = "reason"


def table(name: str, *steps: Step) -> type[enum.StrEnum]:
    """A flow's step table: the steps of `Step` it has (Flow.check holds it to its methods)."""
    return enum.StrEnum(name, [(s.name, s.value) for s in steps])  # type: ignore[return-value]


RECORD_STEPS = (
    Step.DATE,
    Step.CATEGORY,
    Step.EXCLUSION,
    Step.SOURCE,
    Step.PARTIES,
    Step.ADDRESSES,
    Step.SUMMARY,
    Step.MEDIATORS,
    Step.CONFIRM,
    Step.EDIT,
)


def split_names(text: str) -> list[str]:
    return [one_line(n) for n in _SPLIT.split(text) if one_line(n)]


def day(d: dict[str, Any], key: str) -> dt.date | None:
    value = d.get(key)
    return dt.date.fromisoformat(value) if value else None


class CaseSteps(Flow):
    """The record's fields, one question each."""

    def sequence(self, ctx: Ctx) -> tuple[Step, ...]:
        raise NotImplementedError

    async def _advance(self, ctx: Ctx, current: Step) -> list[Reply]:
        steps = self.sequence(ctx)
        at = steps.index(current) if current in steps else len(steps) - 1
        nxt = Step.CONFIRM if ctx.conv.data.get("editing") or at + 1 >= len(steps) else steps[at + 1]
        self.goto(ctx, nxt)
        return await self.prompt(ctx)

    # received on ---------------------------------------------------------------------
    async def ask_date(self, ctx: Ctx) -> list[Reply]:
        buttons = rows(
            self.option(ctx, Step.DATE, "today", "case.today"),
            self.option(ctx, Step.DATE, "yesterday", "case.yesterday"),
            per_row=2,
        )
        return [ctx.say("case.ask_date", buttons)]

    async def pick_date(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self._set_received(ctx, ctx.today - dt.timedelta(days=1 if value == "yesterday" else 0))

    async def text_date(self, ctx: Ctx, text: str) -> list[Reply]:
        value = read_case_day(text, ctx.today)
        if isinstance(value, Problem):
            return [ctx.say(value.key, **value.values), *await self.ask_date(ctx)]
        return await self._set_received(ctx, value)

    async def _set_received(self, ctx: Ctx, value: dt.date) -> list[Reply]:
        d = ctx.conv.data
        later = [x for x in (*(d.get("sessions") or []), d.get("outcome_on")) if x]
        if later and value.isoformat() > min(later):
            first = dt.date.fromisoformat(min(later)).strftime("%d/%m/%Y")
            return [ctx.say("case.received_after_sessions", day=first), *await self.ask_date(ctx)]
        self.put(ctx, received_on=value.isoformat())
        return await self._advance(ctx, Step.DATE)

    # category, with the exclusions of Điều 3 khoản 1 -----------------------------------
    async def ask_category(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.CATEGORY, c, f"category.{c}") for c in (*CATEGORIES, "loai_tru")]
        return [ctx.say("case.ask_category", rows(*options))]

    async def pick_category(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "loai_tru":
            self.goto(ctx, Step.EXCLUSION)
            return await self.ask_exclusion(ctx)
        if value not in CATEGORIES:
            return await self.ask_category(ctx)
        self.put(ctx, category=value)
        return await self._advance(ctx, Step.CATEGORY)

    async def ask_exclusion(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.EXCLUSION, e, f"exclusion.{e}") for e in EXCLUSIONS]
        options.append(self.option(ctx, Step.EXCLUSION, "back", "case.back_to_category"))
        return [ctx.say("case.ask_exclusion", rows(*options))]

    async def pick_exclusion(self, ctx: Ctx, value: str) -> list[Reply]:
        self.goto(ctx, Step.CATEGORY)
        if value not in EXCLUSIONS:
            return await self.ask_category(ctx)
        warning = ctx.say("case.exclusion_warning", point=value, reason=ctx.t(f"exclusion.{value}_why"))
        return [warning, *await self.ask_category(ctx)]

    # source (Điều 16) -------------------------------------------------------------------
    async def ask_source(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.SOURCE, s, f"source.{s}") for s in SOURCES]
        return [ctx.say("case.ask_source", rows(*options))]

    async def pick_source(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in SOURCES:
            return await self.ask_source(ctx)
        self.put(ctx, source=value)
        return await self._advance(ctx, Step.SOURCE)

    # parties, then each party's address ------------------------------------------------
    async def ask_parties(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_parties")]

    async def text_parties(self, ctx: Ctx, text: str) -> list[Reply]:
        names = split_names(text)
        if len(names) < 2:
            return [ctx.say("case.parties_too_few"), *await self.ask_parties(ctx)]
        if len(names) > MAX_PARTIES or any(len(n) > MAX_PARTY_NAME for n in names):
            return [
                ctx.say("case.parties_too_long", count=MAX_PARTIES, limit=MAX_PARTY_NAME),
                *await self.ask_parties(ctx),
            ]
        d = ctx.conv.data
        old = dict(zip(d.get("parties") or [], d.get("addresses") or [], strict=False))
        requests = dict(zip(d.get("parties") or [], d.get("requests") or [], strict=False))
        self.put(
            ctx,
            parties=names,
            addresses=[old.get(n, "") for n in names],
            requests=[requests.get(n, "") for n in names] if d.get("requests") else [],
        )
        self.goto(ctx, Step.ADDRESSES)  # the parties' addresses follow their names, editing or not
        return await self.ask_addresses(ctx)

    async def ask_addresses(self, ctx: Ctx) -> list[Reply]:
        d = ctx.conv.data
        names = "\n".join(f"{i}. {n}" for i, n in enumerate(d["parties"], 1))
        text = ctx.t("case.ask_addresses", names=names)
        if any(d.get("addresses") or []):
            text += "\n" + ctx.t("case.current_value", value="; ".join(a or "—" for a in d["addresses"]))
        options = [self.option(ctx, Step.ADDRESSES, "skip", "common.skip")]
        if any(d.get("addresses") or []):
            options.insert(0, self.option(ctx, Step.ADDRESSES, "keep", "case.keep"))
        return [Reply(text, rows(*options, per_row=2))]

    async def text_addresses(self, ctx: Ctx, text: str) -> list[Reply]:
        parties = ctx.conv.data["parties"]
        lines = [one_line(x) for x in re.split(r"[;\n]", text) if one_line(x)]
        lines = [re.sub(r"^\d{1,2}\s*[.)]\s*", "", x) for x in lines]  # "1. thôn Đông" → "thôn Đông"
        if len(lines) != len(parties):
            return [
                ctx.say("case.addresses_count", typed=len(lines), count=len(parties)),
                *await self.ask_addresses(ctx),
            ]
        if any(len(x) > MAX_ADDRESS for x in lines):
            return [ctx.say("case.too_long", limit=MAX_ADDRESS), *await self.ask_addresses(ctx)]
        self.put(ctx, addresses=lines)
        return await self._advance(ctx, Step.ADDRESSES)

    async def pick_addresses(self, ctx: Ctx, value: str) -> list[Reply]:
        if value != "keep":
            self.put(ctx, addresses=[""] * len(ctx.conv.data["parties"]))
        return await self._advance(ctx, Step.ADDRESSES)

    # summary -------------------------------------------------------
    async def ask_summary(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_summary", limit=MAX_SUMMARY)]

    async def text_summary(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) < MIN_SUMMARY:
            return [ctx.say("case.summary_too_short"), *await self.ask_summary(ctx)]
        if len(text) > MAX_SUMMARY:
            return [ctx.say("case.too_long", limit=MAX_SUMMARY), *await self.ask_summary(ctx)]
        self.put(ctx, summary=text)
        return await self._advance(ctx, Step.SUMMARY)

    # mediators of the team who take part ---------------------------------------------------
    async def _members(self, ctx: Ctx) -> list:
        """The team's mediators, the author first; the rest in the store's (name) order."""
        members = await ctx.uow.people.team_members(int(ctx.conv.data["team_id"]))
        return sorted(members, key=lambda p: p.id != ctx.me.id)

    async def ask_mediators(self, ctx: Ctx) -> list[Reply]:
        chosen = set(ctx.conv.data.get("mediators") or [])
        members = await self._members(ctx)
        at = self.page_at(ctx, len(members), "mediators_at")
        options = [
            self.option_label(ctx, Step.MEDIATORS, str(p.id), ("✅ " if p.id in chosen else "▫️ ") + p.full_name[:40])
            for p in members[at : at + MEDIATORS_PAGE]
        ]
        text = ctx.t("case.ask_mediators")
        if len(members) > MEDIATORS_PAGE:  # a big team: a page at a time (Telegram takes ≤ 100 buttons)
            options.append(self.option(ctx, Step.MEDIATORS, "more", "common.more"))
            names = [p.full_name[:40] for p in members if p.id in chosen]
            shown = ", ".join(names[:MEDIATORS_NAMED]) or "—"
            if len(names) > MEDIATORS_NAMED:
                shown += ctx.t("case.mediators_others", count=len(names) - MEDIATORS_NAMED)
            text += "\n" + ctx.t(
                "case.mediators_page",
                first=at + 1,
                last=min(at + MEDIATORS_PAGE, len(members)),
                total=len(members),
                chosen=shown,
            )
        options.append(self.option(ctx, Step.MEDIATORS, "done", "common.done"))
        return [Reply(text, rows(*options))]

    async def pick_mediators(self, ctx: Ctx, value: str) -> list[Reply]:
        chosen = list(ctx.conv.data.get("mediators") or [])
        if value == "done":
            if not chosen:
                return [ctx.say("case.mediators_none"), *await self.ask_mediators(ctx)]
            return await self._advance(ctx, Step.MEDIATORS)
        members = {str(p.id): p.id for p in await self._members(ctx)}
        if value == "more":
            self.next_page(ctx, len(members), MEDIATORS_PAGE, "mediators_at")
            return await self.ask_mediators(ctx)
        pid = members.get(value)  # the value as the button had it: an id of the team, or nothing
        if pid is not None:
            chosen = [i for i in chosen if i != pid] if pid in chosen else [*chosen, pid]
            self.put(ctx, mediators=chosen)
        return await self.ask_mediators(ctx)

"""The guided flow a mediator finishes in under a minute: /vuviec."""

from __future__ import annotations

import datetime as dt
import re

from handlers.cases.render import case_saved, draft_summary
from handlers.cases.usecases import CATEGORIES, EXCLUSIONS, SOURCES, CaseError, create_case
from handlers.core import Ctx, Reply, rows
from handlers.flow import Flow
from handlers.text import one_line

LAW_IN_FORCE = dt.date(2014, 1, 1)
MAX_PARTIES = 10
MAX_PARTY_NAME = 80
MAX_CONTACT = 300
MAX_SUMMARY = 1000
MEDIATORS_PAGE = 8
MEDIATORS_NAMED = 5
EDITABLE = ("date", "category", "source", "parties", "contact", "summary", "mediators")
_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$", re.ASCII)


def parse_date(text: str, today: dt.date) -> dt.date | str:
    """A typed date (dd/mm/yyyy, d/m, dd-mm-yy…) or the catalog key of what is wrong."""
    m = _DATE.match(text.strip())
    if not m:
        return "case.date_bad"
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    y = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        value = dt.date(y, month, day)
    except ValueError:
        return "case.date_bad"
    if value > today:
        return "case.date_future"
    if value < LAW_IN_FORCE:
        return "case.date_too_old"
    return value


class NewCaseFlow(Flow):
    name = "case"

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, "date", mediators=[ctx.person.id])
        return await self.ask_date(ctx)

    def _next(self, ctx: Ctx, natural: str) -> str:
        return "confirm" if ctx.conv.data.get("editing") else natural

    async def _advance(self, ctx: Ctx, natural: str) -> list[Reply]:
        self.goto(ctx, self._next(ctx, natural))
        return await self.prompt(ctx)

    # date --------------------------------------------------------------------------
    async def ask_date(self, ctx: Ctx) -> list[Reply]:
        buttons = rows(self.option(ctx, "date", "today", "case.today"),
                       self.option(ctx, "date", "yesterday", "case.yesterday"), per_row=2)
        return [ctx.say("case.ask_date", buttons)]

    async def pick_date(self, ctx: Ctx, value: str) -> list[Reply]:
        day = ctx.today - dt.timedelta(days=1 if value == "yesterday" else 0)
        self.put(ctx, received_on=day.isoformat())
        return await self._advance(ctx, "category")

    async def text_date(self, ctx: Ctx, text: str) -> list[Reply]:
        value = parse_date(text, ctx.today)
        if isinstance(value, str):
            return [ctx.say(value), *await self.ask_date(ctx)]
        self.put(ctx, received_on=value.isoformat())
        return await self._advance(ctx, "category")

    # category, with the exclusions of Điều 3 khoản 1 -------------------------------------
    async def ask_category(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "category", c, f"category.{c}") for c in (*CATEGORIES, "loai_tru")]
        return [ctx.say("case.ask_category", rows(*options))]

    async def pick_category(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "loai_tru":
            self.goto(ctx, "exclusion")
            return await self.ask_exclusion(ctx)
        if value not in CATEGORIES:
            return await self.ask_category(ctx)
        self.put(ctx, category=value)
        return await self._advance(ctx, "source")

    async def ask_exclusion(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "exclusion", e, f"exclusion.{e}") for e in EXCLUSIONS]
        options.append(self.option(ctx, "exclusion", "back", "case.back_to_category"))
        return [ctx.say("case.ask_exclusion", rows(*options))]

    async def pick_exclusion(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in EXCLUSIONS:
            self.goto(ctx, "category")
            return await self.ask_category(ctx)
        self.goto(ctx, "category")
        warning = ctx.say("case.exclusion_warning", point=value, reason=ctx.t(f"exclusion.{value}_why"))
        return [warning, *await self.ask_category(ctx)]

    # source (Điều 16) ---------------------------------------------------------------
    async def ask_source(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "source", s, f"source.{s}") for s in SOURCES]
        return [ctx.say("case.ask_source", rows(*options))]

    async def pick_source(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in SOURCES:
            return await self.ask_source(ctx)
        self.put(ctx, source=value)
        return await self._advance(ctx, "parties")

    # parties, contact, summary -------------------------------------------------------
    async def ask_parties(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_parties")]

    async def text_parties(self, ctx: Ctx, text: str) -> list[Reply]:
        names = [one_line(n) for n in re.split(r"[;\n]|,(?!\d)", text) if one_line(n)]
        if len(names) < 2:
            return [ctx.say("case.parties_too_few"), *await self.ask_parties(ctx)]
        if len(names) > MAX_PARTIES or any(len(n) > MAX_PARTY_NAME for n in names):
            return [ctx.say("case.parties_too_long", count=MAX_PARTIES, limit=MAX_PARTY_NAME),
                    *await self.ask_parties(ctx)]
        self.put(ctx, parties=names)
        return await self._advance(ctx, "contact")

    async def ask_contact(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_contact", rows(self.option(ctx, "contact", "skip", "common.skip")))]

    async def pick_contact(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, contact="")
        return await self._advance(ctx, "summary")

    async def text_contact(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_CONTACT:
            return [ctx.say("case.too_long", limit=MAX_CONTACT), *await self.ask_contact(ctx)]
        self.put(ctx, contact=text)
        return await self._advance(ctx, "summary")

    async def ask_summary(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_summary", limit=MAX_SUMMARY)]

    async def text_summary(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) < 5:
            return [ctx.say("case.summary_too_short"), *await self.ask_summary(ctx)]
        if len(text) > MAX_SUMMARY:
            return [ctx.say("case.too_long", limit=MAX_SUMMARY), *await self.ask_summary(ctx)]
        self.put(ctx, summary=text)
        return await self._advance(ctx, "mediators")

    # mediators of the team who take part ----------------------------------------------
    async def _members(self, ctx: Ctx) -> list:
        """The team's mediators, the author first; the rest in the store's (name) order."""
        members = await ctx.uow.people.team_members(ctx.person.unit_id)
        return sorted(members, key=lambda p: p.id != ctx.person.id)

    async def ask_mediators(self, ctx: Ctx) -> list[Reply]:
        chosen = set(ctx.conv.data.get("mediators") or [])
        members = await self._members(ctx)
        at = self.page_at(ctx, len(members), "mediators_at")
        options = [
            self.option_label(ctx, "mediators", str(p.id), ("✅ " if p.id in chosen else "▫️ ") + p.full_name[:40])
            for p in members[at : at + MEDIATORS_PAGE]
        ]
        text = ctx.t("case.ask_mediators")
        if len(members) > MEDIATORS_PAGE:  # a big team: a page at a time (Telegram takes ≤ 100 buttons)
            options.append(self.option(ctx, "mediators", "more", "common.more"))
            names = [p.full_name[:40] for p in members if p.id in chosen]
            shown = ", ".join(names[:MEDIATORS_NAMED]) or "—"
            if len(names) > MEDIATORS_NAMED:
                shown += ctx.t("case.mediators_others", count=len(names) - MEDIATORS_NAMED)
            text += "\n" + ctx.t("case.mediators_page", first=at + 1, last=min(at + MEDIATORS_PAGE, len(members)),
                                  total=len(members), chosen=shown)
        options.append(self.option(ctx, "mediators", "done", "common.done"))
        return [Reply(text, rows(*options))]

    async def pick_mediators(self, ctx: Ctx, value: str) -> list[Reply]:
        chosen = list(ctx.conv.data.get("mediators") or [])
        if value == "done":
            if not chosen:
                return [ctx.say("case.mediators_none"), *await self.ask_mediators(ctx)]
            return await self._advance(ctx, "confirm")
        members = {p.id for p in await ctx.uow.people.team_members(ctx.person.unit_id)}
        if value == "more":
            self.next_page(ctx, len(members), MEDIATORS_PAGE, "mediators_at")
            return await self.ask_mediators(ctx)
        pid = int(value) if value.isdecimal() else -1
        if pid in members:
            chosen = [i for i in chosen if i != pid] if pid in chosen else [*chosen, pid]
            self.put(ctx, mediators=chosen)
        return await self.ask_mediators(ctx)

    # confirm, edit, save ------------------------------------------------------------
    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        text = await draft_summary(ctx, ctx.conv.data)
        buttons = rows(self.option(ctx, "confirm", "save", "case.confirm"),
                       self.option(ctx, "confirm", "edit", "case.edit"),
                       self.option(ctx, "confirm", "cancel", "common.cancel"))
        return [Reply(text, buttons)]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "edit":
            self.goto(ctx, "edit")
            return await self.ask_edit(ctx)
        if value == "cancel":
            self.end(ctx)
            return [ctx.say("flow.cancelled")]
        try:
            case = await create_case(ctx.uow, ctx.person, ctx.conv.data, ctx.now)
        except CaseError as err:
            return [ctx.say(err.key), *await self.ask_confirm(ctx)]
        self.end(ctx)
        return [case_saved(ctx, case)]

    async def ask_edit(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "edit", f, f"case.field_{f}") for f in EDITABLE]
        return [ctx.say("case.ask_edit", rows(*options, per_row=2))]

    async def pick_edit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in EDITABLE:
            return await self.ask_edit(ctx)
        self.put(ctx, editing=True)
        self.goto(ctx, value)
        return await self.prompt(ctx)

"""The steps of a case's outcome: what was agreed or asked, where the parties were referred,
the reason an ending (Điều 23), the day of the outcome and of each mediation session."""

from __future__ import annotations

import datetime as dt

from handlers.cases.dates import read_case_day
from handlers.cases.steps import CaseSteps
from handlers.cases.usecases import END_REASONS, OUTCOMES, REFERRALS, real_text
from handlers.common.dates import Problem
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.text import one_line

MAX_AGREEMENT = 1000
MAX_REQUEST = 500
MAX_SESSIONS = 10


def outcome_steps(status: str | None) -> tuple[str, ...]:
    """What an outcome asks, by its kind (Điều 23, 24, 27)."""
    held = ("outcome_on", "sessions", "place", "invited")
    if status == "thanh":
        return ("agreement", *held)
    if status == "khong_thanh":
        return ("requests", "referral", *held)
    if status == "ket_thuc":
        return ("end_reason", *held)
    return ("sessions", "place", "invited")


class OutcomeSteps(CaseSteps):
    async def ask_outcome(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "outcome", s, f"status.{s}") for s in OUTCOMES]
        return [ctx.say("case.ask_outcome", rows(*options))]

    async def pick_outcome(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in OUTCOMES:
            return await self.ask_outcome(ctx)
        # a new kind of outcome asks its own fields, then comes back to confirm
        self.put(ctx, status=value, editing=False, party_at=0)
        self.goto(ctx, outcome_steps(value)[0])
        return await self.prompt(ctx)

    # agreement (hòa giải thành) -----------------------------------------------------------
    async def ask_agreement(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_agreement", limit=MAX_AGREEMENT)]

    async def text_agreement(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_AGREEMENT:
            return [ctx.say("case.too_long", limit=MAX_AGREEMENT), *await self.ask_agreement(ctx)]
        if not real_text(text):
            return [ctx.say("case.agreement_not_text"), *await self.ask_agreement(ctx)]
        self.put(ctx, agreement=text)
        return await self._advance(ctx, "agreement")

    # what each party asked for (không thành) ------------------------------------------------
    async def ask_requests(self, ctx: Ctx) -> list[Reply]:
        d = ctx.conv.data
        at = self.page_at(ctx, len(d["parties"]), "party_at")
        return [ctx.say("case.ask_request", name=d["parties"][at], number=at + 1, total=len(d["parties"]))]

    async def text_requests(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_REQUEST:
            return [ctx.say("case.too_long", limit=MAX_REQUEST), *await self.ask_requests(ctx)]
        if not real_text(text, letters=3, words=1):
            return [ctx.say("case.request_not_text"), *await self.ask_requests(ctx)]
        d = ctx.conv.data
        at = self.page_at(ctx, len(d["parties"]), "party_at")
        requests = list(d.get("requests") or [])
        requests += [""] * (len(d["parties"]) - len(requests))
        requests[at] = one_line(text)
        self.put(ctx, requests=requests, party_at=at + 1)
        if at + 1 < len(d["parties"]):
            return await self.ask_requests(ctx)
        return await self._advance(ctx, "requests")

    async def ask_referral(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "referral", r, f"referral.{r}") for r in REFERRALS]
        return [ctx.say("case.ask_referral", rows(*options))]

    async def pick_referral(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in REFERRALS:
            return await self.ask_referral(ctx)
        self.put(ctx, referral=value)
        return await self._advance(ctx, "referral")

    # the reason of an ending (Điều 23 khoản 2, 3) ---------------------------------------------
    async def ask_end_reason(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "end_reason", r, f"end_reason.{r}") for r in END_REASONS]
        return [ctx.say("case.ask_end_reason", rows(*options))]

    async def pick_end_reason(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in END_REASONS:
            return await self.ask_end_reason(ctx)
        self.put(ctx, end_reason=value)
        return await self._advance(ctx, "end_reason")

    # the day of the outcome -------------------------------------------------------------------
    async def ask_outcome_on(self, ctx: Ctx) -> list[Reply]:
        buttons = rows(self.option(ctx, "outcome_on", "today", "case.today"),
                       self.option(ctx, "outcome_on", "yesterday", "case.yesterday"), per_row=2)
        return [ctx.say("case.ask_outcome_on", buttons)]

    async def pick_outcome_on(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self._set_outcome_on(ctx, ctx.today - dt.timedelta(days=1 if value == "yesterday" else 0))

    async def text_outcome_on(self, ctx: Ctx, text: str) -> list[Reply]:
        value = read_case_day(text, ctx.today)
        if isinstance(value, Problem):
            return [ctx.say(value.key, **value.values), *await self.ask_outcome_on(ctx)]
        return await self._set_outcome_on(ctx, value)

    async def _set_outcome_on(self, ctx: Ctx, value: dt.date) -> list[Reply]:
        received = dt.date.fromisoformat(ctx.conv.data["received_on"])
        if value < received:
            return [ctx.say("case.before_received", day=received.strftime("%d/%m/%Y")),
                    *await self.ask_outcome_on(ctx)]
        sessions = [s for s in ctx.conv.data.get("sessions") or [] if s <= value.isoformat()]
        self.put(ctx, outcome_on=value.isoformat(), sessions=sessions)
        return await self._advance(ctx, "outcome_on")

    # the day of each session --------------------------------------------------------------------
    async def ask_sessions(self, ctx: Ctx) -> list[Reply]:
        d = ctx.conv.data
        options = []
        if d.get("outcome_on"):
            shown = dt.date.fromisoformat(d["outcome_on"]).strftime("%d/%m/%Y")
            options.append(self.option(ctx, "sessions", "outcome", "case.one_session", day=shown))
        if d.get("sessions"):
            options.append(self.option(ctx, "sessions", "keep", "case.keep"))
        else:
            options.append(self.option(ctx, "sessions", "none", "case.no_session_yet"))
        text = ctx.t("case.ask_sessions", limit=MAX_SESSIONS)
        if d.get("sessions"):
            text += "\n" + ctx.t("case.current_value", value=days_text(d["sessions"]))
        return [Reply(text, rows(*options))]

    async def pick_sessions(self, ctx: Ctx, value: str) -> list[Reply]:
        d = ctx.conv.data
        if value == "outcome" and d.get("outcome_on"):
            self.put(ctx, sessions=[d["outcome_on"]])
        elif value == "none" and d.get("outcome_on"):
            return [ctx.say("case.sessions_needed"), *await self.ask_sessions(ctx)]
        elif value == "none":
            self.put(ctx, sessions=[])
        return await self._advance(ctx, "sessions")

    async def text_sessions(self, ctx: Ctx, text: str) -> list[Reply]:
        d = ctx.conv.data
        parts = [p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",") if p.strip()]
        if not parts or len(parts) > MAX_SESSIONS:
            return [ctx.say("case.sessions_bad", limit=MAX_SESSIONS), *await self.ask_sessions(ctx)]
        received, last = d["received_on"], d.get("outcome_on") or ctx.today.isoformat()
        days = []
        for part in parts:
            value = read_case_day(part, ctx.today)
            if isinstance(value, Problem):
                return [ctx.say(value.key, **value.values), *await self.ask_sessions(ctx)]
            if not received <= value.isoformat() <= last:
                return [ctx.say("case.session_out_of_range", typed=part[:20], first=show(received), last=show(last)),
                        *await self.ask_sessions(ctx)]
            days.append(value.isoformat())
        self.put(ctx, sessions=sorted(set(days)))
        return await self._advance(ctx, "sessions")


def show(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def days_text(days: list[str]) -> str:
    return ", ".join(show(x) for x in days) or "—"

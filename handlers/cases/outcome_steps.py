"""The steps of a case's outcome: what was agreed or asked, where the parties were referred,
the reason an ending (Điều 23), the day of the outcome and of each mediation session."""

from __future__ import annotations

import datetime as dt

from handlers.cases.dates import read_case_day
from handlers.cases.drafts import END_REASONS, MAX_PARTY_NAME, OUTCOMES, REFERRALS, real_text
from handlers.cases.steps import CaseSteps, Step, split_names
from handlers.common.dates import Problem
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.text import one_line

MAX_AGREEMENT = 1000
MAX_REQUEST = 500
MAX_SESSIONS = 10
MAX_PLACE = 200
MAX_INVITED = 5
# the steps only an outcome has (OutcomeSteps), after those of the record (steps.RECORD_STEPS)
OUTCOME_STEPS = (
    Step.OUTCOME,
    Step.AGREEMENT,
    Step.REQUESTS,
    Step.REFERRAL,
    Step.END_REASON,
    Step.OUTCOME_ON,
    Step.SESSIONS,
    Step.PLACE,
    Step.INVITED,
)


def outcome_steps(status: str | None) -> tuple[Step, ...]:
    """What an outcome asks, by its kind (Điều 23, 24, 27)."""
    held = (Step.OUTCOME_ON, Step.SESSIONS, Step.PLACE, Step.INVITED)
    if status == "thanh":
        return (Step.AGREEMENT, *held)
    if status == "khong_thanh":
        return (Step.REQUESTS, Step.REFERRAL, *held)
    if status == "ket_thuc":
        return (Step.END_REASON, *held)
    return (Step.SESSIONS, Step.PLACE, Step.INVITED)


class OutcomeSteps(CaseSteps):
    async def ask_outcome(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.OUTCOME, s, f"status.{s}") for s in OUTCOMES]
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
        return await self._advance(ctx, Step.AGREEMENT)

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
        return await self._advance(ctx, Step.REQUESTS)

    async def ask_referral(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.REFERRAL, r, f"referral.{r}") for r in REFERRALS]
        return [ctx.say("case.ask_referral", rows(*options))]

    async def pick_referral(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in REFERRALS:
            return await self.ask_referral(ctx)
        self.put(ctx, referral=value)
        return await self._advance(ctx, Step.REFERRAL)

    # the reason of an ending (Điều 23 khoản 2, 3) ---------------------------------------------
    async def ask_end_reason(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, Step.END_REASON, r, f"end_reason.{r}") for r in END_REASONS]
        return [ctx.say("case.ask_end_reason", rows(*options))]

    async def pick_end_reason(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in END_REASONS:
            return await self.ask_end_reason(ctx)
        self.put(ctx, end_reason=value)
        return await self._advance(ctx, Step.END_REASON)

    # the day of the outcome -------------------------------------------------------------------
    async def ask_outcome_on(self, ctx: Ctx) -> list[Reply]:
        buttons = rows(
            self.option(ctx, Step.OUTCOME_ON, "today", "case.today"),
            self.option(ctx, Step.OUTCOME_ON, "yesterday", "case.yesterday"),
            per_row=2,
        )
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
            return [ctx.say("case.before_received", day=received.strftime("%d/%m/%Y")), *await self.ask_outcome_on(ctx)]
        sessions = [s for s in ctx.conv.data.get("sessions") or [] if s <= value.isoformat()]
        self.put(ctx, outcome_on=value.isoformat(), sessions=sessions)
        return await self._advance(ctx, Step.OUTCOME_ON)

    # where, and who was invited ---------------------------------------------------------------
    async def ask_place(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_place", rows(self.option(ctx, Step.PLACE, "skip", "common.skip")))]

    async def pick_place(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, place="")
        return await self._advance(ctx, Step.PLACE)

    async def text_place(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_PLACE:
            return [ctx.say("case.too_long", limit=MAX_PLACE), *await self.ask_place(ctx)]
        self.put(ctx, place=one_line(text))
        return await self._advance(ctx, Step.PLACE)

    async def ask_invited(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("case.ask_invited", rows(self.option(ctx, Step.INVITED, "none", "case.nobody_invited")))]

    async def pick_invited(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, invited=[])
        return await self._advance(ctx, Step.INVITED)

    async def text_invited(self, ctx: Ctx, text: str) -> list[Reply]:
        names = split_names(text)
        if len(names) > MAX_INVITED or any(len(n) > MAX_PARTY_NAME for n in names):
            return [
                ctx.say("case.parties_too_long", count=MAX_INVITED, limit=MAX_PARTY_NAME),
                *await self.ask_invited(ctx),
            ]
        self.put(ctx, invited=names)
        return await self._advance(ctx, Step.INVITED)

    # the day of each session --------------------------------------------------------------------
    async def ask_sessions(self, ctx: Ctx) -> list[Reply]:
        d = ctx.conv.data
        options = []
        if d.get("outcome_on"):
            shown = dt.date.fromisoformat(d["outcome_on"]).strftime("%d/%m/%Y")
            options.append(self.option(ctx, Step.SESSIONS, "outcome", "case.one_session", day=shown))
        if d.get("sessions"):
            options.append(self.option(ctx, Step.SESSIONS, "keep", "case.keep"))
        else:
            options.append(self.option(ctx, Step.SESSIONS, "none", "case.no_session_yet"))
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
        return await self._advance(ctx, Step.SESSIONS)

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
                return [
                    ctx.say("case.session_out_of_range", typed=part[:20], first=show(received), last=show(last)),
                    *await self.ask_sessions(ctx),
                ]
            days.append(value.isoformat())
        self.put(ctx, sessions=sorted(set(days)))
        return await self._advance(ctx, Step.SESSIONS)


def show(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def days_text(days: list[str]) -> str:
    return ", ".join(show(x) for x in days) or "—"

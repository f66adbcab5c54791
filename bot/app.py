"""Composition root: the one place where settings become objects and get wired together."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import system_clock
from bot.settings import Settings
from bot.store import open_store
from content.catalog import load_catalog
from handlers.broadcasts.views import Broadcasts
from handlers.cases.views import Cases
from handlers.commend.views import Commend
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.deadlines.views import Deadlines
from handlers.documents.views import Documents
from handlers.intents.views import Intents
from handlers.invites.views import Invites
from handlers.kit.core import Deps
from handlers.kit.engine import Engine
from handlers.kit.events import Events, PersonJoined, PersonMoved
from handlers.linking.views import Linking
from handlers.onboarding.views import Onboarding
from handlers.privacy.views import Privacy
from handlers.qa.chat import LegalQa
from handlers.reminders.views import Reminders
from handlers.reports.money import Rates
from handlers.reports.views import Reports
from handlers.stats.targets_flow import Targets
from handlers.stats.views import Stats
from handlers.support.views import Support
from handlers.teams.views import Teams
from handlers.trainings.usecases import invite_to_upcoming
from handlers.trainings.views import Trainings
from handlers.units.views import Units
from storage.db import Database

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


def build_engine(
    db: Database,
    *,
    timezone: str = "Asia/Ho_Chi_Minh",
    clock: Callable[[], dt.datetime] = system_clock,
    bot_username: str = "",
    invite_days: int = 14,
    rates: Rates | None = None,
    push: PushPolicy | None = None,
    retention_years: int = 5,
) -> Engine:
    """Every slice the bot answers with, and how slices react to each other's events."""
    catalog, tz, policy = load_catalog(), ZoneInfo(timezone), push or PushPolicy()
    deps = Deps(
        catalog=catalog,
        clock=clock,
        tz=tz,
        push=PushEnv(catalog, tz, policy),
        bot_username=bot_username,
        invite_days=invite_days,
    )
    subscribe(deps.events, deps.push)
    late = LateEngine()
    onboarding = Onboarding(lambda: late().command_list)
    linking = Linking(lambda: late().command_list)
    engine = Engine(
        db,
        deps,
        [
            onboarding.slice(),
            linking.slice(),
            Cases().slice(),
            Invites().slice(),
            Intents(late).slice(),
            legal_qa().slice(),
            Stats().slice(),
            Reports(rates or Rates()).slice(),
            Teams(policy).slice(),
            Support(policy).slice(),
            Commend().slice(),
            Trainings(policy).slice(),
            Deadlines(policy, rates).slice(),
            Broadcasts().slice(),
            Reminders().slice(),
            Privacy(retention_years).slice(),
            Documents().slice(),
            Targets().slice(),
            Units().slice(),
        ],
    )
    late.engine = engine
    return engine


class LateEngine:
    """The engine, for slices made before it that ask it things while they answer (the command list)."""

    engine: Engine | None = None

    def __call__(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the engine was asked for before build_engine made it")
        return self.engine


def subscribe(events: Events, push: PushEnv) -> None:
    """Who joins, or is moved to another team, is invited to the upcoming trainings covering it."""

    async def joined(uow, event: PersonJoined) -> None:
        await invite_to_upcoming(uow, push, event.person, event.at, joined=True)

    async def moved(uow, event: PersonMoved) -> None:
        await invite_to_upcoming(uow, push, event.person, event.at, joined=False)

    events.subscribe(PersonJoined, joined)
    events.subscribe(PersonMoved, moved)


@cache
def legal_qa() -> LegalQa:
    """The Q&A index, built once per process from the shipped snippets and statutes."""
    from handlers.qa import build_legal_qa

    return build_legal_qa()


def rates_of(settings: Settings) -> Rates:
    """The province's mediation rates (Thông tư 56/2023/TT-BTC unless configured)."""
    return Rates(settings.thu_lao_vu_viec, settings.thu_lao_thanh, settings.ho_tro_to_thang)


async def run(settings: Settings) -> None:
    from bot.pushes import push_policy
    from bot.runtime import run_channels, run_console

    db = await open_store(settings)
    engine = build_engine(
        db,
        timezone=settings.timezone,
        bot_username=settings.telegram_bot_username,
        invite_days=settings.invite_days,
        rates=rates_of(settings),
        push=push_policy(settings),
        retention_years=settings.party_retention_years,
    )
    try:
        if settings.telegram_token or settings.zalo_token:
            await run_channels(settings, engine, db)
        else:
            await run_console(settings, engine, db)
    finally:
        await db.dispose()

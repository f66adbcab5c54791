"""Seed an empty store with the demo data of content/demo.toml (console mode only)."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib.resources import files

from handlers.cases.usecases import create_case, record_outcome
from storage.db import Database
from storage.models import Account, Person, Role, UnitKind


def _demo() -> dict:
    return tomllib.loads((files("content") / "demo.toml").read_text(encoding="utf-8"))


async def demo_ward(db: Database) -> str | None:
    """The demo ward's name when this store holds the demo data (its ward, and the console
    personas linked to its people), else None: a real store is never called the demo."""
    data = _demo()
    people = [p for v in data["village"] for p in v["people"]]
    personas = {p["persona"]: p["name"] for p in people if "persona" in p}
    personas[data["official"]["persona"]] = data["official"]["name"]
    async with db.uow() as uow:
        if not any(u.name == data["ward"] for u in await uow.units.find(data["ward"])):
            return None
        for persona, name in personas.items():
            account = await uow.accounts.get("console", persona)
            linked = account.person_id if account else None
            person = await uow.people.get(linked) if linked else None
            if person is None or person.full_name != name:
                return None
    return data["ward"]


async def seed_demo(db: Database, now: dt.datetime) -> bool:
    """Returns False (and changes nothing) when the store already has units."""
    data = _demo()
    async with db.uow() as uow:
        if await uow.units.all():
            return False
        province = await uow.units.add(UnitKind.TINH, data["province"], None, now)
        ward = await uow.units.add(UnitKind.XA, data["ward"], province, now)
        teams: list[list[Person]] = []
        for village in data["village"]:
            thon = await uow.units.add(UnitKind.THON, village["name"], ward, now)
            team = await uow.units.add(UnitKind.TO_HOA_GIAI, village["team"], thon, now)
            members = []
            for p in village["people"]:
                person = await _person(uow, p, Role(p["role"]), team.id, now)
                members.append(person)
            teams.append(members)
        await _person(uow, data["official"], Role.CAN_BO, ward.id, now)
        for c in data["case"]:
            author = teams[c["team"]][c["author"]]
            draft = {
                "received_on": (now.date() - dt.timedelta(days=c["days_ago"])).isoformat(),
                "category": c["category"],
                "source": c["source"],
                "parties": c["parties"],
                "summary": c["summary"],
                "mediators": [author.id],
            }
            case = await create_case(uow, author, draft, now)
            if "outcome" in c:
                day = (now.date() - dt.timedelta(days=c["outcome_days_ago"])).isoformat()
                await record_outcome(
                    uow,
                    author,
                    case.id,
                    {
                        "status": c["outcome"],
                        "agreement": c.get("agreement", ""),
                        "requests": c.get("requests", []),
                        "referral": c.get("referral", ""),
                        "outcome_on": day,
                        "sessions": [day],
                    },
                    now,
                    now.date(),
                )
        await uow.commit()
    return True


async def _person(uow, spec: dict, role: Role, unit_id: int, now: dt.datetime) -> Person:
    person = await uow.people.add(
        Person(
            full_name=spec["name"],
            sex=spec.get("sex"),
            ethnic_minority=spec.get("ethnic_minority", False),
            role=role,
            unit_id=unit_id,
            created_at=now,
        )
    )
    await uow.session.refresh(person, ["unit"])
    if persona := spec.get("persona"):
        uow.session.add(
            Account(
                channel="console", external_id=persona, person_id=person.id, display_name=spec["name"], last_seen_at=now
            )
        )
    return person

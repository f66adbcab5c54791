"""One-time codes that link a second chat account (Telegram ↔ Zalo) to the same person.

Kept as digests (storage.codes): the code is shown once and looked up by its digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.codes import DIGEST_LENGTH, code_digest
from storage.models import AuditEntry, Base


class LinkCode(Base):
    """A short code shown in one app and typed in the other; spent on use."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]


class LinkCodeRepo:
    def __init__(self, session) -> None:
        self.s = session

    async def replace(self, person_id: int, code: str, now: dt.datetime, ttl: dt.timedelta) -> LinkCode:
        """The person's one live code: older codes of theirs (and expired ones) are dropped."""
        await self.s.execute(delete(LinkCode).where((LinkCode.person_id == person_id) | (LinkCode.expires_at <= now)))
        link = LinkCode(code_hash=code_digest(code), person_id=person_id, expires_at=now + ttl, created_at=now)
        self.s.add(link)
        await self.s.flush()
        return link

    async def exists(self, code: str) -> bool:
        q = select(func.count(LinkCode.id)).where(LinkCode.code_hash == code_digest(code))
        return bool(await self.s.scalar(q))

    async def spend(self, code: str, now: dt.datetime) -> int | None:
        """Delete a live code and return its person id; None if unknown or expired.

        The delete is the claim: two accounts typing the same code at once cannot both win.
        """
        link = await self.s.scalar(select(LinkCode).where(LinkCode.code_hash == code_digest(code)))
        if link is None:
            return None
        result = await self.s.execute(delete(LinkCode).where(LinkCode.id == link.id))
        if result.rowcount != 1 or link.expires_at <= now:
            return None
        return link.person_id

    async def failures_since(self, target: str, since: dt.datetime) -> int:
        """Wrong codes typed from this account lately (a brake on guessing)."""
        q = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "link_failed", AuditEntry.target == target, AuditEntry.at >= since
        )
        return await self.s.scalar(q) or 0

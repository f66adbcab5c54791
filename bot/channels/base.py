"""What every channel offers to code that sends outside a conversation turn (the outbox)."""

from __future__ import annotations

from typing import Protocol

from handlers.kit.core import Reply


class SendError(Exception):
    """A send that did not go through."""


class RetryLater(SendError):
    """Rate limited (429) or a transient fault (5xx, timeout): try again after `after` seconds."""

    def __init__(self, after: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {after}s")
        self.after = after


class Unreachable(SendError):
    """The person blocked the bot or the chat no longer exists (403): stop trying."""


class Rejected(SendError):
    """The platform refused this message (400): retrying the same message will not help."""


class Unconfirmed(SendError):
    """The request went out but no answer came in time: the platform may have carried it
    out, so it must not be sent again (the outbox records it as uncertain)."""


class Sender(Protocol):
    channel: str

    async def send(self, external_id: str, reply: Reply) -> None:
        """Deliver one reply (split as the channel needs); raise a SendError subclass on failure."""
        ...

"""Rendering replies for channels without buttons (Zalo, console): numbered choices."""

from __future__ import annotations

from content.catalog import Catalog
from handlers.core import Reply


def numbered(reply: Reply, catalog: Catalog) -> str:
    choices = reply.choices()
    if not choices:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{i}. {b.label}" for i, b in enumerate(choices, 1)]
    lines.append(catalog.t("channel.reply_with_number", last=len(choices)))
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, line or word boundaries so each part fits the channel."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts

"""Rendering replies for channels without buttons (Zalo, console): numbered choices."""

from __future__ import annotations

import unicodedata

from content.catalog import Catalog
from handlers.kit.core import Reply


def numbered(reply: Reply, catalog: Catalog) -> str:
    choices = reply.choices()
    if not choices:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{i}. {b.label}" for i, b in enumerate(choices, 1)]
    if len(choices) == 1:
        lines.append(catalog.t("channel.reply_with_one"))
    else:
        lines.append(catalog.t("channel.reply_with_number", last=len(choices)))
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into non-empty chunks of at most ``limit`` characters, preferring
    paragraph, then line, sentence and word boundaries; whitespace at a cut is dropped."""
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]  # a separator right after the limit is a clean cut too
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            idx = window.rfind(sep)
            if sep == ". " and idx != -1:
                idx += 1  # keep the full stop with its sentence
            if idx >= limit // 2 and idx <= limit:
                cut = idx
                break
            cut = max(cut, idx if idx <= limit else -1)
        if cut <= 0:
            cut = limit
            while cut > 1 and unicodedata.combining(rest[cut]):
                cut -= 1  # do not separate a letter from its diacritic
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head.strip():
            chunks.append(head)
    if rest.strip():
        chunks.append(rest)
    return chunks

"""One-time codes (invite codes, link codes) are kept only as digests.

The code itself is shown once, when it is made; the store holds its HMAC-SHA-256 and looks
codes up by it, so a copy of the database or a backup holds no code anyone could type. The
HMAC key is fixed (no pepper): it separates these digests from any other use of SHA-256.
Migration 0010 computes the same digest for the codes stored before.
"""

from __future__ import annotations

import hashlib
import hmac

_KEY = b"tro-ly-hoa-giai/one-time-code/v1"
DIGEST_LENGTH = 64


def code_digest(code: str) -> str:
    """The digest of a code as typed: spaces around it and letter case do not matter."""
    return hmac.new(_KEY, code.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()

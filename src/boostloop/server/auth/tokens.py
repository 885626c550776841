"""API tokens: ``blt_`` + 43 URL-safe characters (256 random bits). Only the SHA-256 hex is stored.

SHA-256 (not argon2) is right here: the token is 256 random bits, so a fast hash cannot be brute-forced,
and it lets the lookup be one indexed equality (``token_hash`` is unique).
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "blt_"
DISPLAY_PREFIX_LENGTH = 12  # "blt_" + 8 characters: enough to tell tokens apart in a list


def new_token() -> tuple[str, str, str]:
    """``(token, display prefix, sha256 hex)``; the token itself is shown once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:DISPLAY_PREFIX_LENGTH], token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

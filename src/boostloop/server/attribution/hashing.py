"""Person identifiers are stored only as keyed hashes (DESIGN.md, Conventions).

``person_hash = HMAC-SHA256(key = Workspace.hash_key, message = UTF-8 identifier)`` as lower-case hex
(RFC 2104; 64 characters). A per-workspace key means the same person has unrelated hashes in two
workspaces, and without the key a hash cannot be confirmed by hashing a guessed e-mail or id.
"""

from __future__ import annotations

import hashlib
import hmac


def person_hash(key: bytes, identifier: str) -> str:
    """HMAC-SHA256 hex of ``identifier`` under ``key``."""
    if not key:
        raise ValueError("person_hash needs a non-empty key")
    return hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()

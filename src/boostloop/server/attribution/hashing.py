"""Person identifiers are never stored in the clear: only their keyed hash (DESIGN.md, Conventions)."""

from __future__ import annotations

import hashlib
import hmac


def person_hash(key: bytes, identifier: str) -> str:
    """HMAC-SHA256 of ``identifier`` under the workspace's key, as 64 hex characters.

    Keyed (not a plain SHA-256) so that a leaked table cannot be reversed by hashing candidate e-mail
    addresses or ids without the key; one key per workspace so that the same person is not linkable
    across workspaces.
    """
    return hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()

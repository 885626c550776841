"""Opaque cursors for keyset pagination: ``?limit=50&cursor=...``; the response carries ``next_cursor``.

A cursor is base64url of ``[sort value, id]`` of the last row returned; the next page is the rows after
it in the (sort value, id) order, so pages stay stable while rows are added (unlike OFFSET). Domain
lists (e.g. boosts sorted by roi) use the same two functions with their own sort column.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from boostloop.errors import FieldError, InvalidInput


def encode_cursor(sort_value: Any, row_id: Any) -> str:
    raw = json.dumps([sort_value if sort_value is None or isinstance(sort_value, (int, float, str))
                      else str(sort_value), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        return value, str(row_id)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInput(errors=[FieldError(("query", "cursor"), "not a cursor this API returned")]) from None

"""Row-level error collection shared by the ingest service and every importer.

A batch or a file is checked to the end so that every bad row is reported at once (up to ``limit``
listed, the rest counted), each with its location: ``["campaign_metrics", 3, "spend_cents"]`` for an
API batch, ``["line 7", "Amount spent (USD)"]`` for a file. Nothing is written when any row is bad:
the caller's transaction rolls back when :meth:`ErrorLog.raise_if_any` raises.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from boostloop.errors import FieldError, InvalidInput


@dataclass(frozen=True)
class RowRef:
    """Where a row came from. ``ordinal`` is its index (API) or line number (file); ``columns`` maps a
    model field to the source column that held it, so an error names the column the user wrote."""

    loc: tuple[Any, ...]
    ordinal: int
    columns: Mapping[str, str] | None = None

    def at(self, field: str | None) -> tuple[Any, ...]:
        if not field:
            return self.loc
        return (*self.loc, self.columns.get(field, field) if self.columns else field)


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "…"
    if isinstance(value, int | float | bool):
        return value
    return None


class ErrorLog:
    """Collects every problem of one batch; lists the first ``limit`` (1000: enough to fix a file by,
    small enough for one API answer) and counts the rest."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.errors: list[FieldError] = []
        self.not_listed = 0

    def __bool__(self) -> bool:
        return bool(self.errors) or self.not_listed > 0

    @property
    def count(self) -> int:
        return len(self.errors) + self.not_listed

    def add(self, loc: tuple[Any, ...], msg: str, value: Any = None) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(FieldError(loc=tuple(loc), msg=msg, value=_scalar(value)))
        else:
            self.not_listed += 1

    def add_validation_error(self, ref: RowRef, exc: ValidationError) -> None:
        """Pydantic's errors, located at the source column. Model-level checks raise
        ``ValueError("field: message")`` so that they too point at a field."""
        for err in exc.errors(include_url=False):
            loc = [p for p in err.get("loc", ()) if isinstance(p, str)]
            msg = err.get("msg", "invalid")
            msg = msg.removeprefix("Value error, ")
            field = loc[0] if loc else None
            if field is None and ": " in msg:
                field, msg = msg.split(": ", 1)
            value = err.get("input") if loc else None
            self.add(ref.at(field), msg, value)

    def raise_if_any(self, summary: str = "Nothing was written") -> None:
        if not self:
            return
        errors = list(self.errors)
        if self.not_listed:
            errors.append(FieldError(loc=("…",), msg=f"{self.not_listed} more problems not listed"))
        raise InvalidInput(errors=errors, summary=f"{summary}: {self.count} problem(s)")


class DuplicateTracker:
    """Finds repeated natural keys among many rows in 16 bytes a row (a 64-bit hash and the row's
    ordinal), instead of keeping every key. Python's hash of equal tuples is equal within a process;
    two different keys colliding in 64 bits among a million rows has probability ~3e-8."""

    def __init__(self) -> None:
        self._hashes = array("q")
        self._ordinals = array("q")

    def __len__(self) -> int:
        return len(self._hashes)

    def add(self, key: Hashable, ordinal: int) -> None:
        self._hashes.append(hash(key))
        self._ordinals.append(ordinal)

    def duplicates(self) -> list[tuple[int, int]]:
        """``(ordinal, ordinal of the first row with the same key)`` for every repeat, in file order."""
        if len(self._hashes) < 2:
            return []
        h = np.frombuffer(self._hashes, dtype=np.int64)
        o = np.frombuffer(self._ordinals, dtype=np.int64)
        order = np.lexsort((o, h))
        hs, os_ = h[order], o[order]
        repeat = np.flatnonzero(hs[1:] == hs[:-1]) + 1
        if repeat.size == 0:
            return []
        run_start = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
        first_of = os_[run_start[np.searchsorted(run_start, repeat, side="right") - 1]]
        return sorted(zip(os_[repeat].tolist(), first_of.tolist(), strict=True))

    def report(self, errors: ErrorLog, loc_for: Callable[[int], tuple[Any, ...]], what: str) -> None:
        for ordinal, first in self.duplicates():
            errors.add(
                loc_for(ordinal), f"duplicate {what}: same key as {'/'.join(map(str, loc_for(first)))}"
            )

"""Errors the services raise; the API turns them into RFC 9457 problem+json responses.

Services raise these (never HTTP exceptions), so that the CLI, the jobs and the API report the same
thing: the field or row at fault, and nothing half-written (the caller's scope rolls back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class BoostloopError(Exception):
    """Base of every expected error. ``status`` is the HTTP status the API answers with."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(BoostloopError):
    """Also what another workspace's resource answers: it does not exist for the caller."""

    status = 404
    title = "Not found"


class Conflict(BoostloopError):
    status = 409
    title = "Conflict"


class PermissionDenied(BoostloopError):
    status = 403
    title = "Forbidden"


@dataclass(frozen=True)
class FieldError:
    """One bad value: where it is (``loc``, e.g. ``["events", 12, "occurred_at"]`` or
    ``["line 7", "Amount spent (USD)"]``) and what is wrong with it."""

    loc: tuple[Any, ...]
    msg: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class InvalidInput(BoostloopError):
    """Validation failed; ``errors`` lists every bad field or row found (not only the first)."""

    errors: list[FieldError] = field(default_factory=list)
    summary: str = "Validation failed"
    status = 422
    title = "Unprocessable content"

    def __post_init__(self) -> None:
        first = "; ".join(f"{'/'.join(map(str, e.loc))}: {e.msg}" for e in self.errors[:5])
        more = f" (+{len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        BoostloopError.__init__(self, f"{self.summary}: {first}{more}" if first else self.summary)

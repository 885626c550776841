"""What the pages read from the effectiveness service (``boostloop.server.effectiveness.service``): the
overview totals, every boost's score for the boosts table, and one boost's analysis, all from the stored
per-boost results (``effectiveness.store``). Results go through the app's cache with the API's TTL; the overview
and one boost's analysis share the API endpoints' cache entries (same names and parameters), so the page
and ``/api/v1/.../effectiveness/...`` show the same numbers. ``now`` is the real clock, as in the API.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.orm import Session

from boostloop.server.cache import EFFECTIVENESS_TTL
from boostloop.server.effectiveness import schemas as s
from boostloop.server.effectiveness import service, store


def _cached(request: Request, workspace_id: uuid.UUID, name: str, params, compute):
    return request.app.state.cache.get_or_set(workspace_id, name, params, EFFECTIVENESS_TTL, compute)


def overview(request: Request, session: Session, workspace_id: uuid.UUID,
             boost_ids: list[uuid.UUID] | None = None, key: str | None = None) -> s.OverviewOut:
    """The effectiveness totals of every boost (the API's overview, same cache entry) or of ``boost_ids``
    (the boosts of a dashboard period, cached under ``key``)."""
    raw = _cached(request, workspace_id, "effectiveness.overview", key,
                  lambda: service.overview(session, workspace_id, now=datetime.now(UTC),
                                           boost_ids=boost_ids).model_dump(mode="json"))
    return s.OverviewOut.model_validate(raw)


def scores(request: Request, session: Session, workspace_id: uuid.UUID) -> dict[str, dict]:
    """``{boost id: {"score", "lower", "upper", "confidence"}}`` for every analysed boost of the
    workspace, from the stored results (``effectiveness.store``: computed once per boost, not per page)."""

    def compute() -> dict[str, dict]:
        return {str(r.boost_id): {"score": r.score, "lower": r.score_lower, "upper": r.score_upper,
                                  "confidence": r.confidence}
                for r in store.current(session, workspace_id, now=datetime.now(UTC))}

    return _cached(request, workspace_id, "web.effectiveness.scores", None, compute)


def boost(request: Request, session: Session, workspace_id: uuid.UUID,
          boost_id: uuid.UUID) -> s.BoostEffectivenessOut | None:
    """One boost's analysis, or None when it cannot be analysed yet (it starts after now)."""
    from boostloop.errors import NotFound

    def compute():
        try:
            return service.boost_effectiveness(session, workspace_id, boost_id,
                                               now=datetime.now(UTC)).model_dump(mode="json")
        except NotFound:
            return None

    raw = _cached(request, workspace_id, "effectiveness.boost", str(boost_id), compute)
    return None if raw is None else s.BoostEffectivenessOut.model_validate(raw)

"""Effectiveness of a workspace's boosts: one boost, the comparison across boosts, the dashboard overview.

Read-only (VIEWER), cached per workspace for ``EFFECTIVENESS_TTL`` (5 minutes); new snapshots or events
invalidate the workspace's cache (``cache.invalidate_workspace``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from boostloop.server.api.cached import cached_json
from boostloop.server.api.deps import CanRead, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.cache import EFFECTIVENESS_TTL
from boostloop.server.effectiveness import service
from boostloop.server.effectiveness.schemas import BoostEffectivenessOut, ComparisonOut, OverviewOut

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/effectiveness", tags=["effectiveness"],
                   responses=problem_responses(401, 403, 404, 422, 429))


def _cached(request: Request, workspace_id: uuid.UUID, name: str, params, model, compute) -> Response:
    return cached_json(request, workspace_id, name, params, EFFECTIVENESS_TTL, model, compute)


@router.get("/boosts/{boost_id}", response_model=BoostEffectivenessOut,
            summary="Did this boost pay off beyond what the post would have done on its own?",
            description="Organic-only counterfactual with a 90 % interval, lift, cost per incremental result, "
            "ROI and incremental ROAS, the 0-100 score with its breakdown, and the confidence level. "
            "404 for a boost of another workspace.")
def boost_effectiveness(boost_id: uuid.UUID, access: CanRead, session: DbSession, request: Request) -> Response:
    return _cached(request, access.workspace_id, "effectiveness.boost", str(boost_id), BoostEffectivenessOut,
                   lambda: service.boost_effectiveness(session, access.workspace_id, boost_id, now=datetime.now(UTC)))


@router.get("/comparison", response_model=ComparisonOut,
            summary="Boosts ranked by cost per incremental result and by incremental ROI, against benchmarks")
def comparison(access: CanRead, session: DbSession, request: Request) -> Response:
    return _cached(request, access.workspace_id, "effectiveness.comparison", None, ComparisonOut,
                   lambda: service.comparison(session, access.workspace_id, now=datetime.now(UTC)))


@router.get("/overview", response_model=OverviewOut,
            summary="Dashboard totals: boosts, spend, ROI, incremental conversions and their cost")
def overview(access: CanRead, session: DbSession, request: Request) -> Response:
    return _cached(request, access.workspace_id, "effectiveness.overview", None, OverviewOut,
                   lambda: service.overview(session, access.workspace_id, now=datetime.now(UTC)))

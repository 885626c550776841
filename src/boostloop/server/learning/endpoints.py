"""Recommendation endpoints: list (filters status, min confidence; sorts; cached 15 minutes), apply (ADMIN:
creates the boost and links it), dismiss (MEMBER), generate now (ADMIN, strict rate limit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from boostloop.enums import RecommendationStatus
from boostloop.server.api.cached import cached_json
from boostloop.server.api.deps import CanAdmin, CanAdminExpensive, CanRead, CanWrite, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.cache import RECOMMENDATIONS_TTL
from boostloop.server.learning import repository as repo
from boostloop.server.learning import service
from boostloop.server.learning.schemas import GenerationOut, RecommendationList, RecommendationOut

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/recommendations", tags=["recommendations"],
                   responses=problem_responses(401, 403, 404, 422, 429))

# sort key -> (attribute, descending by default): most urgent, most confident, best ROI, newest first
SORTS = {"priority": ("priority", False), "confidence": ("confidence", True), "projected_roi": ("projected_roi", True),
         "created_at": ("created_at", True), "expires_at": ("expires_at", False)}
Sort = Literal["priority", "confidence", "projected_roi", "created_at", "expires_at"]


@router.get("", response_model=RecommendationList,
            summary="Recommendations (filters status, min confidence; sort; cached 15 minutes)")
def list_recommendations(
    access: CanRead, session: DbSession, request: Request,
    status: RecommendationStatus | None = None,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    sort: Sort = "priority",
    descending: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    params = {"status": status, "min_confidence": min_confidence, "sort": sort, "descending": descending,
              "limit": limit}

    def compute() -> dict:
        attr, desc = SORTS[sort]
        rows, total = repo.recommendation_page(
            session, access.workspace_id, status=status, min_confidence=min_confidence, sort=attr,
            descending=desc if descending is None else descending, limit=limit)  # ties: id ascending
        return RecommendationList(items=[RecommendationOut.model_validate(r) for r in rows],
                                  total=total).model_dump(mode="json")

    return cached_json(request, access.workspace_id, "recommendations", params, RECOMMENDATIONS_TTL,
                       RecommendationList, compute)


@router.post("/{recommendation_id}/apply", response_model=RecommendationOut, responses=problem_responses(409),
             summary="Apply (ADMIN): creates the boost it describes and links it; 409 unless PENDING and unexpired")
def apply(recommendation_id: uuid.UUID, access: CanAdmin, session: DbSession, request: Request) -> RecommendationOut:
    rec = service.apply_recommendation(session, access.workspace_id, recommendation_id, user_id=access.user.id,
                                       now=datetime.now(UTC))
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return RecommendationOut.model_validate(rec)


@router.post("/{recommendation_id}/dismiss", response_model=RecommendationOut, responses=problem_responses(409),
             summary="Dismiss a PENDING recommendation (MEMBER)")
def dismiss(recommendation_id: uuid.UUID, access: CanWrite, session: DbSession, request: Request) -> RecommendationOut:
    rec = service.dismiss_recommendation(session, access.workspace_id, recommendation_id, datetime.now(UTC))
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return RecommendationOut.model_validate(rec)


@router.post("/generate", response_model=GenerationOut,
             summary="Generate recommendations now (ADMIN; strict rate limit); expires stale ones first")
def generate(access: CanAdminExpensive, session: DbSession, request: Request,
             seed: Annotated[int, Query(ge=0, lt=2**32)] = 0) -> GenerationOut:
    r = service.generate_recommendations(session, access.workspace_id, datetime.now(UTC), seed=seed)
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return GenerationOut(created=[RecommendationOut.model_validate(x) for x in r.created],
                         skipped_duplicates=r.skipped_duplicates, expired=r.expired, model_version=r.model_version)

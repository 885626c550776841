"""Insight endpoints: the list (filters category, severity, acknowledged; cached 15 minutes, invalidated
with the workspace) and acknowledge (MEMBER)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from boostloop.enums import InsightCategory, InsightSeverity
from boostloop.server.api.cached import cached_json
from boostloop.server.api.deps import CanRead, CanWrite, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.cache import INSIGHTS_TTL
from boostloop.server.insights import service
from boostloop.server.insights.schemas import AcknowledgeIn, InsightOut, InsightPage

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/insights", tags=["insights"],
                   responses=problem_responses(401, 403, 404, 422, 429))


@router.get("", response_model=InsightPage,
            summary="Stored insights, CRITICAL first then by impact (cached 15 minutes)")
def list_insights(
    access: CanRead, session: DbSession, request: Request,
    category: InsightCategory | None = None,
    severity: InsightSeverity | None = None,
    acknowledged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    params = {"category": category, "severity": severity, "acknowledged": acknowledged,
              "limit": limit, "offset": offset}

    def compute() -> dict:
        page, total, top = service.list_insights(session, access.workspace_id, category=category,
                                                 severity=severity, acknowledged=acknowledged,
                                                 limit=limit, offset=offset)
        return InsightPage(items=[InsightOut.model_validate(i) for i in page], total=total,
                           top=[InsightOut.model_validate(i) for i in top]).model_dump(mode="json")

    return cached_json(request, access.workspace_id, "insights", params, INSIGHTS_TTL, InsightPage, compute)


@router.post("/{insight_id}/acknowledge", response_model=InsightOut,
             summary="Acknowledge an insight (MEMBER); idempotent, keeps the first who and when")
def acknowledge(insight_id: uuid.UUID, access: CanWrite, session: DbSession, request: Request,
                body: AcknowledgeIn | None = None) -> InsightOut:
    by = body.acknowledged_by if body else (access.user.email or str(access.user.id))[:64]
    insight = service.acknowledge(session, access.workspace_id, insight_id, by=by)
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return InsightOut.model_validate(insight)

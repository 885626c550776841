"""Pydantic models of the recommendations API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from boostloop.enums import RecommendationStatus, RecommendationType


class RecommendationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    recommendation_type: RecommendationType
    status: RecommendationStatus
    suggested_post_id: uuid.UUID | None
    confidence: float
    priority: int
    suggested_budget_cents: int
    suggested_duration_days: int
    suggested_timing: datetime
    suggested_targeting: dict[str, Any]
    projected_reach: int
    projected_conversions: int
    projected_roi: float
    confidence_interval: dict[str, Any]
    reason: str
    supporting_data: dict[str, Any]
    model_version: int | None
    applied_at: datetime | None
    applied_by_user_id: uuid.UUID | None
    dismissed_at: datetime | None
    resulting_boost_id: uuid.UUID | None
    realised_outcome: dict[str, Any] | None
    expires_at: datetime
    created_at: datetime


class RecommendationList(BaseModel):
    items: list[RecommendationOut]
    total: int


class GenerationOut(BaseModel):
    created: list[RecommendationOut]
    skipped_duplicates: int
    expired: int
    model_version: int

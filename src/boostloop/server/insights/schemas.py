"""Pydantic models of the insights API (read side and acknowledge)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from boostloop.enums import InsightCategory, InsightSeverity, InsightType


class InsightOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    insight_type: InsightType
    category: InsightCategory
    severity: InsightSeverity
    title: str
    description: str
    visualization: dict[str, Any] | None = None
    data_points: dict[str, Any]
    comparison_metrics: dict[str, Any] | None = None
    actionable: bool
    suggested_actions: list[str] | None = None
    impact: float
    fingerprint: str
    period_start: datetime
    period_end: datetime
    acknowledged: bool
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    created_at: datetime


class InsightFilters(BaseModel):
    category: InsightCategory | None = None
    severity: InsightSeverity | None = None
    acknowledged: bool | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class InsightPage(BaseModel):
    """One page of insights; ``top`` is the first five by severity then impact among the matching ones."""

    items: list[InsightOut]
    total: int
    top: list[InsightOut]


class AcknowledgeIn(BaseModel):
    acknowledged_by: str = Field(min_length=1, max_length=64)


class GenerateSummary(BaseModel):
    period_start: datetime
    period_end: datetime
    boosts_analysed: int
    tests: int
    significant: int
    created: int
    already_live: int
    created_ids: list[uuid.UUID]

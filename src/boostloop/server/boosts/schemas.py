"""Pydantic models of boost tracking (requests and responses), for the API and the CLI.

Money is integer cents of the workspace currency, rates are fractions, times are timezone-aware UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from boostloop.enums import BoostSource, BoostStatus, Platform

SortKey = Literal["boosted_at", "cost_per_result", "roi", "lift"]


class OrganicMetricsCaptured(BaseModel):
    """The post's own lifetime organic metrics at the boost time (the pre-boost snapshot)."""

    model_config = ConfigDict(extra="allow")

    impressions: int = 0
    engagements: int = 0
    reach: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    video_views: int = 0
    total_reach: int | None = None
    captured_at: datetime | None = None
    estimated: bool = False
    estimate_method: str | None = None


class BoostCreate(BaseModel):
    """Input of ``service.create_boost`` (the API's POST body)."""

    post_id: uuid.UUID
    campaign_id: uuid.UUID | None = None
    boosted_at: AwareDatetime
    boosted_by: str = Field(min_length=1, max_length=64)
    boosted_by_user_id: uuid.UUID | None = None
    reason: str = Field(default="", max_length=10_000)
    strategy: str = Field(min_length=1, max_length=64)
    targeting: dict[str, Any] | None = None
    budget_cents: int = Field(ge=0)
    duration_days: int = Field(ge=1, le=365)
    source: BoostSource = BoostSource.MANUAL
    cadence_hours: int = Field(default=1, ge=1, le=168)


class BoostStatusChange(BaseModel):
    status: BoostStatus
    at: AwareDatetime | None = None


class BoostCampaignLink(BaseModel):
    campaign_id: uuid.UUID


class SnapshotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    boost_campaign_id: uuid.UUID
    snapshot_at: datetime
    days_since_boosted: int
    organic_impressions: int
    organic_engagements: int
    organic_reach: int
    paid_impressions: int
    paid_reach: int | None
    paid_clicks: int
    paid_conversions: int
    paid_conversion_value_cents: int
    paid_spend_cents: int
    paid_ctr: float
    paid_cpa: float | None
    paid_roas: float | None
    attributed_organic: float
    attributed_paid: float
    attributed_overlap: float
    attributed_value_cents: int
    incremental_reach: int
    incremental_reach_estimated: bool
    cost_per_result: float | None
    total_roi: float | None


class BoostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workspace_id: uuid.UUID
    original_post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    platform: Platform
    boosted_at: datetime
    boosted_by: str
    boosted_by_user_id: uuid.UUID | None
    boost_reason: str
    boost_strategy: str
    source: BoostSource
    organic_metrics: dict[str, Any]
    targeting_criteria: dict[str, Any] | None
    initial_budget_cents: int
    duration_days: int
    snapshot_cadence_hours: int
    status: BoostStatus
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BoostListItem(BaseModel):
    boost: BoostOut
    latest_snapshot: SnapshotOut | None


class BoostPageOut(BaseModel):
    items: list[BoostListItem]
    next_cursor: str | None

"""Rows the ingest service accepts, one Pydantic model per kind, keyed by the platforms' natural keys.

Rows refer to each other by the platforms' own identifiers, never by Boostloop UUIDs, so that a file or
an API call can be replayed: account ``(platform, platform_account_id)``, post ``(account,
platform_post_id)``, organic metric ``(post, captured_at)``, campaign ``(platform, platform_campaign_id)``,
campaign metric ``(campaign, granularity, period_start)``. Money is integer minor units (cents) of the
workspace currency; times are timezone-aware and stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from boostloop.enums import CampaignObjective, CampaignStatus, ContentType, MetricGranularity, Platform

_BIGINT = 2**63 - 1


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UTCInstant = Annotated[AwareDatetime, AfterValidator(_to_utc)]
Count = Annotated[int, Field(ge=0, le=_BIGINT)]
Cents = Annotated[int, Field(ge=0, le=_BIGINT)]
PlatformId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AccountIn(_Row):
    platform: Platform
    platform_account_id: PlatformId
    handle: Annotated[str, Field(max_length=200)] = ""
    followers: Count | None = None


class PostIn(_Row):
    platform: Platform
    platform_account_id: PlatformId
    platform_post_id: PlatformId
    content_type: ContentType
    published_at: UTCInstant
    text_length: Count = 0
    media_count: Count = 0
    hashtag_count: Count = 0
    is_ads_eligible: bool = True
    permalink: Annotated[str, Field(max_length=500)] | None = None
    text_excerpt: Annotated[str, Field(max_length=280)] | None = None


class OrganicMetricIn(_Row):
    """Lifetime totals of one post as of ``captured_at`` (cumulative, as the platforms report them)."""

    platform: Platform
    platform_account_id: PlatformId
    platform_post_id: PlatformId
    captured_at: UTCInstant
    impressions: Count = 0
    reach: Count = 0
    engagements: Count = 0
    likes: Count = 0
    comments: Count = 0
    shares: Count = 0
    clicks: Count = 0
    video_views: Count = 0
    total_reach: Count | None = None

    @model_validator(mode="after")
    def _reach_within_impressions(self) -> OrganicMetricIn:
        # Unique reach counts people, impressions count showings: each person reached saw it at least once.
        if self.reach > self.impressions:
            raise ValueError(f"reach: {self.reach} exceeds impressions ({self.impressions})")
        if self.total_reach is not None and self.total_reach < self.reach:
            raise ValueError(f"total_reach: {self.total_reach} is below organic reach ({self.reach})")
        return self


class CampaignIn(_Row):
    """A paid campaign. ``started_at``/``ended_at`` only ever widen an existing campaign's window (an
    export of one week must not shrink what an export of the month said); ``extra`` lists are unioned."""

    platform: Platform
    platform_campaign_id: PlatformId
    name: Annotated[str, Field(max_length=300)] = ""
    objective: CampaignObjective | None = None
    status: CampaignStatus | None = None
    promoted_platform_post_id: PlatformId | None = None
    started_at: UTCInstant | None = None
    ended_at: UTCInstant | None = None
    extra: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CampaignIn:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at: before started_at")
        return self


class CampaignMetricIn(_Row):
    """Delivery of one campaign during one hour or day starting at ``period_start`` (not cumulative)."""

    platform: Platform
    platform_campaign_id: PlatformId
    granularity: MetricGranularity = MetricGranularity.DAY
    period_start: UTCInstant
    impressions: Count = 0
    reach: Count | None = None
    clicks: Count = 0
    conversions: Count = 0
    conversion_value_cents: Cents = 0
    spend_cents: Cents = 0

    @model_validator(mode="after")
    def _consistent(self) -> CampaignMetricIn:
        if self.reach is not None and self.reach > self.impressions:
            raise ValueError(f"reach: {self.reach} exceeds impressions ({self.impressions})")
        if self.period_start.minute or self.period_start.second or self.period_start.microsecond:
            raise ValueError("period_start: must fall on a whole hour")
        return self


class IngestBatch(BaseModel):
    """One all-or-nothing batch. Rows stay plain dicts here: each one is validated on its own so that
    every bad row is reported with its list and index (``["campaign_metrics", 3, "spend_cents"]``)."""

    model_config = ConfigDict(extra="forbid")

    accounts: list[dict[str, Any]] = Field(default_factory=list)
    posts: list[dict[str, Any]] = Field(default_factory=list)
    organic_metrics: list[dict[str, Any]] = Field(default_factory=list)
    campaigns: list[dict[str, Any]] = Field(default_factory=list)
    campaign_metrics: list[dict[str, Any]] = Field(default_factory=list)


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass
class IngestResult:
    """What a batch or an import did. ``unchanged`` rows were already stored with the same values
    (re-ingesting a batch gives created = updated = 0 everywhere)."""

    accounts: KindCounts = field(default_factory=KindCounts)
    posts: KindCounts = field(default_factory=KindCounts)
    organic_metrics: KindCounts = field(default_factory=KindCounts)
    campaigns: KindCounts = field(default_factory=KindCounts)
    campaign_metrics: KindCounts = field(default_factory=KindCounts)
    events: KindCounts = field(default_factory=KindCounts)
    rows_read: int = 0
    warnings: list[str] = field(default_factory=list)

    KINDS = ("accounts", "posts", "organic_metrics", "campaigns", "campaign_metrics", "events")

    @property
    def changed(self) -> int:
        return sum(getattr(self, k).written for k in self.KINDS)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows_read": self.rows_read, "warnings": list(self.warnings)}
        for kind in self.KINDS:
            counts = getattr(self, kind)
            out[kind] = {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        return out

    def summary(self) -> str:
        parts = []
        for kind in self.KINDS:
            c = getattr(self, kind)
            if c.created or c.updated or c.unchanged:
                parts.append(f"{kind}: {c.created} new, {c.updated} updated, {c.unchanged} unchanged")
        return f"{self.rows_read} rows read; " + ("; ".join(parts) if parts else "nothing to write")

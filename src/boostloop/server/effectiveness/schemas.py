"""API models of boost effectiveness. Money in integer-valued cents (floats where an estimate is
fractional), rates as fractions, intervals at the analysis level (90 %). ``None`` = undefined (e.g. a
cost per result without spend), never NaN."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


def finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


class IntervalOut(BaseModel):
    estimate: float | None
    lower: float | None
    upper: float | None

    @classmethod
    def of(cls, iv) -> IntervalOut:
        return cls(estimate=finite(iv.estimate), lower=finite(iv.lower), upper=finite(iv.upper))


class CounterfactualSeriesOut(BaseModel):
    times: list[datetime] = Field(description="Window start + hours")
    hours: list[float] = Field(description="Hours after the analysis start")
    estimate: list[float]
    lower: list[float] = Field(description="Pointwise 90 % interval (each time's own, not simultaneous)")
    upper: list[float]
    actual_organic: list[float | None] = Field(description="The post's actual organic total (None: not captured)")


class CounterfactualOut(BaseModel):
    metric: str
    baseline: float | None = Field(description="The post's own total at the analysis start (pre-boost)")
    actual_organic: float
    with_boost: float = Field(description="Actual organic plus the paid contribution at the analysis end")
    counterfactual: IntervalOut = Field(description="Organic-only total at the analysis end had it not been boosted")
    lift: IntervalOut = Field(description="with_boost - counterfactual")
    lift_fraction: IntervalOut = Field(description="lift / counterfactual")
    basis: str
    weight_trajectory: float
    n_controls: int
    series: CounterfactualSeriesOut | None = Field(
        default=None, description="The counterfactual over the window (charted metrics only)")


class ScoreComponentOut(BaseModel):
    name: str
    weight: float
    effective_weight: float
    value: float | None
    reference: float | None
    points: float | None
    points_lower: float | None
    points_upper: float | None
    explanation: str


class ScoreOut(BaseModel):
    score: float
    lower: float
    upper: float
    components: list[ScoreComponentOut]
    benchmark_source: str
    notes: list[str]


class BenchmarkOut(BaseModel):
    roas: float
    cpa_cents: float
    ctr: float
    conversion_rate: float
    source: str
    assumed: bool


class ConfidenceOut(BaseModel):
    level: str
    days_observed: float
    conversions: float
    reasons: list[str]


class WindowOut(BaseModel):
    start: datetime = Field(description="Time of the post's last organic capture at or before the boost")
    end: datetime = Field(description="Time of the post's last organic capture within the analysis window")
    horizon_hours: float
    controls: int
    controls_relaxed: list[str] = Field(description="Control rules dropped to find enough comparable posts")


class BoostEffectivenessOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"boost_id": "3f0c...", "platform": "FACEBOOK"}})

    boost_id: uuid.UUID
    post_id: uuid.UUID | None
    platform: str
    status: str
    boosted_at: datetime
    currency: str
    level: float = Field(description="Interval level (0.90)")
    window: WindowOut
    counterfactuals: list[CounterfactualOut]
    spend_cents: int
    value_cents: int
    conversions: float
    organic_conversions: float
    counterfactual_conversions: IntervalOut
    incremental_conversions: IntervalOut
    incremental_value_cents: IntervalOut
    cost_per_incremental_result_cents: IntervalOut
    total_roi: float | None = Field(description="(value - spend) / spend")
    incremental_roi: IntervalOut = Field(description="(incremental value - spend) / spend")
    incremental_roas: IntervalOut = Field(description="incremental value / spend")
    score: ScoreOut
    confidence: ConfidenceOut
    benchmark: BenchmarkOut
    snapshots: int = Field(description="Performance snapshots stored for the boost")
    flags: list[str]


class RankedBoostOut(BaseModel):
    rank: int
    boost_id: uuid.UUID
    platform: str
    value: IntervalOut
    benchmark: float
    vs_benchmark: str = Field(description="better | worse | inconclusive | undefined (interval vs benchmark)")
    confidence: str


class ComparisonOut(BaseModel):
    currency: str
    by_cost_per_result: list[RankedBoostOut] = Field(description="Cents per incremental conversion, ascending")
    by_incremental_roi: list[RankedBoostOut] = Field(description="Incremental ROI, descending; benchmark = ROAS - 1")
    by_platform: dict[str, dict[str, int]] = Field(description="Verdict counts of the ROI ranking per platform")


class OverviewOut(BaseModel):
    currency: str
    total_boosts: int
    analysed_boosts: int
    total_spend_cents: int
    total_value_cents: int
    average_roi: float | None = Field(description="Pooled total ROI: (sum value - sum spend) / sum spend")
    incremental_roi: float | None = Field(
        description="Pooled incremental ROI: (sum incremental value - sum spend) / sum spend")
    conversions: float = Field(
        description="All conversions of the analysed boosts' posts up to each boost's analysis window end: "
        "the same window as incremental_conversions, which are the part of them beyond the counterfactual")
    window: str = Field(description="The analysis window every figure here is counted in")
    incremental_conversions: float
    incremental_conversions_range: IntervalOut = Field(
        description="Sum of per-boost bounds: conservative (wider than the joint 90 % interval)")
    cost_per_incremental_conversion_cents: float | None = Field(
        description="total spend / total incremental conversions (None when not positive)")
    cost_without_boosts_cents: float | None = Field(
        description="What the same incremental conversions would have cost bought as ordinary ads at each "
        "platform's benchmark CPA: sum over boosts of incremental conversions x benchmark CPA")
    savings_vs_benchmark_cents: float | None = Field(description="cost_without_boosts - spend")
    confidence: dict[str, int] = Field(description="Boosts per confidence level")
    definitions: dict[str, str]

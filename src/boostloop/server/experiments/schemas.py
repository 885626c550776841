"""Pydantic models of experiments: what a client sends and what the analysis answers.

Validation here is per field; the rules that span fields (exactly one control, variants that differ in
the experiment's one dimension only, unique names) are checked in ``service.py`` so that every error is
reported with its location.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from boostloop.enums import ExperimentDimension, ExperimentStatus

# The primary metrics an experiment can be run on, and the kind of sufficient statistics each uses:
# conversion_rate = conversions / people reached (a proportion);
# value_per_person_cents = conversion value per person reached, cents (a mean: metric_sum, metric_sum_sq).
PRIMARY_METRICS: dict[str, str] = {"conversion_rate": "proportion", "value_per_person_cents": "mean"}

# The strategy keys that belong to each dimension. "Differ in one thing": the variants must differ in
# the keys of the experiment's dimension, and every other key a variant sets must have the same value in
# every variant (held constant).
DIMENSION_KEYS: dict[ExperimentDimension, frozenset[str]] = {
    ExperimentDimension.TIMING: frozenset({"start_hour", "start_local_hours", "start_weekday"}),
    ExperimentDimension.BUDGET: frozenset({"budget_cents", "duration_days"}),
    ExperimentDimension.TARGETING: frozenset({"targeting", "segment"}),
    ExperimentDimension.PLATFORM: frozenset({"platform"}),
    ExperimentDimension.CREATIVE: frozenset({"creative"}),
}
STRATEGY_KEYS: frozenset[str] = frozenset().union(*DIMENSION_KEYS.values())


class VariantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    strategy: dict[str, Any]
    is_control: bool = False
    allocation: float = Field(default=1.0, gt=0.0, description="planned share of boosts (relative weight)")


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    hypothesis: str = ""
    dimension: ExperimentDimension
    primary_metric: str = "conversion_rate"
    guardrail_metrics: list[str] = Field(default_factory=lambda: ["cost_per_result", "spend"])
    alpha: float = Field(default=0.05, gt=0.0, le=0.2)
    # 1000 people per variant: below that a 5 % rate gives fewer than 50 conversions per arm, where the
    # normal approximations of the z test and the delta method are rough (a common rule: >= 30-50 events).
    min_sample_per_variant: int = Field(default=1000, ge=1)
    assignment_seed: int | None = Field(default=None, ge=0, lt=2**63)
    variants: list[VariantCreate] = Field(min_length=2, max_length=10)


class VariantResultsIn(BaseModel):
    """Cumulative sufficient statistics of one variant as of now (they replace the previous ones)."""

    model_config = ConfigDict(extra="forbid")

    exposures: int = Field(ge=0, description="people reached (n)")
    conversions: int = Field(default=0, ge=0)
    metric_sum: float = Field(default=0.0, allow_inf_nan=False)
    metric_sum_sq: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    spend_cents: int = Field(default=0, ge=0)


class VariantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    position: int
    is_control: bool
    strategy: dict[str, Any]
    allocation: float
    exposures: int
    conversions: int
    metric_sum: float
    metric_sum_sq: float
    spend_cents: int


class ExperimentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    hypothesis: str
    dimension: ExperimentDimension
    primary_metric: str
    guardrail_metrics: list[str]
    status: ExperimentStatus
    assignment_seed: int
    alpha: float
    min_sample_per_variant: int
    started_at: datetime | None
    ended_at: datetime | None
    winner_variant_id: uuid.UUID | None
    variants: list[VariantOut]


class EffectOut(BaseModel):
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_value: float
    method: str
    defined: bool
    note: str | None = None


class GuardrailOut(BaseModel):
    metric: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_worse: float
    worse: bool
    defined: bool
    method: str
    note: str | None = None


class ComparisonOut(BaseModel):
    variant_id: uuid.UUID
    variant: str
    absolute: EffectOut  # pooled z (proportions) / Welch (means)
    relative: EffectOut  # delta-method lift
    sequential: EffectOut  # always-valid mSPRT
    p_value_used: float
    p_value_adjusted: float  # Holm
    significant: bool
    direction: int
    chance_to_win: float
    expected_loss_treatment: float
    expected_loss_control: float
    bayes_method: str
    guardrails: list[GuardrailOut]


class VariantSummaryOut(BaseModel):
    variant_id: uuid.UUID
    variant: str
    is_control: bool
    boosts_assigned: int
    n: int  # people reached
    mean: float
    spend_cents: int


class SrmOut(BaseModel):
    observed: list[int]
    expected: list[float]
    chi_square: float
    p_value: float
    threshold: float
    mismatch: bool
    note: str | None = None


class ExperimentAnalysis(BaseModel):
    experiment_id: uuid.UUID
    status: str  # WINNER, NO_WINNER_YET, INVALID
    winner_variant_id: uuid.UUID | None
    winner: str | None
    missing: list[str]
    primary_metric: str
    analysis_unit: str  # "person" (recorded statistics) or "boost" (ratio over boosts, cluster-robust)
    caveats: list[str]
    alpha: float
    sequential: bool
    p_value_method: str
    elapsed_days: float
    min_sample_per_variant: int
    min_sample_reached: bool
    days_to_min_sample: float | None
    days_to_significance: float | None
    variants: list[VariantSummaryOut]
    comparisons: list[ComparisonOut]
    srm: SrmOut

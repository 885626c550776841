"""What the insight detectors read: per-boost outcomes, snapshot histories, organic posts.

Plain frozen dataclasses so the core stays pure (no database, no clock). Money is integer cents,
times are the workspace's local weekday (0 = Monday) and hour (0-23) at which the boost started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from boostloop.errors import FieldError, InvalidInput


@dataclass(frozen=True)
class BoostOutcome:
    """One boost's result over the analysed period.

    ``roi = (value - spend) / spend``, ``cpa = spend / conversions`` (cents), ``ctr = clicks / impressions``
    (fraction); each is ``None`` when its denominator is zero (a defined "no answer", never NaN).
    """

    boost_id: str
    weekday: int
    hour: int
    platform: str
    content_type: str
    spend_cents: int
    impressions: int
    clicks: int
    conversions: int
    value_cents: int
    budget_cents: int = 0
    segment: str | None = None
    age_band: str | None = None
    interests: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    # Still delivering (status ACTIVE) at the end of the period.
    active: bool = False
    # Spend during the last ``recent_hours`` of the period (what a warning would stop).
    recent_spend_cents: int = 0

    @property
    def roi(self) -> float | None:
        return (self.value_cents - self.spend_cents) / self.spend_cents if self.spend_cents > 0 else None

    @property
    def roas(self) -> float | None:
        return self.value_cents / self.spend_cents if self.spend_cents > 0 else None

    @property
    def cpa_cents(self) -> float | None:
        return self.spend_cents / self.conversions if self.conversions > 0 else None

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions > 0 else None


@dataclass(frozen=True)
class SnapshotPoint:
    """Cumulative paid delivery of one boost at ``hours_since_start`` (as boost snapshots store it)."""

    boost_id: str
    hours_since_start: float
    spend_cents: int
    impressions: int
    clicks: int
    conversions: int


@dataclass(frozen=True)
class OrganicPost:
    """A post's organic delivery during the last 7 days of the period."""

    post_id: str
    platform: str
    content_type: str
    engagements_7d: int
    impressions_7d: int
    boosted: bool


@dataclass(frozen=True)
class InsightInput:
    boosts: tuple[BoostOutcome, ...]
    period_start: datetime
    period_end: datetime
    snapshots: tuple[SnapshotPoint, ...] = ()
    organic_posts: tuple[OrganicPost, ...] = ()
    # Marginal value per unit of spend below which more budget is not worth it
    # (Workspace.target_marginal_roas).
    target_marginal_roas: float = 1.0
    currency: str = "USD"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)


_NON_NEGATIVE = (
    "spend_cents",
    "impressions",
    "clicks",
    "conversions",
    "value_cents",
    "budget_cents",
    "recent_spend_cents",
)


def validate(data: InsightInput) -> None:
    """Every bad field of every row, by index, in one error (nothing is analysed half-way)."""

    errors: list[FieldError] = []
    for i, b in enumerate(data.boosts):
        for name in _NON_NEGATIVE:
            value = getattr(b, name)
            if value < 0:
                errors.append(FieldError(("boosts", i, name), "must be >= 0", value))
        if not 0 <= b.weekday <= 6:
            errors.append(FieldError(("boosts", i, "weekday"), "must be 0 (Monday) .. 6", b.weekday))
        if not 0 <= b.hour <= 23:
            errors.append(FieldError(("boosts", i, "hour"), "must be 0 .. 23", b.hour))
        if b.clicks > b.impressions:
            errors.append(FieldError(("boosts", i, "clicks"), "more clicks than impressions", b.clicks))
    for i, s in enumerate(data.snapshots):
        for name in ("spend_cents", "impressions", "clicks", "conversions"):
            if getattr(s, name) < 0:
                errors.append(FieldError(("snapshots", i, name), "must be >= 0", getattr(s, name)))
    for i, p in enumerate(data.organic_posts):
        for name in ("engagements_7d", "impressions_7d"):
            if getattr(p, name) < 0:
                errors.append(FieldError(("organic_posts", i, name), "must be >= 0", getattr(p, name)))
    if data.period_end < data.period_start:
        errors.append(FieldError(("period_end",), "before period_start"))
    if not data.target_marginal_roas > 0:
        errors.append(FieldError(("target_marginal_roas",), "must be > 0", data.target_marginal_roas))
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid insight input")

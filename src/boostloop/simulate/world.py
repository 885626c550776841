"""The world file: every response of the simulated world is a parameter (TOML; see worlds/default.toml).

A world is read into frozen dataclasses; a missing key takes the default written here, an unknown key or a
value out of range is refused with its dotted path (``platforms.FACEBOOK.cpm_cents: must be > 0``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from boostloop.enums import ContentType, Platform

DEFAULT_WORLD = Path(__file__).with_name("worlds") / "default.toml"


class WorldFileError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class WorkspaceSpec:
    name: str = "Northwind Outdoor Co."
    slug: str = "northwind"
    currency: str = "USD"
    timezone: str = "America/New_York"
    start: datetime = datetime(2026, 6, 1, tzinfo=UTC)
    days: int = 120


@dataclass(frozen=True)
class PlatformSpec:
    followers: int = 40_000
    posts: int = 100
    boosts: int = 20
    # Organic reach of a post accrues as R_total * (1 - 2^(-t / half_life)): half of it in the first
    # half-life after publishing.
    organic_half_life_hours: float = 8.0
    organic_reach_rate: float = 0.06  # lifetime organic reach of an average post / followers
    organic_impressions_per_reach: float = 1.3
    organic_engagement_rate: float = 0.035  # engagements per organic impression
    organic_ctr: float = 0.008  # clicks to the site per organically reached person
    # Paid delivery saturates in budget: reach = max_paid_reach * (1 - exp(-budget / saturation_budget)).
    max_paid_reach: int = 120_000
    saturation_budget_cents: int = 150_000
    paid_frequency: float = 1.7  # paid impressions per paid reach
    paid_ctr: float = 0.012  # clicks per paid-reached person
    paid_engagement_rate: float = 0.02
    # Share of the paid audience already reached organically by the same post.
    overlap: float = 0.25
    # Extra organic reach caused by the boost (shares, social proof) as a fraction of counterfactual reach.
    organic_spillover: float = 0.06
    # Whether the platform reports unique reach across organic and paid (Meta's post_impressions_unique).
    reports_total_reach: bool = True


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    age_min: int = 18
    age_max: int = 65
    interests: tuple[str, ...] = ()
    locations: tuple[str, ...] = ("US",)
    reach_multiplier: float = 1.0
    ctr_multiplier: float = 1.0
    cvr_multiplier: float = 1.0


@dataclass(frozen=True)
class ContentSpec:
    share: float = 0.2  # share of posts of this type
    conversion_rate: float = 0.05  # conversions per click
    organic_reach_multiplier: float = 1.0


@dataclass(frozen=True)
class BudgetSpec:
    # Boost budgets are log-normal: median and log-sd, clipped to [min, max].
    median_cents: int = 60_000
    log_sd: float = 0.8
    min_cents: int = 5_000
    max_cents: int = 600_000
    duration_days: tuple[int, ...] = (3, 5, 7, 10, 14)
    cancel_probability: float = 0.04  # a boost cancelled early (after 1-24 hours)


@dataclass(frozen=True)
class JourneySpec:
    # Tracked touchpoints: a pixel/view-through VIEW is recorded for this share of reached people.
    organic_view_tracking: float = 0.03
    paid_view_tracking: float = 0.03
    # Share of on-platform engagements (likes, comments) that reach the tracker as ENGAGEMENT events.
    engagement_tracking: float = 0.5
    # Delay from the converting click to the conversion: log-normal (median hours, log-sd). With a median of
    # 6 h and log-sd 1.6 about 3% of conversions fall outside a 7-day click window.
    conversion_delay_median_hours: float = 6.0
    conversion_delay_log_sd: float = 1.6
    conversion_value_median_cents: int = 5_500
    conversion_value_log_sd: float = 0.6
    # Share of people known only by a session (no user id): their journeys break at each new day's session.
    share_without_user_id: float = 0.3
    # Share of converters who also arrive once untagged (UNKNOWN touchpoint) before converting.
    unknown_touch_share: float = 0.15
    # Untagged visits per tracked touch that never convert (background traffic).
    background_unknown_rate: float = 0.05
    # People in the platform audience pool; posts draw their reached people from it, so people recur.
    audience_pool: int = 400_000


@dataclass(frozen=True)
class BoostingSpec:
    # Marketers boost posts with strong early engagement: P(boost) rises with post quality as
    # quality**selection_strength (0 = boosts chosen at random).
    selection_strength: float = 1.5
    delay_hours_min: float = 4.0
    delay_hours_max: float = 72.0
    # Snapshot of organic metrics: captured hourly for the first 48 h, then every capture_every_hours.
    capture_every_hours: int = 6
    capture_days: int = 21


@dataclass(frozen=True)
class World:
    workspace: WorkspaceSpec = field(default_factory=WorkspaceSpec)
    platforms: dict[Platform, PlatformSpec] = field(default_factory=dict)
    segments: tuple[SegmentSpec, ...] = ()
    content: dict[ContentType, ContentSpec] = field(default_factory=dict)
    # Multipliers of paid click-through by the boost's start hour (24 values, workspace local time) and
    # weekday (7 values, Monday first); organic reach of a post by its publishing hour uses the same
    # shape to the power organic_timing_strength.
    hour_multipliers: tuple[float, ...] = (1.0,) * 24
    weekday_multipliers: tuple[float, ...] = (1.0,) * 7
    organic_timing_strength: float = 0.5
    # Share of a day's paid delivery (spend, impressions) in each UTC-agnostic local hour: platforms pace
    # delivery to audience activity. Default: low at night, a plateau by day, a peak in the evening.
    delivery_hour_weights: tuple[float, ...] = (
        0.25, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0, 1.05,
        1.1, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.4, 1.4, 1.25, 0.9, 0.5,
    )
    # Post quality: a log-normal multiplier of organic reach and engagement (log-sd).
    post_quality_log_sd: float = 0.45
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    journeys: JourneySpec = field(default_factory=JourneySpec)
    boosting: BoostingSpec = field(default_factory=BoostingSpec)
    experiments: int = 1  # A/B tests of boost strategies run in the period


_RANGES: dict[str, tuple[float, float]] = {
    # name: (low, high) inclusive; rates are fractions.
    "overlap": (0.0, 1.0), "organic_spillover": (0.0, 5.0), "organic_reach_rate": (0.0, 10.0),
    "organic_engagement_rate": (0.0, 1.0), "organic_ctr": (0.0, 1.0), "paid_ctr": (0.0, 1.0),
    "paid_engagement_rate": (0.0, 1.0), "conversion_rate": (0.0, 1.0), "share": (0.0, 1.0),
    "organic_view_tracking": (0.0, 1.0), "engagement_tracking": (0.0, 1.0), "paid_view_tracking": (0.0, 1.0), "share_without_user_id": (0.0, 1.0),
    "unknown_touch_share": (0.0, 1.0), "background_unknown_rate": (0.0, 10.0), "cancel_probability": (0.0, 1.0),
}
_POSITIVE = {
    "followers", "organic_half_life_hours", "max_paid_reach", "saturation_budget_cents", "paid_frequency",
    "organic_impressions_per_reach", "median_cents", "min_cents", "max_cents", "days",
    "conversion_delay_median_hours", "conversion_value_median_cents", "audience_pool", "capture_every_hours",
    "capture_days",
}


def _coerce(value: Any, hint: Any, path: str) -> Any:
    origin = get_origin(hint)
    if hint is datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        raise WorldFileError(path, "must be a TOML date-time such as 2026-06-01T00:00:00Z")
    if hint is bool:
        if not isinstance(value, bool):
            raise WorldFileError(path, "must be true or false")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WorldFileError(path, f"must be a number, got {value!r}")
        if hint is int and isinstance(value, float) and not value.is_integer():
            raise WorldFileError(path, f"must be a whole number, got {value!r}")
        value = hint(value)
        name = path.rsplit(".", 1)[-1]
        if name in _POSITIVE and value <= 0:
            raise WorldFileError(path, "must be > 0")
        if name in _RANGES and not (_RANGES[name][0] <= value <= _RANGES[name][1]):
            raise WorldFileError(path, f"must be within {list(_RANGES[name])}")
        if value < 0:
            raise WorldFileError(path, "must be >= 0")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise WorldFileError(path, "must be a string")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise WorldFileError(path, "must be a list")
        item = get_args(hint)[0]
        return tuple(_coerce(v, item, f"{path}[{i}]") for i, v in enumerate(value))
    if is_dataclass(hint):
        return _build(hint, value, path)
    raise WorldFileError(path, f"unsupported value {value!r}")  # pragma: no cover - schema bug


def _build(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise WorldFileError(path, "must be a table")
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise WorldFileError(f"{path}.{sorted(unknown)[0]}".lstrip("."), f"unknown key (known: {sorted(names)})")
    kwargs = {k: _coerce(v, hints[k], f"{path}.{k}".lstrip(".")) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise WorldFileError(path or "world", str(exc)) from None


def world_from_dict(data: dict[str, Any]) -> World:
    data = dict(data)
    platforms_raw = data.pop("platforms", {})
    segments_raw = data.pop("segments", [])
    content_raw = data.pop("content", {})
    top = _build(World, data, "")
    platforms: dict[Platform, PlatformSpec] = {}
    for name, spec in platforms_raw.items():
        if name not in Platform.__members__:
            raise WorldFileError(f"platforms.{name}", f"unknown platform (known: {list(Platform.__members__)})")
        platforms[Platform(name)] = _build(PlatformSpec, spec, f"platforms.{name}")
    content: dict[ContentType, ContentSpec] = {}
    for name, spec in content_raw.items():
        if name not in ContentType.__members__:
            raise WorldFileError(f"content.{name}", f"unknown content type (known: {list(ContentType.__members__)})")
        content[ContentType(name)] = _build(ContentSpec, spec, f"content.{name}")
    segments = tuple(_build(SegmentSpec, s, f"segments[{i}]") for i, s in enumerate(segments_raw))
    if not platforms:
        raise WorldFileError("platforms", "at least one platform is needed")
    if not segments:
        raise WorldFileError("segments", "at least one audience segment is needed")
    if not content:
        raise WorldFileError("content", "at least one content type is needed")
    if len(top.hour_multipliers) != 24:
        raise WorldFileError("hour_multipliers", f"needs 24 values, got {len(top.hour_multipliers)}")
    if len(top.delivery_hour_weights) != 24 or sum(top.delivery_hour_weights) <= 0:
        raise WorldFileError("delivery_hour_weights", "needs 24 non-negative values, not all zero")
    if len(top.weekday_multipliers) != 7:
        raise WorldFileError("weekday_multipliers", f"needs 7 values, got {len(top.weekday_multipliers)}")
    if len({s.name for s in segments}) != len(segments):
        raise WorldFileError("segments", "segment names must be unique")
    return World(
        workspace=top.workspace, platforms=platforms, segments=segments, content=content,
        hour_multipliers=top.hour_multipliers, weekday_multipliers=top.weekday_multipliers,
        organic_timing_strength=top.organic_timing_strength, delivery_hour_weights=top.delivery_hour_weights,
        post_quality_log_sd=top.post_quality_log_sd,
        budget=top.budget, journeys=top.journeys, boosting=top.boosting, experiments=top.experiments,
    )


def load_world(path: str | Path | None = None) -> World:
    """Read a world file (``None``: the shipped default world)."""
    path = Path(path) if path is not None else DEFAULT_WORLD
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorldFileError(str(path), f"not valid TOML: {exc}") from None
    return world_from_dict(data)


def world_to_dict(world: World) -> dict[str, Any]:
    """A JSON-serialisable copy of the world (written into the truth file)."""

    def conv(v: Any) -> Any:
        if is_dataclass(v):
            return {f.name: conv(getattr(v, f.name)) for f in fields(v)}
        if isinstance(v, dict):
            return {str(k): conv(x) for k, x in v.items()}
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if isinstance(v, datetime):
            return v.isoformat()
        return v

    return conv(world)

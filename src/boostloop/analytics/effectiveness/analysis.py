"""One boost's effectiveness analysis: counterfactuals, lifts, money, score and confidence together.

What the boost achieved "with the boost" at the analysis end (``boost_age + horizon``), per metric:

    reach        = actual organic reach + incremental paid reach (paid people not reached organically)
    impressions  = actual organic impressions + paid impressions
    engagements  = actual organic engagements + paid engagements

each compared with the post's organic-only counterfactual (``counterfactual``); conversions and money
through ``lift.conversion_economics``; the score through ``score``; the confidence through
``confidence``. The caller (the server's effectiveness use case, or the validation script) gathers the
numbers; this module does no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from boostloop.analytics.effectiveness.benchmarks import PlatformBenchmark
from boostloop.analytics.effectiveness.confidence import Confidence, confidence_level
from boostloop.analytics.effectiveness.counterfactual import (
    DEFAULT_LEVEL,
    Counterfactual,
    PostSeries,
    organic_counterfactual,
)
from boostloop.analytics.effectiveness.lift import ConversionEconomics, Lift, conversion_economics, incremental_lift
from boostloop.analytics.effectiveness.overlap import PI_UNKNOWN
from boostloop.analytics.effectiveness.score import EffectivenessScore, effectiveness_score
from boostloop.analytics.effectiveness.trajectory import value_at
from boostloop.enums import Platform

# The method's version, part of every stored result's freshness mark (server/effectiveness/store.py): bump it
# when a change alters the numbers an analysis gives, so that stored results, final ones included, are
# recomputed with the new method instead of being served as they were. 2: the overlap term and the count
# interval nearest the level (lift.nearest_level_interval).
METHOD_VERSION = 2

METRICS = ("reach", "impressions", "engagements")


@dataclass(frozen=True)
class BoostObservation:
    """Everything measured about one boost up to the analysis end. Money in cents; ages in hours.

    ``organic``: the post's own cumulative organic series per metric (captures before *and* after the
    boost: the pre-boost part feeds the counterfactual, the value at the analysis end is the actual);
    ``baseline``: the boost's pre-boost snapshot per metric (None/missing: interpolated from the series).
    ``horizon_hours``: analysis end minus boost start. ``days_observed``: days of paid delivery observed.
    """

    boost_id: str
    platform: Platform
    boost_age_hours: float
    horizon_hours: float
    days_observed: float
    organic: Mapping[str, PostSeries | None]
    spend_cents: int
    conversions: float  # all conversions of the post up to the analysis end
    organic_conversions: float  # of which attributed to organic touchpoints
    value_cents: int  # value of all conversions
    paid_impressions: float = 0.0
    incremental_paid_reach: float = 0.0
    paid_engagements: float = 0.0
    paid_clicks: float = 0.0
    baseline: Mapping[str, float | None] = field(default_factory=dict)
    organic_cost_cents: int | None = None
    # The overlap term of the counterfactual conversions (``overlap``): the share of paid-reached people also
    # reached organically (the attribution split's ``share_paid_also_organic``; 0: not known, term left out)
    # and the chance that a person converting both ways converted through the ad first.
    share_paid_also_organic: float = 0.0
    paid_first: float = PI_UNKNOWN


@dataclass(frozen=True)
class CounterfactualSeries:
    """The counterfactual over the analysis window, for charts: at ``hours`` after the analysis start, the
    organic-only cumulative total (estimate and interval, each point's own prediction interval: a band of
    pointwise intervals, not a simultaneous one) and the post's actual organic total (None where it was
    not captured)."""

    hours: tuple[float, ...]
    estimate: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    actual_organic: tuple[float | None, ...]


# Points of a chart series: 24 is hourly for a one-day window and keeps the cost of a series (one
# counterfactual per point, ~40 controls each) near that of the analysis itself.
SERIES_POINTS = 24


def series_hours(horizon_hours: float, points: int = SERIES_POINTS) -> list[float]:
    """Whole-hour offsets from the analysis start up to ``horizon_hours`` (at most ``points`` of them,
    evenly spaced), the horizon itself last."""
    h = max(float(horizon_hours), 0.0)
    step = max(1, -(-int(h) // max(points - 1, 1)))  # ceil(h / (points - 1)) whole hours
    out = [float(k) for k in range(step, int(h), step)]
    return out + [h] if h > 0 else [0.0]


@dataclass(frozen=True)
class BoostEffectiveness:
    boost_id: str
    platform: Platform
    counterfactuals: Mapping[str, Counterfactual]
    lifts: Mapping[str, Lift]
    economics: ConversionEconomics
    score: EffectivenessScore
    confidence: Confidence
    benchmark: PlatformBenchmark
    flags: tuple[str, ...]
    series: Mapping[str, CounterfactualSeries] = field(default_factory=dict)


def _actual_end(series: PostSeries | None, age: float, cf: Counterfactual) -> float:
    """The post's actual organic total at the analysis end; the counterfactual itself if unobserved
    (no lift can then be claimed from organic growth)."""
    if series is not None and series.age_hours.size:
        v = value_at(series.age_hours, series.cumulative, age)
        if v is not None:
            return v
        if series.age_hours[-1] >= cf.boost_age_hours:
            return float(series.cumulative[-1])
    return cf.final.estimate


def analyze_boost(
    obs: BoostObservation,
    controls: Mapping[str, Sequence[PostSeries]],
    benchmark: PlatformBenchmark,
    *,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    series_metrics: Sequence[str] = (),
) -> BoostEffectiveness:
    """The analysis (module docstring); ``series_metrics``: metrics whose counterfactual is also returned
    over the window (``series_hours``), for charts. The final point is the same either way (each horizon's
    counterfactual is computed on its own)."""
    end_age = obs.boost_age_hours + obs.horizon_hours
    cfs: dict[str, Counterfactual] = {}
    lifts: dict[str, Lift] = {}
    actual_organic: dict[str, float] = {}
    paid_extra = {"reach": obs.incremental_paid_reach, "impressions": obs.paid_impressions,
                  "engagements": obs.paid_engagements}
    charted: dict[str, CounterfactualSeries] = {}
    for m in METRICS:
        series = obs.organic.get(m)
        hours = series_hours(obs.horizon_hours) if m in series_metrics else [obs.horizon_hours]
        cf = organic_counterfactual(
            series, controls.get(m, ()), boost_age_hours=obs.boost_age_hours,
            horizons_hours=hours, baseline_at_boost=obs.baseline.get(m), level=level,
        )
        if m in series_metrics:
            charted[m] = _series(cf, series)
        cfs[m] = cf
        actual_organic[m] = _actual_end(series, end_age, cf)
        lifts[m] = incremental_lift(actual_organic[m] + max(paid_extra[m], 0.0), cf)
    econ = conversion_economics(
        actual_conversions=obs.conversions, organic_conversions=obs.organic_conversions,
        value_cents=obs.value_cents, spend_cents=obs.spend_cents, reach_counterfactual=cfs["reach"],
        actual_organic_reach=actual_organic["reach"], organic_cost_cents=obs.organic_cost_cents,
        share_paid_also_organic=obs.share_paid_also_organic, paid_first=obs.paid_first, seed=seed,
    )
    sc = effectiveness_score(reach=lifts["reach"], engagement=lifts["engagements"], economics=econ,
                             benchmark=benchmark)
    reach_cf = cfs["reach"]
    conf = confidence_level(obs.days_observed, obs.conversions, counterfactual_basis=reach_cf.basis,
                            history_missing=reach_cf.history_missing)
    flags = sorted(set(reach_cf.flags) | set(econ.flags))
    return BoostEffectiveness(
        boost_id=obs.boost_id, platform=obs.platform, counterfactuals=cfs, lifts=lifts, economics=econ,
        score=sc, confidence=conf, benchmark=benchmark, flags=tuple(flags), series=charted,
    )


def _series(cf: Counterfactual, series: PostSeries | None) -> CounterfactualSeries:
    a = cf.boost_age_hours
    actual = tuple(value_at(series.age_hours, series.cumulative, a + p.horizon_hours)
                   if series is not None and series.age_hours.size else None for p in cf.points)
    return CounterfactualSeries(
        hours=tuple(p.horizon_hours for p in cf.points), estimate=tuple(p.estimate for p in cf.points),
        lower=tuple(p.lower for p in cf.points), upper=tuple(p.upper for p in cf.points), actual_organic=actual)

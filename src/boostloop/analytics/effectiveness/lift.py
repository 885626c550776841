"""Incremental lift and the money around it, each with an interval propagated from the counterfactual.

Units: results are counts (impressions, engagements, reach, conversions); money is integer cents;
ROI and ROAS are plain ratios. Intervals are at the counterfactual's level (90 % by default).

Propagation. Most quantities here are *monotone* functions of one uncertain number (the counterfactual
total, or the incremental conversions) with everything else observed; for those the interval is the
exact image of that number's interval (no delta method, no approximation):

    lift            = actual - cf                     interval [actual - cf_hi, actual - cf_lo]
    lift fraction   = actual / cf - 1                 interval [actual / cf_hi - 1, actual / cf_lo - 1]
    cost per incremental result = spend / inc         interval [spend / inc_hi, spend / inc_lo]
                                                      (unbounded above, None, when inc_lo <= 0)
    incremental ROAS = inc_value / spend,  inc_value = inc * value per conversion
    incremental ROI  = (inc_value - spend) / spend    (ROI of the boost's *incremental* value)
    total ROI        = (value - spend) / spend        (all attributed value; observed, no interval)

The counterfactual *conversions* combine two uncertain numbers, so they are simulated (seeded):

    cf_conversions ~ Poisson(rate * cf_growth),   rate ~ Gamma(k + 1/2, 1 / exposure)  (Jeffreys)
    cf_growth      ~ the impression counterfactual's growth after the boost (``Counterfactual.sample``)
    inc            = actual conversions - cf_conversions

with ``k`` organic conversions observed over ``exposure`` organic impressions (the post's organic
conversion rate). The Poisson draw makes it a prediction interval for the realised counterfactual count,
which is what "would have converted anyway" is. 5 000 draws put the Monte Carlo error of a 5 % quantile
below 0.5 % of the interval width (binomial sd of the quantile's rank: sqrt(0.05 * 0.95 / 5000) = 0.3 %).

Organic-vs-paid cost ratio = (spend / incremental conversions) / (organic cost / counterfactual organic
conversions): what one paid incremental result costs relative to one organic result. Organic results
cost what the post cost to make (``organic_cost_cents``, e.g. production); without that figure the ratio
is not defined (None, flagged ``no_organic_cost``) rather than a division by an invented zero.

Edge cases as defined values: zero spend gives cost per incremental result 0 and ROI / ROAS None
(flagged ``zero_spend``: a ratio to nothing spent is undefined); no conversions give incremental
conversions ``0 - cf`` (<= 0), cost per incremental result None (flagged ``no_incremental_results``);
a zero counterfactual gives a lift fraction of None (flagged ``zero_counterfactual``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from boostloop.analytics.effectiveness.counterfactual import Counterfactual

N_DRAWS = 5000


@dataclass(frozen=True)
class Interval:
    """A point estimate and its interval; ``None`` bounds are unbounded (e.g. a cost per result whose
    lower incremental bound is <= 0), a ``None`` estimate is undefined (reason in the owner's flags)."""

    estimate: float | None
    lower: float | None
    upper: float | None

    def contains(self, x: float) -> bool:
        return (self.lower is None or self.lower <= x) and (self.upper is None or x <= self.upper)


@dataclass(frozen=True)
class Lift:
    """``actual`` minus the counterfactual, absolute and as a fraction of the counterfactual."""

    actual: float
    counterfactual: Interval
    absolute: Interval
    fraction: Interval
    flags: tuple[str, ...] = field(default_factory=tuple)


def incremental_lift(actual: float, counterfactual: Counterfactual) -> Lift:
    """Lift of the metric at the counterfactual's final horizon (see module docstring for the formulas)."""
    p = counterfactual.final
    actual = float(max(actual, 0.0))
    cf = Interval(p.estimate, p.lower, p.upper)
    absolute = Interval(actual - p.estimate, actual - p.upper, actual - p.lower)
    flags: list[str] = list(counterfactual.flags)
    if p.estimate <= 0:
        fraction = Interval(None, None, None)
        flags.append("zero_counterfactual")
    else:
        lo = actual / p.upper - 1.0 if p.upper > 0 else None
        hi = actual / p.lower - 1.0 if p.lower > 0 else None
        fraction = Interval(actual / p.estimate - 1.0, lo, hi)
    return Lift(actual=actual, counterfactual=cf, absolute=absolute, fraction=fraction, flags=tuple(flags))


@dataclass(frozen=True)
class ConversionEconomics:
    """Incremental conversions and the money metrics of one boost over its analysis window."""

    actual_conversions: float
    counterfactual_conversions: Interval
    incremental_conversions: Interval
    incremental_fraction: Interval  # incremental / counterfactual conversions
    incremental_value_cents: Interval
    cost_per_incremental_result_cents: Interval
    total_roi: float | None  # (value - spend) / spend
    incremental_roi: Interval  # (incremental value - spend) / spend
    incremental_roas: Interval  # incremental value / spend
    organic_vs_paid_cost_ratio: Interval
    spend_cents: int
    value_cents: int
    level: float
    flags: tuple[str, ...] = field(default_factory=tuple)


def _q(x: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.quantile(x, [0.5 - level / 2.0, 0.5 + level / 2.0])
    return float(lo), float(hi)


def conversion_economics(
    *,
    actual_conversions: float,
    value_cents: int,
    spend_cents: int,
    impressions_counterfactual: Counterfactual,
    organic_conversions: float,
    organic_exposure: float,
    organic_cost_cents: int | None = None,
    seed: int = 0,
    n_draws: int = N_DRAWS,
) -> ConversionEconomics:
    """Incremental conversions, cost per incremental result, ROI, incremental ROAS and the organic-vs-paid
    cost ratio with intervals (formulas in the module docstring).

    ``actual_conversions``: every conversion of the post in the window (organic, paid and overlap);
    ``value_cents``: their value; ``organic_conversions`` / ``organic_exposure``: the organic conversion
    rate's evidence (conversions over the organic impressions they came from). ``seed`` fixes the draws.
    """
    level = impressions_counterfactual.level
    flags: list[str] = []
    actual = float(max(actual_conversions, 0.0))
    spend = int(max(spend_cents, 0))
    value = int(max(value_cents, 0))
    rng = np.random.default_rng(seed)

    # Organic impressions the post would have gained after the boost (the level itself when no baseline).
    base = impressions_counterfactual.baseline or 0.0
    growth = np.maximum(impressions_counterfactual.sample(n_draws, seed) - base, 0.0)
    k = float(max(organic_conversions, 0.0))
    exposure = float(max(organic_exposure, 0.0))
    if exposure > 0:
        rate = rng.gamma(k + 0.5, 1.0 / exposure, size=n_draws)
    else:
        rate = np.zeros(n_draws)
        flags.append("no_organic_exposure")
    cf_conv = rng.poisson(rate * growth).astype(float)
    inc = actual - cf_conv

    cf_lo, cf_hi = _q(cf_conv, level)
    cf_point = float(np.median(cf_conv))
    inc_lo, inc_hi = actual - cf_hi, actual - cf_lo
    inc_point = actual - cf_point
    counterfactual_conversions = Interval(cf_point, cf_lo, cf_hi)
    incremental = Interval(inc_point, inc_lo, inc_hi)
    if cf_point > 0:
        frac = Interval(inc_point / cf_point, actual / cf_hi - 1.0 if cf_hi > 0 else None,
                        actual / cf_lo - 1.0 if cf_lo > 0 else None)
    else:
        frac = Interval(None, None, None)

    value_per_conversion = value / actual if actual > 0 else 0.0
    inc_value = Interval(inc_point * value_per_conversion, inc_lo * value_per_conversion,
                         inc_hi * value_per_conversion)

    if actual <= 0:
        flags.append("no_conversions")
    if spend == 0:
        flags.append("zero_spend")
        cpir = Interval(0.0, 0.0, 0.0)
        total_roi = None
        iroi = Interval(None, None, None)
        iroas = Interval(None, None, None)
    else:
        cpir = _cost_per(spend, incremental)
        if cpir.estimate is None:
            flags.append("no_incremental_results")
        total_roi = (value - spend) / spend
        iroas = Interval(*(v / spend for v in (inc_value.estimate, inc_value.lower, inc_value.upper)))
        iroi = Interval(*(v - 1.0 for v in (iroas.estimate, iroas.lower, iroas.upper)))
        if total_roi < 0:
            flags.append("negative_roi")

    if organic_cost_cents is None:
        ratio = Interval(None, None, None)
        flags.append("no_organic_cost")
    else:
        ratio = _cost_ratio(spend, float(organic_cost_cents), actual, cf_conv, level)
    return ConversionEconomics(
        actual_conversions=actual, counterfactual_conversions=counterfactual_conversions,
        incremental_conversions=incremental, incremental_fraction=frac, incremental_value_cents=inc_value,
        cost_per_incremental_result_cents=cpir, total_roi=total_roi, incremental_roi=iroi,
        incremental_roas=iroas, organic_vs_paid_cost_ratio=ratio, spend_cents=spend, value_cents=value,
        level=level, flags=tuple(flags),
    )


def _cost_per(spend: float, inc: Interval) -> Interval:
    """spend / inc, monotone decreasing in inc; undefined (None) where inc <= 0."""

    def div(x):
        return spend / x if x is not None and x > 0 else None

    return Interval(div(inc.estimate), div(inc.upper), div(inc.lower))


def _cost_ratio(spend: float, organic_cost: float, actual: float, cf_conv: np.ndarray, level: float) -> Interval:
    """(spend / inc) / (organic_cost / cf) per draw; draws with inc <= 0 or cf <= 0 are unbounded."""
    inc = actual - cf_conv
    with np.errstate(divide="ignore", invalid="ignore"):
        paid = np.where(inc > 0, spend / np.where(inc > 0, inc, 1.0), np.inf)
        org = np.where(cf_conv > 0, organic_cost / np.where(cf_conv > 0, cf_conv, 1.0), np.inf)
        r = np.where(np.isfinite(paid) & np.isfinite(org) & (org > 0), paid / np.where(org > 0, org, 1.0),
                     np.inf)
    lo, hi = np.quantile(r, [0.5 - level / 2.0, 0.5 + level / 2.0])
    med = float(np.median(r))

    def f(x):
        return float(x) if math.isfinite(x) else None

    return Interval(f(med), f(lo), f(hi))

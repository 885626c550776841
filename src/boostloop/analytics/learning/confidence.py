"""How sure a recommendation is: its chance of paying back its spend, and the dashboard's level for it.

A projection carries a point (the median) and a 90 % interval of ROI; the outcome model's validation holds
the coverage that interval reached on the newest held-out boosts (``evaluation.validate``). ``confidence``
turns the two into an estimate of P(ROI > 0) in [0, 1]; ``confidence_level`` names it.

Measured against the simulator's truth (``benchmarks/learning/bench_confidence.py``, RESULTS.md "Learning",
"Confidence against the simulator's truth": 600 recommendations in 15 simulated workspaces of 14 to 568
finished boosts, each realised by the world): with these definitions 99.6 % of "high" recommendations paid
back their spend (n = 248), 84 % of "medium" (n = 166) and 37 % of "low" (n = 186). The definition before
(validity / (1 + relative interval width), high >= 0.7) made no recommendation high in the same worlds.
"""

from __future__ import annotations

from collections.abc import Mapping

from scipy import stats

from boostloop.analytics.learning.evaluation import MIN_HOLDOUT_FOR_VALIDITY
from boostloop.analytics.learning.optimizers import OutcomeForecast

# "high" >= 0.8: the profit is not in doubt. Conformal projections (the workspace's own calibrated model)
# with an estimated P(ROI > 0) >= 0.8 paid back 99.6 % of the time (247 of 248, Wilson 90 % interval
# 98.4-99.9 %); between 0.75 and 0.8 it was 91 % (n = 53), which is why the line is not lower.
CONFIDENCE_HIGH = 0.8
# "medium" >= 0.6: more likely than not to pay back; measured 84 % (n = 166: conformal 0.6-0.8 90 %,
# shrinkage after its discount 72 %). Below that, "low" (measured 37 %: a guess with a direction).
CONFIDENCE_MEDIUM = 0.6
# Below 80 training-ready boosts the outcome model is the platform prior shrunk towards the workspace
# (``outcome_model``): its interval covers (96 % measured) but is wide and its centre leans on public
# benchmarks, so its P(ROI > 0) overstates the pay-back rate: shrinkage projections with P >= 0.8 paid
# back 72 % (n = 61), those below 38 % (n = 179). x 0.75 maps the first to medium and the rest to low, and
# keeps any shrinkage projection below high (0.75 x 1 < 0.8).
SHRINKAGE_DISCOUNT = 0.75


def confidence_level(c: float) -> str:
    """"high" / "medium" / "low" for a confidence (the dashboard's label)."""
    return "high" if c >= CONFIDENCE_HIGH else "medium" if c >= CONFIDENCE_MEDIUM else "low"


def measured_roi_coverage(validation: Mapping | None) -> float | None:
    """The ROI interval's coverage on the model's time-ordered holdout; None when unmeasured (fewer than
    ``MIN_HOLDOUT_FOR_VALIDITY`` held-out boosts)."""
    overall = ((validation or {}).get("coverage") or {}).get("overall") or {}
    if overall.get("n", 0) < MIN_HOLDOUT_FOR_VALIDITY or overall.get("roi") is None:
        return None
    return float(overall["roi"])


def profit_probability(roi: tuple[float, float, float], coverage: float) -> float:
    """P(ROI > 0) of a projection (point = median, low, high) whose interval covers ``coverage``: each half
    of the interval is read as a normal tail, its end z = Phi^-1((1 + coverage) / 2) sds from the median:

        P(ROI > 0) = Phi(z x point / (point - low))     when point > 0 (only the lower half matters)
                   = Phi(z x point / (high - point))    when point <= 0

    With low = 0 and coverage 0.9 this is Phi(1.645) = 0.95; a projection of ROI 2.0 with the interval
    [0.5, 4.0] gives 0.99, the same ROI with [-1.0, 4.0] 0.86."""
    point, low, high = (float(x) for x in roi)
    z = float(stats.norm.ppf((1.0 + coverage) / 2.0)) if coverage > 0 else 0.0
    half = (point - low) if point > 0 else (high - point)
    if half <= 0:
        return 1.0 if point > 0 else 0.0
    return float(stats.norm.cdf(z * point / half))


def confidence(forecast: OutcomeForecast, validation: Mapping | None) -> float:
    """The projection's P(ROI > 0) (``profit_probability``), its interval read at the nominal level or at
    the ROI coverage measured on the holdout when that is lower (an interval that covered 70 % is read as a
    70 % interval; over-coverage is not credited: a small holdout's 100 % is noise as often as not); times
    ``SHRINKAGE_DISCOUNT`` for a shrinkage (few-boosts) projection."""
    level = float(forecast.level or 0.9)
    cov = measured_roi_coverage(validation)
    p = profit_probability(forecast.roi, min(level, cov) if cov is not None else level)
    return p * (SHRINKAGE_DISCOUNT if forecast.method == "shrinkage" else 1.0)

"""Organic-only counterfactual of a boosted post: what its cumulative organic metric (impressions,
engagements or reach) would have been ``h`` hours after the boost had it not been boosted, with an
interval.

Two estimates of the log growth ratio ``y = log(C(a + h) / C(a))`` (``a`` = the post's age in hours at
the boost, ``C`` its cumulative organic total):

1. **Own trajectory** ``f``: the post's pre-boost captures fitted with the decay curve of
   ``trajectory`` (``C(t) = A (1 - exp(-t / tau))``) and extrapolated:
   ``f = log((C(a) + G_fit(a, h)) / C(a))``.
2. **Controls** ``c``: comparable unboosted posts of the same workspace (same platform and content type,
   published in the same period, observed at the same ages ``a`` and ``a + h``; see ``controls``). Each
   control ``j`` has a realised ratio ``y_j = log(C_j(a + h) / C_j(a))``; ``c = mean_j y_j`` (a ratio
   estimator: the controls' post-period growth relative to their pre-period, scaled to this post).

**Calibration on the controls (how the two are combined, and where the interval comes from).** Each
control is also a post whose future we know. For every control ``j`` both estimators are run as if ``j``
were the boosted post: its own curve is fitted to its captures up to age ``a`` (``f_j``), and the
control estimate uses the *other* controls (leave-one-out, ``c_j = mean_{k != j} y_k``). That gives
out-of-sample errors ``e_f,j = y_j - f_j`` and ``e_c,j = y_j - c_j`` of both methods on posts like this
one, at this age and horizon. Then

    b      = mean_j e_f,j                           (bias of the curve: real decay is heavier-tailed)
    w      = (V_c - K) / (V_f + V_c - 2 K)  in [0, 1]   (minimum-variance weight of two correlated
             estimators; V = variance, K = covariance of the bias-corrected errors; Bates & Granger 1969)
    y_hat  = w (f + b) + (1 - w) c
    s      = sd_j( w (e_f,j - b) + (1 - w) e_c,j )
    interval: y_hat -/+ t_{n-1, (1+level)/2} * s * sqrt(1 + 1/n)     (n = calibrated controls)

and the counterfactual cumulative is ``C(a) exp(y)`` (never below ``C(a)``: totals do not fall). The
interval is therefore a cross-validated prediction interval: it carries the curve's misspecification,
the post-to-post spread of the controls and the noise of estimating ``c`` and ``b`` from ``n``
controls. Student-t rather than empirical quantiles because with 5-30 controls the 5 % / 95 % empirical
quantiles are too unstable; a bootstrap over controls was not used for the same reason (it cannot produce
a tail wider than the widest control).

**Fallbacks (each flagged in ``basis`` and ``flags``):**
- fewer than ``MIN_CALIBRATION_CONTROLS`` controls with a fit, or no usable own history (fewer than 3
  pre-boost captures): ``controls_only``: ``y_hat = mean y_j``, ``s = sd y_j``, the same t interval. It is
  wider than the combined one whenever the fit carried information (the combined variance is the minimum
  over ``w``, and ``w = 0`` is the controls-only estimator). Missing own history sets
  ``history_missing``.
- no baseline ``C(a)`` at all (not even the boost-time snapshot): ``controls_absolute`` on
  ``log(1 + C_j(a + h))``: far wider, flagged.
- fewer than 2 controls but an own fit: ``trajectory_only`` with the bias-free fit and a fixed log-sd of
  ``UNCALIBRATED_LOG_SD`` (flagged ``uncalibrated``).
- nothing at all: ``none``; the estimate is ``C(a)`` (no further organic growth assumed) with a
  zero-width interval that is flagged as not reflecting uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from boostloop.analytics.effectiveness.trajectory import (
    DecayFit,
    clean_series,
    fit_decay_curve,
    value_at,
    values_at,
)

# Below 5 calibrated controls the variance/covariance behind the weight is too noisy to use
# (with n = 5 the sd of a sample sd is still ~35 % of its value).
MIN_CALIBRATION_CONTROLS = 5
# Log-scale sd used when the fit cannot be calibrated (fewer than 2 controls). Measured with
# ``trajectory_error_sd`` (the curve's out-of-sample log error sd on the controls) over the boosts of the
# simulator (seed 1): median 0.003 / 90th percentile 0.05 in the default world, median 0.11 / 90th
# percentile 0.72 in the slow-decay world (boosts early in a slowly decaying post: long extrapolation).
# 0.25 sits between those medians and tails; it is a judgement, flagged ``uncalibrated`` when used.
UNCALIBRATED_LOG_SD = 0.25
DEFAULT_LEVEL = 0.90


@dataclass(frozen=True)
class PostSeries:
    """One post's cumulative organic metric: lifetime totals at ages (hours since publication)."""

    age_hours: np.ndarray
    cumulative: np.ndarray
    post_id: str = ""

    @classmethod
    def of(cls, age_hours, cumulative, post_id: str = "") -> PostSeries:
        t, c = clean_series(age_hours, cumulative)
        return cls(age_hours=t, cumulative=c, post_id=post_id)


@dataclass(frozen=True)
class CounterfactualPoint:
    """The counterfactual cumulative total ``h`` hours after the boost (results, e.g. impressions)."""

    horizon_hours: float
    estimate: float
    lower: float
    upper: float
    # Distribution behind the interval, on y = log(C(a+h)/C(a)) (or log(1 + C) for controls_absolute):
    # y ~ center + scale * t(df), truncated at 0.
    center: float
    scale: float
    df: float


@dataclass(frozen=True)
class Counterfactual:
    baseline: float | None  # C(a), the post's own total at the boost; None if unknown
    boost_age_hours: float
    level: float
    basis: str  # combined | controls_only | controls_absolute | trajectory_only | none
    points: tuple[CounterfactualPoint, ...]
    weight_trajectory: float  # w: share of the own-trajectory estimate in the combination
    trajectory_bias: float  # b: mean out-of-sample log error of the curve on the controls
    trajectory_error_sd: float  # sd of the curve's bias-corrected out-of-sample log errors (0 if not measured)
    n_controls: int
    n_calibrated: int
    history_missing: bool
    fit: DecayFit | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def final(self) -> CounterfactualPoint:
        return self.points[-1]

    def sample(self, n: int, seed: int, *, point: int = -1) -> np.ndarray:
        """``n`` seeded draws of the counterfactual cumulative at ``points[point]`` (for propagation)."""
        p = self.points[point]
        rng = np.random.default_rng(seed)
        if p.scale <= 0 or self.basis == "none":
            return np.full(n, p.estimate, dtype=float)
        y = p.center + p.scale * rng.standard_t(p.df, size=n)
        return _to_level(np.maximum(y, 0.0), self.baseline, self.basis)


def _to_level(y, baseline: float | None, basis: str):
    if basis == "controls_absolute" or baseline is None:
        return np.expm1(y)
    return baseline * np.exp(y)


def _point(h: float, center: float, scale: float, df: float, level: float, baseline, basis) -> CounterfactualPoint:
    q = float(stats.t.ppf(0.5 + level / 2.0, df)) if scale > 0 and df > 0 else 0.0
    lo_y, hi_y = max(center - q * scale, 0.0), max(center + q * scale, 0.0)
    est_y = max(center, 0.0)
    est, lo, hi = (float(_to_level(v, baseline, basis)) for v in (est_y, lo_y, hi_y))
    return CounterfactualPoint(
        horizon_hours=float(h), estimate=est, lower=lo, upper=hi, center=float(center),
        scale=float(scale), df=float(df),
    )


def organic_counterfactual(
    target: PostSeries | None,
    controls: Sequence[PostSeries],
    *,
    boost_age_hours: float,
    horizons_hours: Sequence[float] | float,
    baseline_at_boost: float | None = None,
    level: float = DEFAULT_LEVEL,
) -> Counterfactual:
    """Counterfactual cumulative organic totals of ``target`` at ``boost_age_hours + h`` for each horizon.

    ``target``: the boosted post's captures (only those at ages <= ``boost_age_hours`` are used, so
    post-boost captures may be passed and are ignored); None or empty = no organic history.
    ``baseline_at_boost``: the post's total at the boost (the boost's pre-boost snapshot) when known;
    else interpolated from ``target``. ``controls``: unboosted comparable posts (see ``controls``).
    Returns a defined result for any input (see the module docstring for the fallbacks).
    """
    a = float(max(boost_age_hours, 0.0))
    hs = sorted({float(max(h, 0.0)) for h in np.atleast_1d(np.asarray(horizons_hours, dtype=float))}) or [0.0]
    if not (0.0 < level < 1.0):
        level = DEFAULT_LEVEL
    flags: list[str] = []

    fit = None
    baseline = baseline_at_boost if baseline_at_boost is not None and baseline_at_boost >= 0 else None
    if target is not None and target.age_hours.size:
        fit = fit_decay_curve(target.age_hours, target.cumulative, up_to_age_hours=a)
        if baseline is None:
            pre = target.age_hours <= a + 1e-9
            if pre.any():
                # The total at the boost: the last pre-boost capture, or interpolated if a later one exists.
                baseline = value_at(target.age_hours, target.cumulative, a)
    history_missing = fit is None
    if history_missing:
        flags.append("history_missing")

    # Control fits at the boost age, once for every horizon.
    ctrl_fits = [fit_decay_curve(s.age_hours, s.cumulative, up_to_age_hours=a) for s in controls]
    ctrl_c0 = [value_at(s.age_hours, s.cumulative, a) for s in controls]

    if baseline is None or baseline <= 0:
        if baseline is None:
            flags.append("baseline_missing")
        return _absolute_or_none(a, hs, controls, baseline, level, flags, fit)

    points: list[CounterfactualPoint] = []
    basis = "none"
    w_final, b_final, sd_final, n_c_final, n_f_final = 0.0, 0.0, 0.0, 0, 0
    # Every control's realised log ratio and fitted one at every horizon at once (controls x horizons;
    # NaN = not observed / no fit): ``y_j = log(C_j(a + h) / C_j(a))`` and the curve's ``f_j``.
    h_arr = np.asarray(hs, dtype=float)
    y_all = np.full((len(controls), h_arr.size), np.nan)
    f_all = np.full((len(controls), h_arr.size), np.nan)
    for j, (s, f, c0) in enumerate(zip(controls, ctrl_fits, ctrl_c0)):
        if c0 is None or c0 <= 0:
            continue
        c1 = values_at(s.age_hours, s.cumulative, a + h_arr)
        with np.errstate(invalid="ignore"):
            y_all[j] = np.where(np.isfinite(c1), np.log(np.maximum(c1, c0) / c0), np.nan)
        if f is not None:
            f_all[j] = np.log((c0 + np.asarray(f.growth(a, h_arr), dtype=float)) / c0)
    for k, h in enumerate(hs):
        seen = np.isfinite(y_all[:, k])
        y_arr, f_arr = y_all[seen, k], f_all[seen, k]
        n_c = y_arr.size
        cal = np.isfinite(f_arr)
        n_f = int(cal.sum())
        f_target = math.log((baseline + float(fit.growth(a, h))) / baseline) if fit is not None else None

        if f_target is not None and n_f >= MIN_CALIBRATION_CONTROLS and n_c >= MIN_CALIBRATION_CONTROLS:
            total = y_arr.sum()
            c_loo = (total - y_arr) / (n_c - 1)
            e_c = (y_arr - c_loo)[cal]
            e_f = (y_arr - f_arr)[cal]
            b = float(e_f.mean())
            e_f0 = e_f - b
            v_f, v_c = float(e_f0.var(ddof=1)), float(e_c.var(ddof=1))
            k = float(np.mean(e_f0 * (e_c - e_c.mean())) * n_f / (n_f - 1))
            den = v_f + v_c - 2.0 * k
            w = float(np.clip((v_c - k) / den, 0.0, 1.0)) if den > 1e-12 else 0.5
            e = w * e_f0 + (1.0 - w) * e_c
            center = w * (f_target + b) + (1.0 - w) * float(y_arr.mean())
            scale = float(e.std(ddof=1)) * math.sqrt(1.0 + 1.0 / n_f)
            points.append(_point(h, center, scale, n_f - 1, level, baseline, "combined"))
            basis, w_final, b_final, n_f_final = "combined", w, b, n_f
            sd_final = math.sqrt(v_f)
        elif n_c >= 2:
            center = float(y_arr.mean())
            scale = float(y_arr.std(ddof=1)) * math.sqrt(1.0 + 1.0 / n_c)
            points.append(_point(h, center, scale, n_c - 1, level, baseline, "controls_only"))
            basis, w_final, b_final, n_f_final, sd_final = "controls_only", 0.0, 0.0, 0, 0.0
        elif f_target is not None:
            points.append(_point(h, f_target, UNCALIBRATED_LOG_SD, 30.0, level, baseline, "trajectory_only"))
            basis, w_final, b_final, n_f_final, sd_final = "trajectory_only", 1.0, 0.0, 0, 0.0
        else:
            points.append(_point(h, 0.0, 0.0, 0.0, level, baseline, "none"))
            basis = "none"
        n_c_final = n_c

    if basis == "controls_only" and not history_missing:
        flags.append("too_few_calibrated_controls")
    if basis == "trajectory_only":
        flags.append("uncalibrated")
    if basis == "none":
        flags.append("no_information")
    return Counterfactual(
        baseline=float(baseline), boost_age_hours=a, level=level, basis=basis, points=tuple(points),
        weight_trajectory=w_final, trajectory_bias=b_final, trajectory_error_sd=sd_final, n_controls=n_c_final,
        n_calibrated=n_f_final, history_missing=history_missing, fit=fit, flags=tuple(flags),
    )


def _absolute_or_none(a, hs, controls, baseline, level, flags, fit) -> Counterfactual:
    """No usable baseline: the controls' absolute totals (log(1 + C)), or nothing."""
    points, basis, n_c_final = [], "none", 0
    for h in hs:
        vals = [value_at(s.age_hours, s.cumulative, a + h) for s in controls]
        y = np.log1p(np.asarray([v for v in vals if v is not None], dtype=float))
        n_c = y.size
        if n_c >= 2:
            scale = float(y.std(ddof=1)) * math.sqrt(1.0 + 1.0 / n_c)
            points.append(_point(h, float(y.mean()), scale, n_c - 1, level, None, "controls_absolute"))
            basis = "controls_absolute"
        else:
            b = float(baseline or 0.0)
            points.append(CounterfactualPoint(float(h), b, b, b, 0.0, 0.0, 0.0))
            basis = "none"
        n_c_final = n_c
    flags.append("controls_absolute" if basis == "controls_absolute" else "no_information")
    return Counterfactual(
        baseline=baseline, boost_age_hours=a, level=level, basis=basis, points=tuple(points),
        weight_trajectory=0.0, trajectory_bias=0.0, trajectory_error_sd=0.0, n_controls=n_c_final, n_calibrated=0,
        history_missing=fit is None, fit=fit, flags=tuple(flags),
    )

"""Fixed-horizon tests of one treatment against the control, from sufficient statistics.

Each comparison reports two effects, and says which null and which variance each p-value uses, because
they are not the same test and do not give the same p-value on the same counts:

``absolute`` (difference d = mean_B - mean_A, in the metric's units: a fraction for rates, cents for money)
  - proportions: **two-proportion z test with the pooled null variance**
    z = d / sqrt(p_bar (1 - p_bar) (1/n_A + 1/n_B)), p_bar = (c_A + c_B) / (n_A + n_B),
    p = 2 (1 - Phi(|z|)) (the classic score test of H0: p_A = p_B; equals statsmodels
    ``test_proportions_2indep(method="score", correction=False)`` and ``proportions_ztest``).
    Its interval is the **unpooled Wald interval** d +/- z_{1-alpha/2} sqrt(p_A q_A / n_A + p_B q_B / n_B)
    (statsmodels ``confint_proportions_2indep(method="wald")``), because under the alternative the arms
    do not share a rate. So at the edge the pooled p-value and the Wald interval can disagree slightly.
  - means: **Welch's t test** (unpooled variances) V = s_A^2/n_A + s_B^2/n_B, t = d / sqrt(V),
    Welch-Satterthwaite df = V^2 / ((s_A^2/n_A)^2/(n_A-1) + (s_B^2/n_B)^2/(n_B-1)); interval
    d +/- t_{df, 1-alpha/2} sqrt(V) (Welch 1947; scipy ``ttest_ind_from_stats(equal_var=False)``).

``relative`` (lift L = mean_B / mean_A - 1, a fraction)
  - both kinds: **delta-method, unpooled variance** (GrowthBook's frequentist engine, gbstats 0.8.0
    ``frequentist_variance(relative=True)``):
    Var(L) = v_B / (mean_A^2 n_B) + v_A mean_B^2 / (mean_A^4 n_A), v = per-unit variance
    (p(1-p) for proportions, s^2 for means); t = L / sqrt(Var(L)) against Student's t with the
    Welch-Satterthwaite df of the per-unit variances; interval L +/- t_{df,1-alpha/2} sqrt(Var(L)).
    Source: Casella & Berger 2002 s. 5.5.4 (delta method); gbstats ``TwoSidedTTest``.

Degenerate input gives ``defined=False``, ``p_value=1.0`` (no evidence of a difference), no interval,
and a ``note`` saying why: an arm with n < 2, zero variance in both arms, or (relative only) a control
mean of 0. Never NaN, never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from boostloop.analytics.experiments.stats import MeanStats, ProportionStats, RatioStats, VariantStats

POOLED_Z = "two-proportion z test; H0 p_A = p_B; pooled null variance p_bar(1-p_bar)(1/n_A+1/n_B); normal"
WALD_CI = "Wald interval, unpooled variance p_A q_A/n_A + p_B q_B/n_B"
WELCH_T = "Welch t test; H0 mean_A = mean_B; unpooled variance s_A^2/n_A + s_B^2/n_B; Welch-Satterthwaite df"
WELCH_RATIO = (
    "Welch t on a ratio metric over boosts; H0 ratio_A = ratio_B; per-boost delta-method variance "
    "(cluster-robust); Welch-Satterthwaite df"
)
RELATIVE_DELTA = (
    "relative lift mean_B/mean_A - 1; H0 lift = 0; delta-method unpooled variance; "
    "Student t with Welch-Satterthwaite df (as gbstats)"
)


@dataclass(frozen=True)
class EffectTest:
    """One effect with its test. ``ci`` is None when the effect cannot be estimated."""

    estimate: float
    ci: tuple[float, float] | None
    p_value: float
    statistic: float | None  # z or t
    dof: float | None  # None for a normal reference distribution
    std_error: float | None
    method: str
    defined: bool
    note: str | None = None
    significant: bool = False  # p_value < alpha of the comparison; always False when not defined


@dataclass(frozen=True)
class ComparisonResult:
    """Treatment B against control A at level ``alpha``."""

    kind: str  # "proportion" or "mean"
    alpha: float
    n_control: int
    n_treatment: int
    mean_control: float
    mean_treatment: float
    absolute: EffectTest
    relative: EffectTest


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha}")


def welch_dof(var_a: float, n_a: int, var_b: float, n_b: int) -> float | None:
    """Welch-Satterthwaite degrees of freedom; None when not defined (an arm with n < 2, or V = 0)."""
    if n_a < 2 or n_b < 2:
        return None
    va, vb = var_a / n_a, var_b / n_b
    scale = max(va, vb)
    if not (scale > 0.0 and math.isfinite(scale)):
        return None
    x, y = va / scale, vb / scale  # scaled to 1 so that squaring cannot overflow
    return (x + y) * (x + y) / (x * x / (n_a - 1) + y * y / (n_b - 1))


def relative_variance(a: VariantStats, b: VariantStats) -> float | None:
    """Delta-method variance of mean_B / mean_A - 1, written as (v_B/n_B + v_A R^2/n_A) / mean_A^2 with
    R = mean_B / mean_A (the same quantity as the module docstring, ordered to avoid overflow).
    None when it is not a finite positive number (no units, control mean 0, zero variance, or over/underflow).
    """
    if a.n == 0 or b.n == 0 or a.mean == 0.0:
        return None
    try:
        ratio = b.mean / a.mean
        var = (b.variance / b.n + a.variance * ratio * ratio / a.n) / (a.mean * a.mean)
    except (ZeroDivisionError, OverflowError):
        return None
    return var if math.isfinite(var) and var > 0.0 else None


def _undefined(estimate: float, method: str, note: str) -> EffectTest:
    return EffectTest(
        estimate=estimate,
        ci=None,
        p_value=1.0,
        statistic=None,
        dof=None,
        std_error=None,
        method=method,
        defined=False,
        note=note,
    )


def _t_effect(estimate: float, variance: float, dof: float, alpha: float, method: str) -> EffectTest:
    se = math.sqrt(variance)
    t = estimate / se
    p = float(min(1.0, 2.0 * special.stdtr(dof, -(abs(t)))))
    half = float(special.stdtrit(dof, 1.0 - alpha / 2.0)) * se
    return EffectTest(
        estimate=estimate,
        ci=(estimate - half, estimate + half),
        p_value=p,
        statistic=t,
        dof=dof,
        std_error=se,
        method=method,
        defined=True,
        significant=p < alpha,
    )


def relative_lift_test(a: VariantStats, b: VariantStats, alpha: float = 0.05) -> EffectTest:
    """Delta-method test of the relative lift (module docstring); ``a`` is the control."""
    _check_alpha(alpha)
    ma, mb = a.mean, b.mean
    if a.n == 0 or b.n == 0:
        return _undefined(0.0, RELATIVE_DELTA, "an arm has no units yet")
    if ma == 0.0:
        return _undefined(0.0, RELATIVE_DELTA, "control mean is 0: a relative lift is not defined")
    lift = mb / ma - 1.0
    if not math.isfinite(lift):
        return _undefined(0.0, RELATIVE_DELTA, "control mean too close to 0 for a relative lift")
    var = relative_variance(a, b)
    dof = welch_dof(a.variance, a.n, b.variance, b.n)
    if dof is None or var is None:
        return _undefined(lift, RELATIVE_DELTA, "needs n >= 2 in each arm and a non-zero variance")
    return _t_effect(lift, var, dof, alpha, RELATIVE_DELTA)


def two_proportion_test(a: ProportionStats, b: ProportionStats, alpha: float = 0.05) -> ComparisonResult:
    """Pooled two-proportion z test, Wald interval, and delta-method relative lift; ``a`` is the control."""
    _check_alpha(alpha)
    pa, pb = a.mean, b.mean
    d = pb - pa
    if a.n == 0 or b.n == 0:
        absolute = _undefined(d, POOLED_Z, "an arm has no units yet")
    else:
        pbar = (a.conversions + b.conversions) / (a.n + b.n)
        var0 = pbar * (1.0 - pbar) * (1.0 / a.n + 1.0 / b.n)
        var1 = pa * (1.0 - pa) / a.n + pb * (1.0 - pb) / b.n
        if var0 <= 0.0:
            # Both arms all 0 or all 1: the rates are equal, there is nothing to test.
            absolute = _undefined(d, POOLED_Z, "no variance: every unit in both arms has the same outcome")
        else:
            z = d / math.sqrt(var0)
            p = float(min(1.0, 2.0 * special.ndtr(-(abs(z)))))
            ci = None
            note = None
            if var1 > 0.0:
                half = float(special.ndtri(1.0 - alpha / 2.0)) * math.sqrt(var1)
                ci = (d - half, d + half)
            else:
                note = "Wald interval not defined: each arm's rate is 0 or 1"
            absolute = EffectTest(
                estimate=d,
                ci=ci,
                p_value=p,
                statistic=z,
                dof=None,
                std_error=math.sqrt(var1) if var1 > 0 else None,
                method=f"{POOLED_Z}; interval: {WALD_CI}",
                defined=True,
                note=note,
                significant=p < alpha,
            )
    return ComparisonResult(
        kind="proportion",
        alpha=alpha,
        n_control=a.n,
        n_treatment=b.n,
        mean_control=pa,
        mean_treatment=pb,
        absolute=absolute,
        relative=relative_lift_test(a, b, alpha),
    )


def welch_test(a: MeanStats | RatioStats, b: MeanStats | RatioStats, alpha: float = 0.05) -> ComparisonResult:
    """Welch's unequal-variance t test and delta-method relative lift; ``a`` is the control.

    Also serves ratio metrics over boosts (:class:`RatioStats`): the same statistic with the per-boost
    delta-method variance (gbstats' treatment of ``RatioStatistic``).
    """
    _check_alpha(alpha)
    ratio = isinstance(a, RatioStats)
    method = WELCH_RATIO if ratio else WELCH_T
    d = b.mean - a.mean
    dof = welch_dof(a.variance, a.n, b.variance, b.n)
    if a.n < 2 or b.n < 2:
        absolute = _undefined(d, method, "needs n >= 2 in each arm")
    elif dof is None:
        absolute = _undefined(d, method, "zero variance in both arms")
    else:
        absolute = _t_effect(d, a.variance / a.n + b.variance / b.n, dof, alpha, method)
    return ComparisonResult(
        kind="ratio" if ratio else "mean",
        alpha=alpha,
        n_control=a.n,
        n_treatment=b.n,
        mean_control=a.mean,
        mean_treatment=b.mean,
        absolute=absolute,
        relative=relative_lift_test(a, b, alpha),
    )


def compare(a: VariantStats, b: VariantStats, alpha: float = 0.05) -> ComparisonResult:
    """The test that fits the statistics: pooled z for proportions, Welch for means."""
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        return two_proportion_test(a, b, alpha)
    if isinstance(a, MeanStats) and isinstance(b, MeanStats):
        return welch_test(a, b, alpha)
    if isinstance(a, RatioStats) and isinstance(b, RatioStats):
        return welch_test(a, b, alpha)
    raise TypeError("control and treatment must be statistics of the same kind")

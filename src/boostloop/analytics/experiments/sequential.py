"""Always-valid sequential test: the mixture SPRT (mSPRT) with a normal mixture.

Source: Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests" (KDD 2017) and Johari, Pekelis & Walsh,
"Always valid inference: continuous monitoring of A/B tests" (Operations Research 70(3), 2022); the
boundary tuning is Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic
confidence sequences" (Ann. Statist. 2021), as used by GrowthBook (gbstats 0.8.0
``SequentialTwoSidedTTest``, which the tests match to 1e-9).

With an effect estimate theta_hat (absolute difference or relative lift) whose variance is V (unpooled,
as in the fixed-horizon tests), and a normal mixing distribution theta ~ N(0, tau^2) over the
alternative, the mixture likelihood ratio against H0: theta = 0 is

    Lambda = sqrt(V / (V + tau^2)) * exp( theta_hat^2 tau^2 / (2 V (V + tau^2)) )
           = (1 + r)^(-1/2) exp( z^2 r / (2 (1 + r)) ),   z = theta_hat / sqrt(V),  r = tau^2 / V.

Lambda is a nonnegative martingale under H0, so by Ville's inequality P(sup_n Lambda_n >= 1/alpha) <= alpha:
the always-valid p-value p_n = min(1, 1/Lambda_n) (or its running minimum over looks) can be read every
day and acted on whenever it drops below alpha without inflating the false positive rate. Using the
current value instead of the running minimum (what :func:`msprt` returns when no ``previous_p_value``
is given) is only more conservative. The matching confidence sequence is
    theta_hat +/- sqrt( V (1 + r) / r * (2 ln(1/alpha) + ln(1 + r)) ).

**Mixing variance tau^2.** tau is the effect size the test is tuned for. Without a history of past
experiments to fit it to (Johari et al. 2022, s. 4.3), we choose tau^2 so that the boundary is
narrowest at the planned total sample N* (the experiment's minimum sample, all arms): minimising
(1 + 1/r)(c + ln(1 + r)), c = -2 ln alpha, gives r* = c + ln(1 + r*), approximately
r* = c + ln(1 + c) (Howard et al. 2021, eq. for rho; at alpha = 0.05 this gives 7.94 where the exact
optimum is 8.21, and a boundary within 0.1 % of the narrowest: tests/analytics/experiments). With the per-unit variance s^2 = V N (N = total
units now), tau^2 = s^2 rho^2 and rho^2 = (c + ln(1 + c)) / N*, i.e. r = N rho^2. tau^2 is thus a fixed
number (per-unit variance estimated from the data, over N*): for alpha = 0.05, c = 5.99 and
r* = 7.94, so tau is about 2.8 standard errors of the effect at the planned sample, i.e. the size of
effect an experiment of that size is meant to detect. A larger N* tunes for smaller effects.

Degenerate input (V = 0 or not finite, N = 0): p = 1, no interval, ``defined=False``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boostloop.analytics.experiments.frequentist import relative_variance
from boostloop.analytics.experiments.stats import VariantStats


@dataclass(frozen=True)
class SequentialResult:
    estimate: float
    p_value: float  # always-valid
    ci: tuple[float, float] | None  # confidence sequence at this look
    log_likelihood_ratio: float  # ln Lambda
    tau_squared: float  # mixing variance, in the effect's units squared
    tuning_sample: float  # N*, total units the boundary is tuned for
    n_total: int
    method: str
    defined: bool
    significant: bool = False
    note: str | None = None


def mixing_rho_squared(alpha: float, tuning_sample: float) -> float:
    """rho^2 = (-2 ln alpha + ln(1 - 2 ln alpha)) / N* (Howard et al. 2021; gbstats ``rho``)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha}")
    if not tuning_sample > 0:
        raise ValueError(f"tuning_sample: must be > 0, got {tuning_sample}")
    c = -2.0 * math.log(alpha)
    return (c + math.log(1.0 + c)) / tuning_sample


def msprt_from_estimate(
    estimate: float,
    variance: float,
    n_total: int,
    *,
    alpha: float = 0.05,
    tuning_sample: float,
    previous_p_value: float | None = None,
    method: str = "mSPRT, normal mixture",
) -> SequentialResult:
    """The mSPRT for an estimate with variance ``variance`` after ``n_total`` units (module docstring)."""
    rho2 = mixing_rho_squared(alpha, tuning_sample)
    if not (n_total > 0 and variance > 0.0 and math.isfinite(variance) and math.isfinite(estimate)):
        p = 1.0 if previous_p_value is None else min(1.0, previous_p_value)
        return SequentialResult(
            estimate if math.isfinite(estimate) else 0.0,
            p,
            None,
            0.0,
            0.0,
            tuning_sample,
            n_total,
            method,
            False,
            p < alpha,
            "no variance yet",
        )
    r = n_total * rho2
    tau2 = variance * r
    z2 = estimate * estimate / variance
    log_lr = z2 * r / (2.0 * (1.0 + r)) - 0.5 * math.log1p(r)
    p = math.exp(min(0.0, -log_lr))
    if previous_p_value is not None:
        p = min(p, previous_p_value)
    half = math.sqrt(variance * (1.0 + r) / r * (-2.0 * math.log(alpha) + math.log1p(r)))
    return SequentialResult(
        estimate=estimate,
        p_value=p,
        ci=(estimate - half, estimate + half),
        log_likelihood_ratio=log_lr,
        tau_squared=tau2,
        tuning_sample=tuning_sample,
        n_total=n_total,
        method=method,
        defined=True,
        significant=p < alpha,
    )


def msprt(
    a: VariantStats,
    b: VariantStats,
    *,
    alpha: float = 0.05,
    tuning_sample: float,
    relative: bool = False,
    previous_p_value: float | None = None,
) -> SequentialResult:
    """Always-valid test of B against control A on the absolute difference (default) or relative lift.

    Variance: unpooled, V = v_A/n_A + v_B/n_B (absolute) or the delta-method variance (relative),
    v = per-unit variance (p(1-p) for proportions, s^2 for means).
    """
    kind = "relative lift" if relative else "absolute difference"
    method = f"mSPRT (normal mixture, tau^2 tuned to N*={tuning_sample:g}) on the {kind}; unpooled variance"
    n = a.n + b.n
    if a.n == 0 or b.n == 0:
        return msprt_from_estimate(
            0.0,
            0.0,
            n,
            alpha=alpha,
            tuning_sample=tuning_sample,
            previous_p_value=previous_p_value,
            method=method,
        )
    ma, mb = a.mean, b.mean
    if relative:
        if ma == 0.0:
            return msprt_from_estimate(
                0.0,
                0.0,
                n,
                alpha=alpha,
                tuning_sample=tuning_sample,
                previous_p_value=previous_p_value,
                method=method,
            )
        est = mb / ma - 1.0
        var = relative_variance(a, b) or 0.0
    else:
        est = mb - ma
        var = a.variance / a.n + b.variance / b.n
    return msprt_from_estimate(
        est,
        var,
        n,
        alpha=alpha,
        tuning_sample=tuning_sample,
        previous_p_value=previous_p_value,
        method=method,
    )

"""Power and sample size for a two-arm comparison, for proportions and for means.

Proportions (two-sided pooled z test of :func:`two_proportion_test`): the variance under H0 uses the
pooled rate, the variance under the alternative the two separate rates (statsmodels
``power_proportions_2indep``, which the tests match to 1e-9):
  p_bar = (p_T + p_C k) / (1 + k), k = n_C / n_T
  sd0 = sqrt(p_bar q_bar (1 + 1/k)),  sd1 = sqrt(p_T q_T + p_C q_C / k)      (per sqrt(n_T))
  power = Phi_bar(z_{1-a/2} sd0/sd1 - d sqrt(n_T)/sd1) + Phi(-z_{1-a/2} sd0/sd1 - d sqrt(n_T)/sd1)
Means (two-sided two-sample t test, noncentral t; statsmodels ``TTestIndPower`` / ``tt_ind_solve_power``):
  effect size e = d / sd, df = n_C + n_T - 2, noncentrality nc = e sqrt(n_C n_T / (n_C + n_T)),
  power = P(T' > t_{df,1-a/2}) + P(T' < -t_{df,1-a/2}),  T' ~ nct(df, nc).
(Welch's df is not known before the data; the pooled df is the standard planning approximation.)

Sample sizes solve power(n) = target for the continuous n (Brent's method) and round up. With several
treatments against one control, pass ``comparisons`` = number of treatments: alpha is divided by it
(Bonferroni, which is Holm's first step, so the plan is conservative for Holm).

Units: rates are fractions, ``mde`` in the metric's units (absolute) or a fraction (relative); sd in the
metric's units. Degenerate planning input (no effect, rate 0 or 1, sd 0) gives ``n=None`` with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize
from scipy import stats as st

MAX_N = 10**12


@dataclass(frozen=True)
class SampleSizeResult:
    n_control: int | None
    n_treatment: int | None
    n_control_exact: float | None  # the continuous solution before rounding up
    power: float  # achieved at the rounded sizes (0 when not defined)
    alpha: float  # per comparison, after the Bonferroni split
    method: str
    note: str | None = None


def _check(alpha: float, power: float | None = None) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha}")
    if power is not None and not 0.0 < power < 1.0:
        raise ValueError(f"power: must be in (0, 1), got {power}")


def power_proportions(
    p_control: float, p_treatment: float, n_control: float, n_treatment: float, alpha: float = 0.05
) -> float:
    """Power of the two-sided pooled z test (module docstring). Rates are fractions."""
    _check(alpha)
    for name, p in (("p_control", p_control), ("p_treatment", p_treatment)):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{name}: must be in [0, 1], got {p}")
    if n_control <= 0 or n_treatment <= 0:
        return 0.0
    k = n_control / n_treatment
    d = p_treatment - p_control
    pbar = (p_treatment + p_control * k) / (1.0 + k)
    sd0 = math.sqrt(pbar * (1.0 - pbar) * (1.0 + 1.0 / k))
    sd1 = math.sqrt(p_treatment * (1.0 - p_treatment) + p_control * (1.0 - p_control) / k)
    if sd1 == 0.0:
        return 1.0 if d != 0 else 0.0
    crit = float(st.norm.isf(alpha / 2.0))
    shift = d * math.sqrt(n_treatment) / sd1
    ratio = sd0 / sd1
    return float(st.norm.sf(crit * ratio - shift) + st.norm.cdf(-crit * ratio - shift))


def power_means(
    difference: float, sd: float, n_control: float, n_treatment: float, alpha: float = 0.05
) -> float:
    """Power of the two-sided two-sample t test for a true difference in means (module docstring)."""
    _check(alpha)
    if sd < 0:
        raise ValueError(f"sd: must be >= 0, got {sd}")
    if n_control + n_treatment <= 2 or n_control <= 0 or n_treatment <= 0:
        return 0.0
    if sd == 0.0:
        return 1.0 if difference != 0 else alpha
    df = n_control + n_treatment - 2.0
    nc = difference / sd * math.sqrt(n_control * n_treatment / (n_control + n_treatment))
    crit = float(st.t.isf(alpha / 2.0, df))
    return float(st.nct.sf(crit, df, nc) + st.nct.cdf(-crit, df, nc))


def _solve(power_at, target: float) -> float | None:
    lo = 2.0
    if power_at(lo) >= target:
        return lo
    hi = 4.0
    while power_at(hi) < target:
        hi *= 2.0
        if hi > MAX_N:
            return None
    return float(optimize.brentq(lambda n: power_at(n) - target, lo, hi, xtol=1e-10, rtol=1e-14))


def sample_size_proportions(
    p_control: float,
    mde: float,
    *,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    comparisons: int = 1,
) -> SampleSizeResult:
    """Units per arm to detect a change ``mde`` in the rate (absolute, or relative when ``relative``).

    ``ratio`` = n_treatment / n_control.
    """
    _check(alpha, power)
    if comparisons < 1:
        raise ValueError(f"comparisons: must be >= 1, got {comparisons}")
    if ratio <= 0:
        raise ValueError(f"ratio: must be > 0, got {ratio}")
    a = alpha / comparisons
    p_t = p_control * (1.0 + mde) if relative else p_control + mde
    method = "pooled two-proportion z test, normal power (statsmodels power_proportions_2indep)"
    if not 0.0 <= p_control <= 1.0:
        raise ValueError(f"p_control: must be in [0, 1], got {p_control}")
    if not 0.0 <= p_t <= 1.0:
        raise ValueError(f"mde: the treatment rate {p_t} is outside [0, 1]")
    if p_t == p_control or (p_control in (0.0, 1.0) and p_t in (0.0, 1.0)):
        return SampleSizeResult(None, None, None, 0.0, a, method, "no detectable difference to plan for")
    n = _solve(lambda n: power_proportions(p_control, p_t, n, n * ratio, a), power)
    if n is None:
        return SampleSizeResult(None, None, None, 0.0, a, method, f"needs more than {MAX_N} units per arm")
    nc, nt = math.ceil(n - 1e-9), math.ceil(n * ratio - 1e-9)
    return SampleSizeResult(nc, nt, n, power_proportions(p_control, p_t, nc, nt, a), a, method)


def sample_size_means(
    difference: float,
    sd: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    comparisons: int = 1,
) -> SampleSizeResult:
    """Units per arm to detect a difference in means ``difference`` with per-unit sd ``sd``."""
    _check(alpha, power)
    if comparisons < 1:
        raise ValueError(f"comparisons: must be >= 1, got {comparisons}")
    if ratio <= 0:
        raise ValueError(f"ratio: must be > 0, got {ratio}")
    a = alpha / comparisons
    method = "two-sample t test, noncentral t power (statsmodels tt_ind_solve_power)"
    if difference == 0 or sd <= 0:
        return SampleSizeResult(
            None, None, None, 0.0, a, method, "needs a non-zero difference and a positive sd to plan for"
        )
    n = _solve(lambda n: power_means(difference, sd, n, n * ratio, a), power)
    if n is None:
        return SampleSizeResult(None, None, None, 0.0, a, method, f"needs more than {MAX_N} units per arm")
    nc, nt = math.ceil(n - 1e-9), math.ceil(n * ratio - 1e-9)
    return SampleSizeResult(nc, nt, n, power_means(difference, sd, nc, nt, a), a, method)

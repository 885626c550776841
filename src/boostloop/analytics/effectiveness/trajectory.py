"""A post's own organic trajectory: a saturating-decay curve fitted to its cumulative lifetime totals.

Platforms report post insights as lifetime totals captured over time (``organic_post_metrics``), and
organic delivery of a post decays after publication (most of a feed post's impressions come in its
first day or two). The simplest curve with that shape is the exponential-decay rate integrated from
publication:

    rate(t) = (A / tau) * exp(-t / tau)            [results per hour]
    C(t)    = A * (1 - exp(-t / tau))              [cumulative results at age t hours]

with ``A`` the lifetime total the post tends to and ``tau`` the decay time constant in hours. The
forecast of the growth after the boost age ``a`` over the next ``h`` hours is

    G(a, h) = C(a + h) - C(a) = A * (exp(-a / tau) - exp(-(a + h) / tau)).

The curve is a model: real decay is often heavier-tailed than exponential. This module only fits it;
``counterfactual`` measures how wrong it is on comparable control posts and corrects and widens for
that (see there), so the misspecification is paid for in the interval, not hidden.

Fit: weighted least squares on the cumulative points (scipy ``curve_fit``), sigma_i = sqrt(max(C_i, 1))
because counts are roughly Poisson (variance proportional to the count). Needs at least
``MIN_FIT_POINTS`` captures with growth; otherwise ``fit_decay_curve`` returns ``None`` (defined: "no
usable own history").
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

# Two parameters need at least three points to leave a residual degree of freedom.
MIN_FIT_POINTS = 3
# tau bounds in hours: 0.1 h (a post dead within minutes) to 1 year (barely decaying).
TAU_BOUNDS_HOURS = (0.1, 24.0 * 365.0)


@dataclass(frozen=True)
class DecayFit:
    """Fitted ``C(t) = A (1 - exp(-t / tau))``; ``A`` in results, ``tau`` in hours."""

    lifetime_total: float  # A
    tau_hours: float  # tau
    n_points: int
    last_age_hours: float
    last_cumulative: float

    def cumulative(self, age_hours: np.ndarray | float) -> np.ndarray:
        t = np.maximum(np.asarray(age_hours, dtype=float), 0.0)
        return self.lifetime_total * -np.expm1(-t / self.tau_hours)

    def growth(self, age_hours: float, horizon_hours: np.ndarray | float) -> np.ndarray:
        """G(a, h) = A (exp(-a/tau) - exp(-(a+h)/tau)), results gained from age a over h more hours."""
        h = np.maximum(np.asarray(horizon_hours, dtype=float), 0.0)
        return self.lifetime_total * math.exp(-age_hours / self.tau_hours) * -np.expm1(-h / self.tau_hours)


def _curve(t: np.ndarray, a: float, tau: float) -> np.ndarray:
    return a * -np.expm1(-t / tau)


def clean_series(age_hours, cumulative) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, finite, non-negative points with a running maximum (lifetime totals never fall; a lower
    later capture is a platform correction, and the running max keeps the series cumulative)."""
    t = np.asarray(age_hours, dtype=float).ravel()
    c = np.asarray(cumulative, dtype=float).ravel()
    n = min(t.size, c.size)
    t, c = t[:n], c[:n]
    ok = np.isfinite(t) & np.isfinite(c) & (t >= 0) & (c >= 0)
    t, c = t[ok], c[ok]
    order = np.argsort(t, kind="stable")
    t, c = t[order], np.maximum.accumulate(c[order]) if c.size else c[order]
    return t, c


def fit_decay_curve(age_hours, cumulative, *, up_to_age_hours: float | None = None) -> DecayFit | None:
    """Fit the decay curve to the points at ages <= ``up_to_age_hours`` (all points if None).

    Returns None when there is no usable history: fewer than ``MIN_FIT_POINTS`` points with an age > 0,
    or no growth at all (a flat zero series carries no information about decay).
    """
    t, c = clean_series(age_hours, cumulative)
    if up_to_age_hours is not None:
        keep = t <= up_to_age_hours + 1e-9
        t, c = t[keep], c[keep]
    keep = t > 0
    t, c = t[keep], c[keep]
    if t.size < MIN_FIT_POINTS or c[-1] <= 0:
        return None
    # Start: tau from the age at which half the last total was reached; A a bit above the last total.
    half_age = float(t[np.searchsorted(c, 0.5 * c[-1])]) if c[-1] > 0 else float(t[-1])
    tau0 = float(np.clip(half_age / math.log(2.0), *TAU_BOUNDS_HOURS))
    a0 = max(c[-1] / max(-math.expm1(-t[-1] / tau0), 1e-6), c[-1] * 1.01, 1.0)
    sigma = np.sqrt(np.maximum(c, 1.0))
    lower = (float(c[-1]), TAU_BOUNDS_HOURS[0])
    upper = (max(float(c[-1]) * 1e4, 10.0), TAU_BOUNDS_HOURS[1])
    p0 = (float(np.clip(a0, lower[0] * (1 + 1e-9) + 1e-9, upper[0] * (1 - 1e-9))), tau0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            popt, _ = curve_fit(_curve, t, c, p0=p0, sigma=sigma, bounds=(lower, upper), maxfev=5000)
    except (RuntimeError, ValueError):
        return None
    a_hat, tau_hat = float(popt[0]), float(popt[1])
    if not (math.isfinite(a_hat) and math.isfinite(tau_hat)):
        return None
    return DecayFit(
        lifetime_total=a_hat,
        tau_hours=tau_hat,
        n_points=int(t.size),
        last_age_hours=float(t[-1]),
        last_cumulative=float(c[-1]),
    )


def value_at(age_hours, cumulative, at_age: float) -> float | None:
    """Cumulative total at ``at_age`` by linear interpolation between captures (C(0) = 0 at publication).

    None when ``at_age`` is after the last capture (the total there is unknown, not extrapolated).
    """
    t, c = clean_series(age_hours, cumulative)
    if t.size == 0 or at_age > t[-1] + 1e-9 or at_age < 0:
        return None
    if t[0] > 0:
        t = np.concatenate([[0.0], t])
        c = np.concatenate([[0.0], c])
    return float(np.interp(at_age, t, c))

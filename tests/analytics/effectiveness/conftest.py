"""Hand-made organic series for the effectiveness tests (no simulator needed)."""

from __future__ import annotations

import math

import numpy as np

from boostloop.analytics.effectiveness.counterfactual import Counterfactual, CounterfactualPoint, PostSeries


def exp_curve(lifetime: float, tau: float, ages) -> np.ndarray:
    """C(t) = A (1 - exp(-t / tau)), noise-free."""
    return lifetime * -np.expm1(-np.asarray(ages, dtype=float) / tau)


def noisy_post(rng: np.random.Generator, hours: int = 24 * 10, *, tail_share: float = 0.2,
               tau_median: float = 20.0) -> PostSeries:
    """Hourly cumulative counts with Poisson increments; decay is a mixture of a fast and a 5x slower
    exponential (heavier-tailed than the fitted curve, so the fit is misspecified on purpose)."""
    lifetime = rng.lognormal(8.0, 0.8)
    tau = rng.lognormal(math.log(tau_median), 0.4)
    t = np.arange(1, hours + 1, dtype=float)
    rate = lifetime * ((1 - tail_share) * np.exp(-t / tau) / tau + tail_share * np.exp(-t / (5 * tau)) / (5 * tau))
    return PostSeries.of(t, np.cumsum(rng.poisson(rate)))


def fixed_counterfactual(baseline: float, estimate: float, lower: float | None = None, upper: float | None = None,
                         *, horizon: float = 24.0, level: float = 0.90) -> Counterfactual:
    """A counterfactual with a given point and interval and no sampling spread (scale 0)."""
    lower = estimate if lower is None else lower
    upper = estimate if upper is None else upper
    center = math.log(estimate / baseline) if baseline > 0 and estimate > 0 else 0.0
    pt = CounterfactualPoint(horizon, estimate, lower, upper, center, 0.0, 0.0)
    return Counterfactual(baseline=baseline, boost_age_hours=10.0, level=level, basis="combined", points=(pt,),
                          weight_trajectory=0.5, trajectory_bias=0.0, trajectory_error_sd=0.0, n_controls=10,
                          n_calibrated=10,
                          history_missing=False)


def assert_no_nan(obj, path: str = "result") -> None:
    """Every float reachable in a (nested) result dataclass is finite or None."""
    import dataclasses

    if isinstance(obj, float):
        assert math.isfinite(obj), f"{path} = {obj}"
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            assert_no_nan(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            assert_no_nan(v, f"{path}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            assert_no_nan(v, f"{path}[{i}]")
    elif isinstance(obj, np.ndarray):
        assert np.all(np.isfinite(obj)), path

"""Every model by name, one entry point (:func:`attribute`) and the journey bootstrap for intervals.

Bootstrap (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13, percentile interval):
the journeys are the resampling unit. A path table with ``N = sum(conversions + nulls)`` journeys is
resampled as one multinomial draw of ``N`` journeys over the cells "converting journey of path p" and
"null journey of path p" with probabilities proportional to their counts (identical in distribution to
drawing ``N`` journeys with replacement); a resampled converting journey carries its path's mean value.
The model is re-run on every replicate and the interval is the ``(1 - level)/2`` and ``(1 + level)/2``
quantiles of the replicates' credits. 200 replicates by default: the Monte-Carlo error of a 5%/95%
quantile with B = 200 is about 1.5 percentile points (Efron & Tibshirani, ch. 19), enough for a 90%
interval on a dashboard; ask for more when publishing. Intervals need journeys: with fewer than ~30
converting journeys per channel the percentile interval under-covers (ibid., ch. 14), so read them as rough.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import numpy as np

from boostloop.analytics.attribution import heuristics
from boostloop.analytics.attribution.allocation import Allocator
from boostloop.analytics.attribution.markov import MarkovAllocator, prepare_markov
from boostloop.analytics.attribution.paths import PathTable
from boostloop.analytics.attribution.results import AttributionResult, ChannelCredit
from boostloop.analytics.attribution.shapley import prepare_shapley

MODELS: tuple[str, ...] = (
    "first_touch", "last_touch", "last_non_unknown", "linear", "time_decay", "position_based", "markov", "shapley",
)
DEFAULT_N_BOOT = 200
DEFAULT_LEVEL = 0.9


def prepare(
    table: PathTable,
    model: str,
    *,
    order: int = 1,
    half_life_hours: float = heuristics.DEFAULT_HALF_LIFE_HOURS,
    unknown: Collection[str] = ("UNKNOWN",),
) -> Allocator:
    """The named model's allocator over ``table``'s paths."""
    builders: dict[str, Callable[[], Allocator]] = {
        "first_touch": lambda: heuristics.prepare_first_touch(table),
        "last_touch": lambda: heuristics.prepare_last_touch(table),
        "last_non_unknown": lambda: heuristics.prepare_last_non_unknown(table, unknown),
        "linear": lambda: heuristics.prepare_linear(table),
        "time_decay": lambda: heuristics.prepare_time_decay(table, half_life_hours),
        "position_based": lambda: heuristics.prepare_position_based(table),
        "markov": lambda: prepare_markov(table, order),
        "shapley": lambda: prepare_shapley(table),
    }
    if model not in builders:
        raise ValueError(f"unknown model {model!r}; one of {', '.join(MODELS)}")
    return builders[model]()


def bootstrap_counts(
    table: PathTable, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_boot`` resampled ``(conversions, value, nulls)`` arrays of shape ``(n_boot, n_paths)``."""
    conv, nul = table.conversions, table.nulls
    n = int(round(float(conv.sum() + nul.sum())))
    p = np.concatenate([conv, nul])
    rng = np.random.default_rng(seed)
    if n == 0 or p.sum() <= 0:
        z = np.zeros((n_boot, table.n_paths))
        return z, z.copy(), z.copy()
    draws = rng.multinomial(n, p / p.sum(), size=n_boot).astype(np.float64)
    c, nn = draws[:, : table.n_paths], draws[:, table.n_paths :]
    mean_value = np.divide(table.value, conv, out=np.zeros_like(conv), where=conv > 0)
    return c, c * mean_value, nn


def attribute(
    table: PathTable,
    model: str,
    *,
    order: int = 1,
    half_life_hours: float = heuristics.DEFAULT_HALF_LIFE_HOURS,
    unknown: Collection[str] = ("UNKNOWN",),
    n_boot: int = 0,
    seed: int | None = None,
    level: float = DEFAULT_LEVEL,
) -> AttributionResult:
    """Credit by channel under ``model`` (one of :data:`MODELS`); with ``n_boot > 0`` (and a ``seed``),
    percentile intervals at ``level`` from a journey bootstrap (module docstring).

    Degenerate input gives zeros, never NaN: no conversions -> every channel 0.
    """
    if n_boot < 0:
        raise ValueError("n_boot must be >= 0")
    if n_boot and seed is None:
        raise ValueError("a bootstrap needs a seed (every random draw takes a seed)")
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    alloc = prepare(table, model, order=order, half_life_hours=half_life_hours, unknown=unknown)
    conv, val = alloc.allocate(table.conversions, table.value, table.nulls)
    re = rev = None
    if isinstance(alloc, MarkovAllocator):
        r, rv = alloc.removal_effects(table.conversions, table.value, table.nulls)
        re, rev = tuple(map(float, r)), tuple(map(float, rv))
    lows = highs = vlows = vhighs = None
    if n_boot:
        bc, bv, bn = bootstrap_counts(table, n_boot, seed)  # type: ignore[arg-type]
        reps_c = np.empty((n_boot, table.n_channels))
        reps_v = np.empty((n_boot, table.n_channels))
        for b in range(n_boot):
            reps_c[b], reps_v[b] = alloc.allocate(bc[b], bv[b], bn[b])
        q = [(1 - level) / 2, (1 + level) / 2]
        lows, highs = np.quantile(reps_c, q, axis=0)
        vlows, vhighs = np.quantile(reps_v, q, axis=0)
    credits = tuple(
        ChannelCredit(
            channel=name, conversions=float(conv[i]), value=float(val[i]),
            conversions_low=None if lows is None else float(lows[i]),
            conversions_high=None if highs is None else float(highs[i]),
            value_low=None if vlows is None else float(vlows[i]),
            value_high=None if vhighs is None else float(vhighs[i]),
        )
        for i, name in enumerate(table.channels)
    )
    params: dict[str, Any] = {}
    if model == "markov":
        params["order"] = order
    if model == "time_decay":
        params["half_life_hours"] = half_life_hours
    if model == "last_non_unknown":
        params["unknown"] = tuple(sorted(unknown))
    return AttributionResult(
        model=model, credits=credits, total_conversions=table.total_conversions, total_value=table.total_value,
        params=tuple(params.items()), removal_effects=re, removal_effects_value=rev,
        interval_level=level if n_boot else None, n_boot=n_boot or None, seed=seed if n_boot else None,
    )


def _named(model: str) -> Callable[..., AttributionResult]:
    def run(table: PathTable, **kwargs: Any) -> AttributionResult:
        return attribute(table, model, **kwargs)

    run.__name__ = model
    run.__doc__ = f"``attribute(table, {model!r}, **kwargs)``; see :func:`attribute` and the model's module."
    return run


first_touch = _named("first_touch")
last_touch = _named("last_touch")
last_non_unknown = _named("last_non_unknown")
linear = _named("linear")
time_decay = _named("time_decay")
position_based = _named("position_based")
markov = _named("markov")
shapley = _named("shapley")

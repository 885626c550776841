"""Person-level draws: who among the reached people left a tracked touch, clicked, and converted.

Only people with at least one tracked event are materialised (the rest only count in the platforms'
aggregate reach), so the default world needs ~10^5 rows rather than the ~10^7 people reached.
"""

from __future__ import annotations

import numpy as np


def flags_given_any(rng: np.random.Generator, k: int, probs: np.ndarray) -> np.ndarray:
    """Draw ``k`` rows of independent Bernoulli(probs) flags conditioned on at least one being true.

    Exact: the index J of the first true flag has P(J=j) = p_j * prod_{i<j}(1-p_i) / P(any); flags before
    J are false, J is true, flags after J are independent Bernoulli(p_i).
    """
    probs = np.asarray(probs, dtype=float)
    m = probs.size
    out = np.zeros((k, m), dtype=bool)
    if k == 0 or m == 0:
        return out
    survive = np.concatenate([[1.0], np.cumprod(1.0 - probs)[:-1]])
    first = probs * survive
    total = first.sum()
    if total <= 0:
        return out
    j = rng.choice(m, size=k, p=first / total)
    rest = rng.random((k, m)) < probs
    cols = np.arange(m)
    out = np.where(cols[None, :] > j[:, None], rest, False)
    out[np.arange(k), j] = True
    return out


def p_any(probs: np.ndarray) -> float:
    return float(1.0 - np.prod(1.0 - np.asarray(probs, dtype=float)))


def times_from_hourly_weights(
    rng: np.random.Generator, n: int, start_hour: float, weights: np.ndarray
) -> np.ndarray:
    """``n`` times (hours since the epoch used by the caller) drawn from an hourly histogram."""
    if n == 0 or weights.size == 0 or weights.sum() <= 0:
        return np.empty(0)
    buckets = rng.choice(weights.size, size=n, p=weights / weights.sum())
    return start_hour + buckets + rng.random(n)


def decay_weights(hours: int, half_life: float, offset: float = 0.0) -> np.ndarray:
    """Share of a post's organic exposures falling in each hour ``[offset+i, offset+i+1)`` after publishing,
    for reach accruing as 1 - 2^(-t / half_life)."""
    edges = offset + np.arange(hours + 1, dtype=float)
    cdf = 1.0 - np.exp2(-edges / half_life)
    return np.diff(cdf)

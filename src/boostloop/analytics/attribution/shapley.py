"""Shapley-value attribution over channel coalitions.

Characteristic function (Zhao, Mahboobi & Bagheri, "Shapley Value Methods for Attribution Modeling in
Online Advertising", arXiv:1804.05327, 2018): ``v(S)`` = conversions of the journeys whose set of touched
channels is a subset of ``S``. It is monotone (``S <= T`` implies ``v(S) <= v(T)``) because counts are
non-negative, so no channel ever gets negative credit.

Exact computation through the Moebius transform (Harsanyi dividends): ``v(S) = sum_{T <= S} w(T)`` where
``w(T)`` = conversions of the journeys whose channel set is exactly ``T`` (so ``w >= 0``), and the Shapley
value is ``phi_c = sum_{T containing c} w(T) / |T|`` (Harsanyi 1963; Shapley 1953). That needs one pass
over the distinct paths, whatever the number of channels. :func:`shapley_by_coalitions` computes the
textbook formula ``phi_c = sum_{S not containing c} |S|! (n-|S|-1)! / n! * (v(S u {c}) - v(S))`` over all
``2^n`` coalitions (``v`` from ``w`` by a subset-sum / zeta transform, ``n`` passes over ``2^n`` numbers)
as an independent check, up to :data:`MAX_COALITION_CHANNELS` channels.
"""

from __future__ import annotations

import math

import numpy as np

from boostloop.analytics.attribution.allocation import TouchShareAllocator
from boostloop.analytics.attribution.paths import PathTable

# 2^20 coalitions x 8 bytes = 8 MiB per array: fast and small; the Moebius form has no limit at all.
MAX_COALITION_CHANNELS = 20


def prepare_shapley(table: PathTable) -> TouchShareAllocator:
    """Shapley value with ``v(S)`` = conversions of journeys within ``S``: each path's conversions and
    value split equally over its *distinct* channels (the Harsanyi-dividend form; module docstring)."""
    key = table.touch_path.astype(np.int64) * max(table.n_channels, 1) + table.touches
    uniq = np.unique(key)
    path = uniq // max(table.n_channels, 1)
    channel = (uniq % max(table.n_channels, 1)).astype(np.int32)
    distinct = np.bincount(path, minlength=table.n_paths)
    return TouchShareAllocator(n_channels=table.n_channels, channel=channel, path=path, share=1.0 / distinct[path])


def coalition_values(table: PathTable, weights: np.ndarray) -> np.ndarray:
    """``v[mask]`` for every coalition (bit ``c`` of ``mask`` = channel ``c``), by the zeta transform of
    the exact-set sums ``w``. ``weights`` are per path (conversions or value)."""
    n = table.n_channels
    if n > MAX_COALITION_CHANNELS:
        raise ValueError(f"at most {MAX_COALITION_CHANNELS} channels for the coalition form, got {n}")
    bits = np.left_shift(np.int64(1), table.touches.astype(np.int64))
    masks = np.bitwise_or.reduceat(bits, table.offsets[:-1]) if table.n_paths else np.zeros(0, dtype=np.int64)
    v = np.bincount(masks, weights=weights, minlength=1 << n).astype(np.float64)
    for i in range(n):
        view = v.reshape(-1, 2, 1 << i)
        view[:, 1, :] += view[:, 0, :]
    return v


def shapley_by_coalitions(table: PathTable, weights: np.ndarray) -> np.ndarray:
    """Textbook Shapley values over all ``2^n`` coalitions (see module docstring)."""
    n = table.n_channels
    if n == 0:
        return np.zeros(0)
    v = coalition_values(table, weights)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size.reshape(-1, 2, 1 << i)[:, 1, :] += 1
    coef = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for c in range(n):
        vv = v.reshape(-1, 2, 1 << c)
        ss = size.reshape(-1, 2, 1 << c)[:, 0, :]
        phi[c] = float(np.sum(coef[ss] * (vv[:, 1, :] - vv[:, 0, :])))
    return phi

"""Holm's step-down correction for several treatment-versus-control comparisons.

Holm (1979), "A simple sequentially rejective multiple test procedure": sort the m p-values
p_(1) <= ... <= p_(m); the adjusted p-value is p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
Rejecting where p~ < alpha controls the family-wise error rate at alpha for any dependence between
the tests, and is uniformly more powerful than Bonferroni. Works on always-valid (mSPRT) p-values
too, since they are valid p-values at any stopping time. Equals statsmodels
``multipletests(method="holm")`` (checked in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm-adjusted p-values, in the input order. An empty input gives an empty tuple."""
    m = len(p_values)
    for i, p in enumerate(p_values):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p_values[{i}]: must be in [0, 1], got {p}")
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return tuple(adjusted)

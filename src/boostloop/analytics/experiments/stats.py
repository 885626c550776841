"""Sufficient statistics of one variant: everything the tests need, nothing per person.

Two kinds, as in GrowthBook's stats engine (gbstats ``ProportionStatistic`` / ``SampleMeanStatistic``):

- :class:`ProportionStats`: ``n`` units (people reached) and ``conversions`` (0/1 outcome per unit).
  mean p = conversions / n; per-unit variance p (1 - p) (the Bernoulli variance, no n/(n-1) factor,
  the same convention as gbstats so that the relative-lift results agree with it).
- :class:`MeanStats`: ``n`` units, ``total`` = sum of the per-unit metric x_i and ``total_sq`` = sum of
  x_i^2 (e.g. revenue per person in cents, ROAS). mean = total / n; sample variance
  s^2 = (total_sq - total^2 / n) / (n - 1), clipped at 0 against rounding; 0 when n < 2.

Both are frozen and validate their own fields (a negative count or conversions > n is a caller bug,
raised as ``ValueError`` naming the field). Degenerate but legal data (n = 0, zero variance) is allowed:
the tests give a defined result for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ProportionStats:
    """``n`` units of which ``conversions`` converted."""

    n: int
    conversions: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n: must be >= 0, got {self.n}")
        if self.conversions < 0:
            raise ValueError(f"conversions: must be >= 0, got {self.conversions}")
        if self.conversions > self.n:
            raise ValueError(f"conversions: {self.conversions} is more than n = {self.n}")

    @property
    def mean(self) -> float:
        """Conversion rate (fraction); 0 when n = 0."""
        return self.conversions / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """Per-unit Bernoulli variance p (1 - p)."""
        p = self.mean
        return p * (1.0 - p)

    @property
    def total(self) -> float:
        return float(self.conversions)

    @property
    def total_sq(self) -> float:
        return float(self.conversions)  # x_i in {0, 1}: x_i^2 = x_i


@dataclass(frozen=True)
class MeanStats:
    """``n`` units, the sum ``total`` and the sum of squares ``total_sq`` of a continuous metric."""

    n: int
    total: float
    total_sq: float

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n: must be >= 0, got {self.n}")
        for name in ("total", "total_sq"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{name}: must be finite, got {value}")
        if self.total_sq < 0:
            raise ValueError(f"total_sq: a sum of squares cannot be negative, got {self.total_sq}")

    @classmethod
    def from_values(cls, values) -> MeanStats:
        xs = [float(v) for v in values]
        return cls(n=len(xs), total=math.fsum(xs), total_sq=math.fsum(x * x for x in xs))

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """Sample variance s^2 (ddof = 1); 0 when n < 2."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))


VariantStats = ProportionStats | MeanStats

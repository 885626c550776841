"""Sufficient statistics of one variant: everything the tests need, nothing per person.

Two kinds, as in GrowthBook's stats engine (gbstats ``ProportionStatistic`` / ``SampleMeanStatistic``):

- :class:`ProportionStats`: ``n`` units (people reached) and ``conversions`` (0/1 outcome per unit).
  mean p = conversions / n; per-unit variance p (1 - p) (the Bernoulli variance, no n/(n-1) factor,
  the same convention as gbstats so that the relative-lift results agree with it).
- :class:`MeanStats`: ``n`` units, ``total`` = sum of the per-unit metric x_i and ``total_sq`` = sum of
  x_i^2 (e.g. revenue per person in cents, ROAS). mean = total / n; sample variance
  s^2 = (total_sq - total^2 / n) / (n - 1), clipped at 0 against rounding; 0 when n < 2.

- :class:`RatioStats`: a **ratio metric over boosts**, for when the boost (the randomisation unit) should
  also be the analysis unit: per boost i a numerator m_i (conversions) and a denominator d_i (people
  reached); the sufficient statistics are n boosts, sum m, sum m^2, sum d, sum d^2 and sum m d.
  mean = sum m / sum d (the pooled conversion rate); per-boost delta-method variance (gbstats
  ``RatioStatistic``; Deng, Knoblich & Lu, "Applying the delta method in metric analytics", KDD 2018):
    v = s_m^2 / d_bar^2 - 2 cov(m, d) m_bar / d_bar^3 + m_bar^2 s_d^2 / d_bar^4,
  sample (co)variances with n - 1, and the estimate's variance v / n. This is cluster-robust: people
  reached by the same boost are correlated (the same creative, hour, audience), which the per-person
  tests ignore; with few boosts it is the honest (wider) interval.

All are frozen and validate their own fields (a negative count or conversions > n is a caller bug,
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


@dataclass(frozen=True)
class RatioStats:
    """Per-boost numerator m (e.g. conversions) and denominator d (e.g. people reached), summed."""

    n: int  # boosts
    m_sum: float
    m_sum_sq: float
    d_sum: float
    d_sum_sq: float
    md_sum: float

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n: must be >= 0, got {self.n}")
        for name in ("m_sum", "m_sum_sq", "d_sum", "d_sum_sq", "md_sum"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{name}: must be finite, got {value}")
        for name in ("m_sum_sq", "d_sum_sq"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: a sum of squares cannot be negative")

    @classmethod
    def from_pairs(cls, numerators, denominators) -> RatioStats:
        m = [float(x) for x in numerators]
        d = [float(x) for x in denominators]
        if len(m) != len(d):
            raise ValueError(f"denominators: {len(d)} values for {len(m)} numerators")
        return cls(
            n=len(m),
            m_sum=math.fsum(m),
            m_sum_sq=math.fsum(x * x for x in m),
            d_sum=math.fsum(d),
            d_sum_sq=math.fsum(x * x for x in d),
            md_sum=math.fsum(x * y for x, y in zip(m, d, strict=True)),
        )

    @property
    def mean(self) -> float:
        """sum m / sum d; 0 when there is no denominator yet."""
        return self.m_sum / self.d_sum if self.d_sum else 0.0

    @property
    def people(self) -> float:
        return self.d_sum

    @property
    def variance(self) -> float:
        """Per-boost delta-method variance of the ratio (module docstring); 0 when n < 2 or d_bar = 0."""
        if self.n < 2 or self.d_sum == 0:
            return 0.0
        n = self.n
        d_bar, m_bar = self.d_sum / n, self.m_sum / n
        var_m = max(0.0, (self.m_sum_sq - self.m_sum * self.m_sum / n) / (n - 1))
        var_d = max(0.0, (self.d_sum_sq - self.d_sum * self.d_sum / n) / (n - 1))
        cov = (self.md_sum - self.m_sum * self.d_sum / n) / (n - 1)
        # The same quantity as the docstring, written without high powers of d_bar (no overflow).
        try:
            ratio = m_bar / d_bar
            v = (var_m - 2.0 * ratio * cov + ratio * ratio * var_d) / d_bar / d_bar
        except ZeroDivisionError:  # a denominator so small it underflows: no usable variance
            return 0.0
        return v if math.isfinite(v) and v > 0.0 else 0.0


VariantStats = ProportionStats | MeanStats | RatioStats

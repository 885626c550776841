"""Sample-ratio mismatch: do the observed counts per variant match the planned allocation?

Pearson's chi-square goodness-of-fit test: expected e_i = N w_i / sum(w), X^2 = sum (o_i - e_i)^2 / e_i,
p = P(chi2_{k-1} >= X^2) (scipy ``chisquare``; GrowthBook ``check_srm``).

**Threshold p < 0.001** (GrowthBook's default SRM threshold; Fabijan et al., "Diagnosing sample ratio
mismatch in online controlled experiments", KDD 2019, use 0.0005). The check runs on every look at every
experiment, so at 0.05 one healthy experiment in twenty would be flagged; a real SRM (a broken
assignment, a variant whose boosts failed to launch) gives p-values far below 0.001 once there are
more than a handful of units, so the strict threshold costs little power. An SRM invalidates the
comparison: the decision rule declares no winner while it stands.

Count the **randomisation unit** (boosts assigned to each variant), not the people reached: a budget
variant reaches more people by design, which is not a mismatch.

Degenerate input: no units at all gives p = 1 (nothing to check). Allocations must be positive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as st

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi_square: float
    dof: int
    p_value: float
    threshold: float
    mismatch: bool  # p_value < threshold
    note: str | None = None


def sample_ratio_mismatch(
    observed: Sequence[int], allocation: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SrmResult:
    if len(observed) != len(allocation):
        raise ValueError(f"allocation: {len(allocation)} weights for {len(observed)} variants")
    if len(observed) < 2:
        raise ValueError("observed: needs at least two variants")
    for i, w in enumerate(allocation):
        if not w > 0:
            raise ValueError(f"allocation[{i}]: must be > 0, got {w}")
    for i, o in enumerate(observed):
        if o < 0:
            raise ValueError(f"observed[{i}]: must be >= 0, got {o}")
    total = sum(observed)
    weight = float(sum(allocation))
    expected = tuple(total * w / weight for w in allocation)
    dof = len(observed) - 1
    if total == 0:
        return SrmResult(tuple(observed), expected, 0.0, dof, 1.0, threshold, False, "no units yet")
    x2 = sum((o - e) * (o - e) / e for o, e in zip(observed, expected, strict=True))
    p = float(st.chi2.sf(x2, dof))
    note = None
    if min(expected) < 5:
        note = "some expected counts are below 5: the chi-square approximation is rough"
    return SrmResult(
        tuple(int(o) for o in observed), expected, float(x2), dof, p, threshold, p < threshold, note
    )

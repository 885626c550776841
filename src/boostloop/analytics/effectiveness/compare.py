"""Comparison across boosts: rankings by cost per incremental result and by incremental ROI, each
against the boost's platform benchmark.

Rankings use *incremental* results (conversions beyond the organic-only counterfactual), not the
platform-attributed ones: a boost that bought conversions which would have happened anyway must not
rank as cheap. Against the benchmark a boost is

- ``better`` when its whole interval is on the good side of the benchmark (cost per incremental result:
  upper bound < benchmark CPA; incremental ROAS: lower bound > benchmark ROAS),
- ``worse`` when its whole interval is on the bad side,
- ``inconclusive`` when the interval straddles the benchmark (no claim without the evidence for it),
- ``undefined`` when the metric is (no incremental conversions; zero spend, where a cost per result of 0
  says nothing about the boost's efficiency).

Order: cost per incremental result ascending, incremental ROI descending; undefined values last; ties
broken by boost id so the order is deterministic. Cost per incremental result undefined because there
were no incremental conversions at a positive spend ranks after every defined cost (it is the worst
case: money spent, nothing gained).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from boostloop.analytics.effectiveness.analysis import BoostEffectiveness
from boostloop.analytics.effectiveness.confidence import ConfidenceLevel
from boostloop.analytics.effectiveness.lift import Interval
from boostloop.enums import Platform


@dataclass(frozen=True)
class RankedBoost:
    rank: int
    boost_id: str
    platform: Platform
    value: Interval  # cents per incremental result, or incremental ROI (fraction)
    benchmark: float  # the benchmark on the same scale (CPA cents, or ROAS - 1 as an ROI)
    vs_benchmark: str  # better | worse | inconclusive | undefined
    confidence: ConfidenceLevel


@dataclass(frozen=True)
class Comparable:
    """What the rankings read of one boost's analysis (from a ``BoostEffectiveness``, ``comparable``, or
    from a stored result)."""

    boost_id: str
    platform: Platform
    spend_cents: int
    cost_per_result: Interval  # cents per incremental result
    incremental_roi: Interval
    cpa_cents: float  # the platform benchmark's CPA
    roas: float  # the platform benchmark's ROAS
    confidence: ConfidenceLevel


def comparable(a: BoostEffectiveness) -> Comparable:
    e = a.economics
    return Comparable(boost_id=a.boost_id, platform=a.platform, spend_cents=e.spend_cents,
                      cost_per_result=e.cost_per_incremental_result_cents, incremental_roi=e.incremental_roi,
                      cpa_cents=a.benchmark.cpa_cents, roas=a.benchmark.roas, confidence=a.confidence.level)


@dataclass(frozen=True)
class BoostComparison:
    by_cost_per_result: tuple[RankedBoost, ...]
    by_incremental_roi: tuple[RankedBoost, ...]


def _verdict(value: Interval, benchmark: float, *, lower_is_better: bool) -> str:
    if value.estimate is None:
        return "undefined"
    lo = value.lower if value.lower is not None else float("-inf")
    hi = value.upper if value.upper is not None else float("inf")
    good_all = hi < benchmark if lower_is_better else lo > benchmark
    bad_all = lo > benchmark if lower_is_better else hi < benchmark
    return "better" if good_all else "worse" if bad_all else "inconclusive"


def compare_boosts(analyses: Sequence[BoostEffectiveness | Comparable]) -> BoostComparison:
    items = [a if isinstance(a, Comparable) else comparable(a) for a in analyses]
    cpr_rows, roi_rows = [], []
    for a in items:
        cpr = a.cost_per_result
        verdict = ("undefined" if a.spend_cents == 0
                   else _verdict(cpr, a.cpa_cents, lower_is_better=True))
        cpr_rows.append((a, cpr, a.cpa_cents, verdict))
        roi = a.incremental_roi
        bench_roi = a.roas - 1.0  # ROAS b means ROI b - 1
        roi_rows.append((a, roi, bench_roi, _verdict(roi, bench_roi, lower_is_better=False)))

    def cpr_key(row):
        a, v, _, _ = row
        if a.spend_cents == 0:
            return (2, 0.0, a.boost_id)  # no spend: nothing to rank on
        return (0, v.estimate, a.boost_id) if v.estimate is not None else (1, 0.0, a.boost_id)

    def roi_key(row):
        a, v, _, _ = row
        return (0, -v.estimate, a.boost_id) if v.estimate is not None else (1, 0.0, a.boost_id)

    def ranked(rows, key) -> tuple[RankedBoost, ...]:
        out = []
        for i, (a, v, b, verdict) in enumerate(sorted(rows, key=key), start=1):
            out.append(RankedBoost(i, a.boost_id, a.platform, v, b, verdict, a.confidence))
        return tuple(out)

    return BoostComparison(by_cost_per_result=ranked(cpr_rows, cpr_key), by_incremental_roi=ranked(roi_rows, roi_key))


def summary_by_platform(comparison: BoostComparison) -> Mapping[Platform, dict[str, int]]:
    """Counts of verdicts per platform for the ROI ranking (a one-line answer per platform)."""
    out: dict[Platform, dict[str, int]] = {}
    for r in comparison.by_incremental_roi:
        d = out.setdefault(r.platform, {"better": 0, "worse": 0, "inconclusive": 0, "undefined": 0})
        d[r.vs_benchmark] += 1
    return out

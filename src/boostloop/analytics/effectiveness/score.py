"""Effectiveness score 0-100 of one boost, with a breakdown that explains it.

Four components (PLAN.md step 4.1: "weighted combination of reach lift, engagement lift, conversion
lift, ROI"), each a ratio ``x`` to a reference point, turned into points by

    points(x) = 100 * (1 - 2^(-x))   for x > 0,   0 for x <= 0

so the reference point (x = 1) scores 50, twice it 75, three times 87.5, and nothing (or a loss) 0:
each further multiple of the reference halves the distance to 100 (no cap to hit, no negative points).

| component   | weight | x                                                         | reference (x = 1)          |
|-------------|--------|-----------------------------------------------------------|----------------------------|
| reach       | 0.20   | incremental reach / counterfactual organic reach           | the boost doubled reach    |
| engagement  | 0.20   | incremental engagements / counterfactual engagements       | the boost doubled them     |
| conversion  | 0.30   | benchmark CPA / cost per incremental conversion            | platform CPA benchmark     |
| roi         | 0.30   | incremental ROI / (benchmark ROAS - 1)                      | ROI at the ROAS benchmark  |

Why: conversions and money answer "did it pay off" and get 60 %; reach and engagement are the
awareness half. Reach and engagement have no platform benchmark in the issue, so their reference is the
post's own organic result (a boost that adds as much as the post earned organically scores 50).
Conversion uses *incremental* conversions (not the platform-attributed ones), so a boost that only
bought conversions that would have happened anyway scores low.

ROI is measured on the *incremental* value, and a boost that lost money (incremental ROI <= 0) gets
no ROI points; the benchmark ROAS b corresponds to an ROI of b - 1 (2.5 -> +150 %). A workspace benchmark
ROAS <= 1 has no positive ROI to compare with; then x = incremental ROAS / benchmark ROAS instead.

A component that is undefined (no reach data, zero spend: no cost per result and no ROAS) is left out and
the remaining weights are rescaled to sum to 1 (said in the breakdown). The score's range comes from
mapping each component's interval through ``points`` (monotone) and summing the weighted bounds; it
ignores correlation between components and is therefore conservative (at least as wide as the truth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boostloop.analytics.effectiveness.benchmarks import PlatformBenchmark
from boostloop.analytics.effectiveness.lift import ConversionEconomics, Lift

WEIGHTS = {"reach": 0.20, "engagement": 0.20, "conversion": 0.30, "roi": 0.30}


def points(x: float | None) -> float | None:
    """100 (1 - 2^-x) for x > 0, else 0; None (undefined) stays None; +inf gives 100."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if x <= 0:
        return 0.0
    if math.isinf(x):
        return 100.0
    return 100.0 * -math.expm1(-x * math.log(2.0))


@dataclass(frozen=True)
class ScoreComponent:
    name: str
    weight: float  # nominal weight
    effective_weight: float  # after leaving out undefined components
    value: float | None  # the metric (lift fraction, cents per incremental conversion, ROAS)
    reference: float | None  # the x = 1 point (1.0 for lifts, the benchmark otherwise)
    ratio: float | None  # x
    points: float | None
    points_lower: float | None
    points_upper: float | None
    explanation: str


@dataclass(frozen=True)
class EffectivenessScore:
    score: float
    lower: float
    upper: float
    components: tuple[ScoreComponent, ...]
    benchmark_source: str
    notes: tuple[str, ...]


def _lift_component(name: str, lift: Lift | None, label: str) -> tuple:
    if lift is None or lift.fraction.estimate is None:
        return None, 1.0, None, None, None, f"{label}: no counterfactual to compare with, left out"
    f = lift.fraction
    expl = (f"{label} lift {f.estimate:+.1%} over the organic-only counterfactual "
            f"({lift.absolute.estimate:+,.0f}); reference +100% (the boost doubled it) = 50 points")
    return f.estimate, 1.0, f.estimate, f.lower, f.upper, expl


def effectiveness_score(
    *,
    reach: Lift | None,
    engagement: Lift | None,
    economics: ConversionEconomics | None,
    benchmark: PlatformBenchmark,
) -> EffectivenessScore:
    rows = {}
    rows["reach"] = _lift_component("reach", reach, "Reach")
    rows["engagement"] = _lift_component("engagement", engagement, "Engagement")

    if economics is None or economics.spend_cents == 0:
        rows["conversion"] = (None, benchmark.cpa_cents, None, None, None,
                              "Conversion: no spend, so no cost per incremental conversion; left out")
        rows["roi"] = (None, benchmark.roas, None, None, None, "ROI: no spend, so no ROAS; left out")
    else:
        spend = economics.spend_cents
        inc = economics.incremental_conversions
        # x = benchmark CPA / (spend / inc) = inc * benchmark CPA / spend: linear in inc, so the bounds map.
        k = benchmark.cpa_cents / spend
        cpir = economics.cost_per_incremental_result_cents.estimate
        cpir_text = f"${cpir / 100:,.2f}" if cpir is not None else "undefined (no incremental conversions)"
        rows["conversion"] = (
            cpir, benchmark.cpa_cents, inc.estimate * k, inc.lower * k, inc.upper * k,
            f"Conversion: {inc.estimate:,.1f} incremental conversions, cost per incremental conversion "
            f"{cpir_text} against the ${benchmark.cpa_cents / 100:,.2f} CPA benchmark = 50 points",
        )
        r, roi = economics.incremental_roas, economics.incremental_roi
        if benchmark.roas > 1.0:
            ref = benchmark.roas - 1.0
            ratios = [None if v is None else v / ref for v in (roi.estimate, roi.lower, roi.upper)]
            ref_text = f"the {ref:+.0%} ROI of the {benchmark.roas:g} ROAS benchmark = 50 points"
        else:
            ref = benchmark.roas
            ratios = [None if v is None else v / ref for v in (r.estimate, r.lower, r.upper)]
            ref_text = f"the {benchmark.roas:g} ROAS benchmark (<= 1, compared as ROAS) = 50 points"
        rows["roi"] = (
            roi.estimate, ref, *ratios,
            f"ROI: incremental ROI {roi.estimate:+.1%} (incremental ROAS {r.estimate:.2f}) against {ref_text}",
        )

    defined = {n: r for n, r in rows.items() if r[2] is not None}
    total_w = sum(WEIGHTS[n] for n in defined)
    notes: list[str] = []
    left_out = [n for n in rows if n not in defined]
    if left_out:
        notes.append(f"left out (undefined): {', '.join(left_out)}; other weights rescaled to sum to 1")
    if benchmark.assumed:
        notes.append(f"benchmark assumed: {benchmark.source}")

    comps, score, lo, hi = [], 0.0, 0.0, 0.0
    for name, (value, ref, x, x_lo, x_hi, expl) in rows.items():
        ew = WEIGHTS[name] / total_w if name in defined and total_w > 0 else 0.0
        p, p_lo, p_hi = points(x), points(x_lo), points(x_hi)
        if p is not None:
            p_lo = p if p_lo is None else p_lo
            p_hi = p if p_hi is None else p_hi
            score += ew * p
            lo += ew * min(p_lo, p)
            hi += ew * max(p_hi, p)
            expl = f"{expl}; x = {x:.2f} -> {p:.1f} points x weight {ew:.2f}"
        comps.append(ScoreComponent(name, WEIGHTS[name], ew, value, ref, x, p, p_lo, p_hi, expl))
    if not defined:
        notes.append("no component defined: score 0")
    return EffectivenessScore(score=round(score, 1), lower=round(lo, 1), upper=round(hi, 1),
                              components=tuple(comps), benchmark_source=benchmark.source, notes=tuple(notes))


"""Run every detector, correct for multiple testing once across all of them, and turn survivors into insights.

Multiple testing: all p-values of a run (every group-vs-rest comparison, every budget curve, every
anomaly / warning / opportunity test) form one Benjamini-Hochberg family at FDR ``alpha`` (0.05);
a finding becomes an insight only when its BH-adjusted p-value is <= alpha. Controlling the false
discovery rate rather than the family-wise error suits a dashboard: a few false leads among many real
ones are tolerable, missing every real one because of a Bonferroni bar over 60+ tests is not
(Benjamini & Hochberg 1995). BH assumes independent or positively dependent tests (PRDS); one-vs-rest
comparisons within a factor are negatively correlated, a known mild departure (measured false discovery
counts on effect-free worlds are in benchmarks/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from boostloop.analytics.insights.alerts import detect_opportunities, detect_warnings
from boostloop.analytics.insights.anomalies import detect_anomalies
from boostloop.analytics.insights.budget import detect_budget
from boostloop.analytics.insights.groups import WEEKDAYS, detect_groups
from boostloop.analytics.insights.inputs import InsightInput
from boostloop.analytics.insights.model import (
    SEVERITY_RANK,
    DetectorResult,
    Finding,
    Insight,
    InsightReport,
    fingerprint,
)
from boostloop.analytics.insights.stats import benjamini_hochberg
from boostloop.enums import InsightType

ALPHA = 0.05
MAX_BEST_PRACTICES = 6


def run_detectors(data: InsightInput, *, seed: int = 0) -> tuple[DetectorResult, ...]:
    conv = sum(b.conversions for b in data.boosts)
    value = sum(b.value_cents for b in data.boosts)
    vpc = value / conv if conv > 0 else 0.0
    return (
        detect_groups("timing", data.boosts, value_per_conversion_cents=vpc),
        detect_groups("targeting", data.boosts, value_per_conversion_cents=vpc),
        detect_groups("content_type", data.boosts, value_per_conversion_cents=vpc),
        detect_groups("platform", data.boosts, value_per_conversion_cents=vpc),
        detect_budget(data.boosts, target_marginal_roas=data.target_marginal_roas, seed=seed),
        detect_anomalies(data.boosts, data.snapshots),
        detect_warnings(data.boosts, value_per_conversion_cents=vpc),
        detect_opportunities(data.organic_posts, data.boosts),
    )


def generate_insights(
    data: InsightInput, *, alpha: float = ALPHA, seed: int = 0, families: str = "all"
) -> InsightReport:
    """All detectors, BH, the surviving insights (top first) and the best practices.

    ``families="all"`` (default, as the issue asks): one BH family over every detector's tests.
    ``families="by_type"``: one BH family per insight type (patterns, anomalies, warnings, opportunities),
    Efron's separate-class analysis (Efron 2008, "Simultaneous inference: when should hypothesis testing
    problems be combined?"). Why offer it: BH's threshold grows with the number of rejections, so many
    genuine warnings or opportunities in one family loosen the bar for patterns; measured on effect-free
    boosting data with 30 strong organic posts among 300, "all" let 28 false patterns through over 20 seeds
    (14 seeds with at least one) where "by_type" let 6 (2 seeds) (benchmarks/insights/families.py).
    """

    if families not in ("all", "by_type"):
        raise ValueError("families: 'all' or 'by_type'")
    raw = run_detectors(data, seed=seed)
    flat = [(i, f) for i, d in enumerate(raw) for f in d.findings]
    q = np.ones(len(flat))
    groups = {"all": list(range(len(flat)))} if families == "all" else {}
    if families == "by_type":
        for k, (_, f) in enumerate(flat):
            groups.setdefault(f.insight_type.value, []).append(k)
    for idx in groups.values():
        q[idx] = benjamini_hochberg([flat[k][1].evidence.p_value for k in idx])
    adjusted: list[list[Finding]] = [[] for _ in raw]
    for (i, f), qi in zip(flat, q, strict=True):
        adjusted[i].append(replace(f, evidence=replace(f.evidence, p_adjusted=float(qi))))
    detectors = tuple(replace(d, findings=tuple(adjusted[i])) for i, d in enumerate(raw))
    charts = {d.name: d.chart for d in detectors}
    survivors = [f for d in detectors for f in d.findings if f.evidence.p_adjusted <= alpha]
    insights = [to_insight(f, data, charts) for f in survivors]
    practices = best_practices(survivors, data)
    ordered = sorted(insights + list(practices), key=lambda x: x.rank_key, reverse=True)
    return InsightReport(
        insights=tuple(ordered),
        best_practices=practices,
        detectors=detectors,
        n_tests=len(flat),
        n_significant=len(survivors),
        alpha=alpha,
    )


def _visualization(f: Finding, charts: dict) -> dict | None:
    c = charts.get(f.detector, {})
    if f.detector in ("timing", "targeting", "content_type", "platform"):
        return {
            "kind": "bar",
            "metric": c.get("metric"),
            "dimension": f.data["dimension"],
            "highlight": f.data["level"],
            "rows": c.get("dimensions", {}).get(f.data["dimension"], []),
        }
    if f.detector == "budget":
        return {"kind": "response_curve", **c.get("platforms", {}).get(f.data["platform"], {})}
    if f.detector == "anomalies":
        return {
            "kind": "windows",
            "metric": f.data["metric"],
            **c.get("boosts", {}).get(f.data["boost_id"], {}),
        }
    return None


def to_insight(f: Finding, data: InsightInput, charts: dict) -> Insight:
    ev = f.evidence
    comparison = None
    if "rate_group" in f.data:
        comparison = {
            "group": {
                "conversions_per_dollar": f.data["rate_group"],
                "n": ev.n.get("group"),
                "spend_cents": f.data["spend_group_cents"],
            },
            "rest": {
                "conversions_per_dollar": f.data["rate_rest"],
                "n": ev.n.get("rest"),
                "spend_cents": f.data["spend_rest_cents"],
            },
        }
    return Insight(
        insight_type=f.insight_type,
        category=f.category,
        severity=f.severity,
        title=f.title[:300],
        description=(
            f"{f.description} {ev.test}: p = {ev.p_value:.2g}, Benjamini-Hochberg adjusted "
            f"p = {ev.p_adjusted:.2g}."
        ),
        data_points={
            "detector": f.detector,
            "subject": f.subject,
            "direction": f.direction,
            "evidence": ev.as_dict(),
            "severity_rule": f.severity_rule,
            **_jsonable(f.data),
        },
        visualization=_jsonable(_visualization(f, charts)),
        comparison_metrics=comparison,
        suggested_actions=f.suggested_actions,
        impact=f.impact,
        fingerprint=f.fingerprint,
        period_start=data.period_start,
        period_end=data.period_end,
    )


def _jsonable(x):  # noqa: ANN001, ANN202 - JSON columns refuse inf / NaN and numpy scalars
    import math

    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _windows(hours: list[int]) -> list[tuple[int, int]]:
    """Consecutive hours merged into [start, end) windows (wrapping midnight is not merged)."""
    out: list[list[int]] = []
    for h in sorted(hours):
        if out and out[-1][1] == h:
            out[-1][1] = h + 1
        else:
            out.append([h, h + 1])
    return [(a, b) for a, b in out]


def best_practices(survivors: list[Finding], data: InsightInput) -> tuple[Insight, ...]:
    """A short ranked list (at most ``MAX_BEST_PRACTICES``) in plain language, one per dimension:
    the levels that significantly beat the rest (and, where no level does, the ones to avoid),
    plus each platform's budget cap; ranked by severity then impact (value at stake, cents)."""

    by_dim: dict[str, list[Finding]] = {}
    for f in survivors:
        if f.insight_type is not InsightType.PATTERN:
            continue
        key = f.data.get("dimension") or f"budget:{f.data.get('platform')}"
        key = "hour_of_day" if key in ("hour", "daypart") else key
        by_dim.setdefault(key, []).append(f)
    items: list[Insight] = []
    for key, fs in by_dim.items():
        best = sorted([f for f in fs if f.direction == "best"], key=lambda f: -f.evidence.effect)
        worst = sorted([f for f in fs if f.direction == "worst"], key=lambda f: f.evidence.effect)
        if key.startswith("budget:"):
            f = fs[0]
            d = f.data
            title = (
                f"Keep single {d['platform']} boosts under ${d['break_even_cents'] / 100:,.0f}: beyond it a "
                f"dollar returns less than ${d['target_marginal_roas']:g}"
            )
            chosen = [f]
        elif best:
            chosen = best
            if key == "hour_of_day":
                width = {"hour": 1, "daypart": 4}
                spans = _windows(
                    sorted(
                        {
                            h
                            for f in best
                            for h in range(
                                int(f.data["level"]), int(f.data["level"]) + width[f.data["dimension"]]
                            )
                        }
                    )
                )
                names = ", ".join(f"{a:02d}:00-{b % 24:02d}:00" for a, b in spans)
            elif key == "weekday":
                names = " or ".join(WEEKDAYS[int(f.data["level"])] for f in best)
            else:
                names = " or ".join(str(f.data["label"]) for f in best)
            verb = {
                "hour_of_day": "Start boosts between",
                "weekday": "Start boosts on",
                "platform": "Prefer boosting on",
                "content_type": "Prefer boosting",
            }.get(key, f"Target {key.replace('_', ' ')}")
            title = f"{verb} {names}"
        else:
            chosen = worst
            names = " and ".join(
                str(f.data["label"])
                if key == "hour_of_day"
                else WEEKDAYS[int(f.data["level"])]
                if key == "weekday"
                else str(f.data["label"])
                for f in worst
            )
            title = (
                f"Avoid starting boosts at {names}"
                if key == "hour_of_day"
                else (f"Avoid {key.replace('_', ' ')} {names} for boosts")
            )
        numbers = "; ".join(
            f"{f.data.get('label', f.data.get('platform'))}: {f.evidence.effect_name} "
            f"{f.evidence.effect:,.2f} "
            f"(95% CI {f.evidence.ci_low:,.2f}-{f.evidence.ci_high:,.2f}, n={sum(f.evidence.n.values())}, "
            f"adjusted p={f.evidence.p_adjusted:.2g})"
            for f in chosen
        )
        severity = max((f.severity for f in chosen), key=lambda s: SEVERITY_RANK[s])
        items.append(
            Insight(
                insight_type=InsightType.BEST_PRACTICE,
                category=chosen[0].category,
                severity=severity,
                title=title[:300],
                description=numbers,
                data_points={
                    "dimension": key,
                    "patterns": [
                        {
                            "subject": f.subject,
                            "direction": f.direction,
                            "evidence": _jsonable(f.evidence.as_dict()),
                        }
                        for f in chosen
                    ],
                },
                visualization=None,
                comparison_metrics=None,
                suggested_actions=tuple(a for f in chosen[:1] for a in f.suggested_actions),
                impact=float(sum(f.impact for f in chosen)),
                fingerprint=fingerprint(
                    InsightType.BEST_PRACTICE,
                    chosen[0].category,
                    f"{key}:" + ",".join(sorted(f.subject + f.direction for f in chosen)),
                ),
                period_start=data.period_start,
                period_end=data.period_end,
            )
        )
    items.sort(key=lambda x: x.rank_key, reverse=True)
    return tuple(items[:MAX_BEST_PRACTICES])

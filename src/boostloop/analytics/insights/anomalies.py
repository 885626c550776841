"""Anomalies: a boost whose cost per conversion or click-through rate jumped against its own history.

From a boost's cumulative snapshots, delivery is cut into windows of ``window_hours`` (6) counted back
from its latest snapshot; the latest window is compared with the earlier ones.

- CPA: the window's conversions per dollar ``r_w = d_conversions / d_spend_dollars`` (the inverse of CPA,
  defined even when a window has no conversion); a CPA jump up is a drop in ``r``.
- CTR: ``ctr_w = d_clicks / d_impressions``.

Two conditions, both required:
1. size, against the boost's own variability: robust z ``|x_last - median(history)| / (1.4826 MAD)`` of
   at least ``Z_THRESHOLD`` = 3.5, the modified-z outlier cut-off of Iglewicz & Hoaglin (1993), "How to
   detect and handle outliers" (median and MAD, so earlier spikes do not hide a new one);
2. not chance, for BH: an exact count test of the latest window against the history's pooled rate:
   conversions ~ Poisson(d_spend x pooled conversions per dollar), two-sided; clicks ~ Binomial(
   d_impressions, pooled CTR), two-sided (scipy ``binomtest``).

Minimum history: ``MIN_HISTORY_WINDOWS`` (8) earlier windows with delivery (a MAD over fewer is unstable),
and for CPA at least 10 conversions in the history, for CTR at least 20 clicks.
Sensitivity: for Poisson-like window counts the robust z of a drop to zero is about -sqrt(mean count),
so a CPA jump is only flagged on boosts with more than ~13 conversions per window (measured in the tests);
smaller boosts' CPA is too noisy per window to call a jump.
Known blind spot: conversions reported late (attribution lag) make the latest window look worse;
snapshots are cumulative as of collection, so a boost with lagging conversions can be flagged.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from scipy import stats

from boostloop.analytics.insights.inputs import BoostOutcome, SnapshotPoint
from boostloop.analytics.insights.model import DetectorResult, Evidence, Finding
from boostloop.analytics.insights.stats import poisson_rate_p, robust_z
from boostloop.enums import InsightCategory, InsightSeverity, InsightType

Z_THRESHOLD = 3.5
Z_HIGH = 6.0
MIN_HISTORY_WINDOWS = 8
MIN_HISTORY_CONVERSIONS = 10
MIN_HISTORY_CLICKS = 20
WINDOW_HOURS = 6.0

SEVERITY_RULE = (
    "A worsening (CPA up, CTR down): HIGH when |robust z| >= 6 (far beyond the 3.5 outlier cut-off), else "
    "MEDIUM. An improvement: LOW (good news, worth a look, nothing to stop)."
)


def windows(points: list[SnapshotPoint], window_hours: float) -> np.ndarray:
    """Per-window deltas ``[spend_cents, impressions, clicks, conversions]``, oldest first, the last row
    being the latest window. Cumulative values at a boundary are those of the last snapshot at or before
    it."""

    pts = sorted(points, key=lambda p: p.hours_since_start)
    t = np.array([p.hours_since_start for p in pts])
    cum = np.array([[p.spend_cents, p.impressions, p.clicks, p.conversions] for p in pts], float)
    t_last = t[-1]
    n_windows = int(math.floor((t_last - t[0]) / window_hours))
    if n_windows < 1:
        return np.zeros((0, 4))
    bounds = t_last - window_hours * np.arange(n_windows, -1, -1)
    idx = np.searchsorted(t, bounds + 1e-9, side="right") - 1
    at = cum[np.clip(idx, 0, None)]
    return np.diff(at, axis=0)


def detect_anomalies(
    boosts: tuple[BoostOutcome, ...],
    snapshots: tuple[SnapshotPoint, ...],
    *,
    window_hours: float = WINDOW_HOURS,
) -> DetectorResult:
    series: dict[str, list[SnapshotPoint]] = defaultdict(list)
    for s in snapshots:
        series[s.boost_id].append(s)
    known = {b.boost_id: b for b in boosts}
    findings: list[Finding] = []
    chart: dict[str, dict] = {}
    skipped: list[dict] = []
    for boost_id in sorted(series):
        w = windows(series[boost_id], window_hours)
        hist, last = w[:-1], w[-1] if len(w) else None
        live = hist[hist[:, 0] > 0] if len(hist) else hist
        if last is None or len(live) < MIN_HISTORY_WINDOWS or last[0] <= 0:
            skipped.append(
                {
                    "boost_id": boost_id,
                    "reason": f"fewer than {MIN_HISTORY_WINDOWS} earlier windows "
                    "with spend, or no spend in the latest window",
                }
            )
            continue
        chart[boost_id] = {
            "window_hours": window_hours,
            "spend_cents": w[:, 0].tolist(),
            "impressions": w[:, 1].tolist(),
            "clicks": w[:, 2].tolist(),
            "conversions": w[:, 3].tolist(),
        }
        label = (
            known[boost_id].content_type + " boost on " + known[boost_id].platform
            if boost_id in known
            else "boost"
        )
        # CPA via conversions per dollar.
        if live[:, 3].sum() >= MIN_HISTORY_CONVERSIONS:
            r_hist = live[:, 3] / (live[:, 0] / 100)
            r_last = last[3] / (last[0] / 100)
            rz = robust_z(r_last, r_hist)
            pooled = live[:, 3].sum() / live[:, 0].sum()  # conversions per cent
            expected = pooled * last[0]
            p = poisson_rate_p(last[3], expected)
            if abs(rz.z) >= Z_THRESHOLD:
                worse = r_last < rz.median
                cpa_hist = 1 / (pooled * 100) if pooled > 0 else math.inf  # dollars per conversion
                cpa_last = last[0] / 100 / last[3] if last[3] > 0 else math.inf
                findings.append(
                    _finding(
                        boost_id,
                        "CPA",
                        worse,
                        rz,
                        p,
                        len(live),
                        title=(
                            f"Cost per conversion of a {label} {'jumped' if worse else 'dropped'}: "
                            f"${cpa_last:,.2f} in the last {window_hours:g} h vs ${cpa_hist:,.2f} before"
                        ),
                        description=(
                            f"{int(last[3])} conversions on ${last[0] / 100:,.2f} in the latest window, "
                            f"where its "
                            f"history predicts {expected:.1f}; robust z {rz.z:.1f} on conversions per dollar."
                        ),
                        impact=last[0] * abs(1 - (r_last / (pooled * 100) if pooled > 0 else 1)),
                        effect=(r_last / (pooled * 100)) if pooled > 0 else 0.0,
                        ci=_poisson_ratio_ci(last[3], expected),
                        effect_name="conversions per dollar, last window / history",
                        actions=(
                            "Check the landing page and conversion tracking of this boost.",
                            "Pause the boost if the drop persists in the next window.",
                        )
                        if worse
                        else ("Look at what changed in this boost and consider raising its budget.",),
                        category=InsightCategory.BUDGET,
                    )
                )
        if live[:, 2].sum() >= MIN_HISTORY_CLICKS and last[1] > 0:
            has_imps = live[live[:, 1] > 0]
            ctr_hist = has_imps[:, 2] / has_imps[:, 1]
            ctr_last = last[2] / last[1]
            rz = robust_z(ctr_last, ctr_hist)
            pooled = has_imps[:, 2].sum() / has_imps[:, 1].sum()
            p = float(stats.binomtest(int(last[2]), int(last[1]), pooled).pvalue) if 0 < pooled < 1 else 1.0
            if abs(rz.z) >= Z_THRESHOLD:
                worse = ctr_last < rz.median
                findings.append(
                    _finding(
                        boost_id,
                        "CTR",
                        worse,
                        rz,
                        p,
                        len(has_imps),
                        title=(
                            f"Click-through rate of a {label} {'fell' if worse else 'rose'} to "
                            f"{ctr_last:.2%} "
                            f"in the last {window_hours:g} h (was {pooled:.2%})"
                        ),
                        description=(
                            f"{int(last[2])} clicks on {int(last[1]):,} impressions in the latest window; "
                            f"robust z {rz.z:.1f} against its {len(has_imps)} earlier windows."
                        ),
                        impact=last[0] * abs(1 - ctr_last / pooled),
                        effect=ctr_last / pooled,
                        ci=_binom_ratio_ci(int(last[2]), int(last[1]), pooled),
                        effect_name="CTR, last window / history",
                        actions=(
                            "Refresh the creative: a sudden CTR drop is typical of ad fatigue or a changed "
                            "placement.",
                        )
                        if worse
                        else ("Note what changed; reuse it in the next boost.",),
                        category=InsightCategory.TARGETING,
                    )
                )
    return DetectorResult(
        name="anomalies", findings=tuple(findings), chart={"boosts": chart}, skipped=tuple(skipped)
    )


def _poisson_ratio_ci(observed: float, expected: float) -> tuple[float, float]:
    from boostloop.analytics.insights.stats import poisson_ci

    if expected <= 0:
        return (0.0, math.inf)
    lo, hi = poisson_ci(observed)
    return lo / expected, hi / expected


def _binom_ratio_ci(k: int, n: int, p0: float) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low / p0, ci.high / p0


def _finding(
    boost_id,
    metric,
    worse,
    rz,
    p,
    n_hist,
    *,
    title,
    description,
    impact,
    effect,
    ci,  # noqa: ANN001
    effect_name,
    actions,
    category,
) -> Finding:
    if worse:
        severity = InsightSeverity.HIGH if abs(rz.z) >= Z_HIGH else InsightSeverity.MEDIUM
    else:
        severity = InsightSeverity.LOW
    test = (
        "exact Poisson test of the latest window's conversions (two-sided)"
        if metric == "CPA"
        else "exact binomial test of the latest window's clicks (two-sided)"
    )
    return Finding(
        detector="anomalies",
        insight_type=InsightType.ANOMALY,
        category=category,
        subject=f"boost={boost_id}:{metric}",
        direction=("up" if metric == "CPA" else "down") if worse else ("down" if metric == "CPA" else "up"),
        evidence=Evidence(
            test=test + f"; robust z {rz.z:.2f} (threshold {Z_THRESHOLD})",
            n={"history_windows": n_hist, "latest_window": 1},
            effect_name=effect_name,
            effect=float(effect),
            ci_low=float(ci[0]),
            ci_high=float(ci[1]),
            p_value=float(p),
            statistic=float(rz.z) if math.isfinite(rz.z) else float(np.sign(rz.z) * 1e9),
        ),
        title=title,
        description=description,
        severity=severity,
        severity_rule=SEVERITY_RULE,
        impact=float(impact),
        suggested_actions=tuple(actions),
        data={
            "boost_id": boost_id,
            "metric": metric,
            "robust_z": rz.z if math.isfinite(rz.z) else None,
            "history_median": rz.median,
            "history_sigma": rz.sigma,
            "latest": rz.value,
        },
    )

"""Warnings (boosts still spending at a loss) and opportunities (strong organic posts not boosted).

Warning rule: a boost that is still spending (``active`` and spend in the recent window) with observed
ROI < 0, where a one-sided exact Poisson test rejects "it breaks even":
``H0: E[conversions] = spend_cents / v``, ``v`` = the workspace's value per conversion (cents, pooled over
all boosts: a boost's own value per conversion is unknown when it has none), ``p = P(X <= conversions)``.
Enough spend to say so: break-even must need at least ``MIN_BREAK_EVEN_CONVERSIONS`` (3) conversions;
with fewer, even zero conversions has ``P(X = 0) = e^-3 ~= 0.05`` at best, i.e. no evidence.

Opportunity rule: a post not boosted whose 7-day organic engagements are in the top decile of the
workspace's posts (needs at least ``MIN_POSTS`` = 10 posts for a decile to mean anything) and whose
engagement rate beats the workspace's pooled rate by a one-sided exact binomial test (so a post is not
"strong" only because it was shown more).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from boostloop.analytics.insights.inputs import BoostOutcome, OrganicPost
from boostloop.analytics.insights.model import DetectorResult, Evidence, Finding
from boostloop.analytics.insights.stats import poisson_ci, poisson_upper
from boostloop.enums import InsightCategory, InsightSeverity, InsightType

MIN_BREAK_EVEN_CONVERSIONS = 3.0
MIN_POSTS = 10
TOP_QUANTILE = 0.9

WARNING_RULE = (
    "CRITICAL when even the 95% upper bound of its ROAS (Garwood bound on conversions x workspace value per "
    "conversion / spend) is below 0.5, i.e. it returns at most half of what it costs; HIGH otherwise."
)
OPPORTUNITY_RULE = (
    "MEDIUM when the post's engagement rate is at least 1.5x the workspace's, LOW otherwise: "
    "organic signals predict paid results only loosely."
)


def detect_warnings(boosts: tuple[BoostOutcome, ...], *, value_per_conversion_cents: float) -> DetectorResult:
    findings: list[Finding] = []
    rows: list[dict] = []
    v = value_per_conversion_cents
    for b in boosts:
        if (
            not (b.active and b.recent_spend_cents > 0)
            or b.spend_cents <= 0
            or b.value_cents >= b.spend_cents
        ):
            continue
        expected = b.spend_cents / v if v > 0 else 0.0
        rows.append(
            {
                "boost_id": b.boost_id,
                "spend_cents": b.spend_cents,
                "value_cents": b.value_cents,
                "roi": b.roi,
                "conversions": b.conversions,
                "break_even_conversions": expected,
            }
        )
        if expected < MIN_BREAK_EVEN_CONVERSIONS:
            continue
        p = float(stats.poisson.cdf(b.conversions, expected))
        upper = poisson_upper(b.conversions) * v / b.spend_cents
        roas = b.value_cents / b.spend_cents
        lo_conv, upper95 = poisson_ci(b.conversions, 0.95)
        severity = InsightSeverity.CRITICAL if upper < 0.5 else InsightSeverity.HIGH
        findings.append(
            Finding(
                detector="warnings",
                insight_type=InsightType.WARNING,
                category=InsightCategory.BUDGET,
                subject=f"boost={b.boost_id}:negative_roi",
                direction="",
                severity=severity,
                severity_rule=WARNING_RULE,
                evidence=Evidence(
                    test="one-sided exact Poisson test of conversions against break-even",
                    n={"conversions": b.conversions},
                    effect_name="ROI ((value - spend) / spend)",
                    effect=float(b.roi),
                    ci_low=float(lo_conv * v / b.spend_cents - 1),
                    ci_high=float(upper95 * v / b.spend_cents - 1),
                    p_value=p,
                ),
                title=(
                    f"A {b.content_type} boost on {b.platform} is still spending at ROI {b.roi:.0%} "
                    f"(${b.spend_cents / 100:,.0f} spent, ${b.value_cents / 100:,.0f} returned)"
                ),
                description=(
                    f"{b.conversions} conversions where breaking even needs about {expected:.1f}; "
                    f"ROAS {roas:.2f}, at most {upper:.2f} at 95% confidence. It spent "
                    f"${b.recent_spend_cents / 100:,.0f} in the latest window."
                ),
                impact=float(b.spend_cents - b.value_cents + b.recent_spend_cents),
                suggested_actions=(
                    "Pause this boost or cut its budget.",
                    "Check its targeting against the best segments in the insights.",
                ),
                data={
                    "boost_id": b.boost_id,
                    "spend_cents": b.spend_cents,
                    "value_cents": b.value_cents,
                    "conversions": b.conversions,
                    "break_even_conversions": expected,
                    "roas_upper95": upper,
                },
            )
        )
    return DetectorResult(name="warnings", findings=tuple(findings), chart={"losing_boosts": rows})


def detect_opportunities(posts: tuple[OrganicPost, ...], boosts: tuple[BoostOutcome, ...]) -> DetectorResult:
    if len(posts) < MIN_POSTS:
        return DetectorResult(
            name="opportunities",
            findings=(),
            chart={"posts": []},
            skipped=({"reason": f"{len(posts)} posts (min {MIN_POSTS})"},),
        )
    eng = np.array([p.engagements_7d for p in posts], float)
    imps = np.array([p.impressions_7d for p in posts], float)
    threshold = float(np.quantile(eng, TOP_QUANTILE))
    pooled = float(eng.sum() / imps.sum()) if imps.sum() > 0 else 0.0
    values = [b.value_cents for b in boosts if b.spend_cents > 0]
    typical_value = float(np.median(values)) if values else 0.0
    findings: list[Finding] = []
    chart = []
    for p in posts:
        top = p.engagements_7d >= threshold and p.engagements_7d > 0
        chart.append(
            {
                "post_id": p.post_id,
                "engagements_7d": p.engagements_7d,
                "impressions_7d": p.impressions_7d,
                "boosted": p.boosted,
                "top_decile": bool(top),
            }
        )
        if not top or p.boosted or p.impressions_7d <= 0 or not 0 < pooled < 1:
            continue
        rate = p.engagements_7d / p.impressions_7d
        ratio = rate / pooled
        test = stats.binomtest(
            int(min(p.engagements_7d, p.impressions_7d)), int(p.impressions_7d), pooled, alternative="greater"
        )
        ci = test.proportion_ci(confidence_level=0.95, method="exact")
        findings.append(
            Finding(
                detector="opportunities",
                insight_type=InsightType.OPPORTUNITY,
                category=InsightCategory.CONTENT_TYPE,
                subject=f"post={p.post_id}:boost_candidate",
                direction="",
                severity=InsightSeverity.MEDIUM if ratio >= 1.5 else InsightSeverity.LOW,
                severity_rule=OPPORTUNITY_RULE,
                evidence=Evidence(
                    test="one-sided exact binomial test of engagement rate vs the workspace's",
                    n={"impressions_7d": p.impressions_7d, "posts": len(posts)},
                    effect_name="engagement rate / workspace rate",
                    effect=ratio,
                    ci_low=ci.low / pooled,
                    ci_high=ci.high / pooled,
                    p_value=float(test.pvalue),
                ),
                title=(
                    f"A {p.content_type} post on {p.platform} is in the top 10% by engagement this week "
                    f"and has "
                    "not been boosted"
                ),
                description=(
                    f"{p.engagements_7d:,} engagements in 7 days (top-decile threshold {threshold:,.0f}); "
                    f"engagement rate {rate:.2%} vs {pooled:.2%} across the workspace."
                ),
                impact=typical_value * ratio,
                suggested_actions=("Boost this post while its organic momentum lasts.",),
                data={
                    "post_id": p.post_id,
                    "engagements_7d": p.engagements_7d,
                    "threshold": threshold,
                    "engagement_rate": rate,
                    "workspace_rate": pooled,
                },
            )
        )
    return DetectorResult(
        name="opportunities",
        findings=tuple(findings),
        chart={"posts": chart, "top_decile_threshold": threshold},
    )

"""Timing, targeting, content-type and platform detectors: each level of a factor against the rest.

Outcome: conversions per dollar of spend, pooled over the boosts of a group
(``rate = sum(conversions) / sum(spend_cents / 100)``), compared with the pooled rate of the other boosts
of the same factor by ``stats.rate_ratio_test`` (Wald test on the log rate ratio with a jackknife variance
over boosts, floored at Poisson, and a Welch-Satterthwaite t reference).
One test per level (one-vs-rest), so that "best" and "worst" are named levels with their own p-value;
every test joins the run's single Benjamini-Hochberg family.

Minimum sample: a level is tested only with at least ``MIN_BOOSTS_PER_GROUP`` (10) boosts with spend in
the level and 10 in the rest, and at least ``MIN_CONVERSIONS`` (10) conversions in both together. Ten per
group follows the events-per-variable rule of thumb for log-linear models (Peduzzi et al. 1996) and is
where the robust variance of a ratio estimator is no longer badly biased downwards (null calibration
measured in benchmarks/insights/calibration.py, figures in benchmarks/RESULTS.md).

Limits: comparisons are marginal (one factor at a time, not adjusted for the others), so a real
workspace whose evening boosts are also mostly on one platform can attribute the platform's effect to
the hour; in the simulator every factor is drawn independently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from boostloop.analytics.insights.inputs import BoostOutcome
from boostloop.analytics.insights.model import DetectorResult, Evidence, Finding
from boostloop.analytics.insights.stats import rate_ratio_test
from boostloop.enums import InsightCategory, InsightSeverity, InsightType

MIN_BOOSTS_PER_GROUP = 10
MIN_CONVERSIONS = 10
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

SEVERITY_RULE = (
    "HIGH when the rate ratio is >= 1.5 (or <= 1/1.5), MEDIUM when >= 1.2 (or <= 1/1.2), else LOW: "
    "a 1.5x gap in conversions per dollar changes cost per result by a third when budget moves, 1.2x by a "
    "sixth (product thresholds, not statistical ones; significance is decided by BH first)."
)


def pattern_severity(ratio: float) -> InsightSeverity:
    r = max(ratio, 1 / ratio) if ratio > 0 else float("inf")
    if r >= 1.5:
        return InsightSeverity.HIGH
    if r >= 1.2:
        return InsightSeverity.MEDIUM
    return InsightSeverity.LOW


def hour_label(h: int) -> str:
    return f"{h:02d}:00-{(h + 1) % 24:02d}:00"


def daypart_label(h: int) -> str:
    return f"{h:02d}:00-{(h + 4) % 24:02d}:00"


# (dimension, category, labels of a boost, human name of a level, phrase for the title)
Dimension = tuple[str, InsightCategory, Callable[[BoostOutcome], Iterable[str]], Callable[[str], str], str]

DIMENSIONS: dict[str, list[Dimension]] = {
    "timing": [
        (
            "weekday",
            InsightCategory.TIMING,
            lambda b: [str(b.weekday)],
            lambda v: WEEKDAYS[int(v)],
            "Boosts started on {}",
        ),
        (
            "hour",
            InsightCategory.TIMING,
            lambda b: [str(b.hour)],
            lambda v: hour_label(int(v)),
            "Boosts started at {}",
        ),
        # Four-hour dayparts: four times the boosts per group of single hours, so a planted window of a few
        # hours is found with a few hundred boosts where single hours need thousands.
        (
            "daypart",
            InsightCategory.TIMING,
            lambda b: [str(b.hour // 4 * 4)],
            lambda v: daypart_label(int(v)),
            "Boosts started between {}",
        ),
    ],
    "targeting": [
        (
            "segment",
            InsightCategory.TARGETING,
            lambda b: [b.segment] if b.segment else [],
            str,
            "Boosts targeting segment '{}'",
        ),
        (
            "age_band",
            InsightCategory.AUDIENCE,
            lambda b: [b.age_band] if b.age_band else [],
            str,
            "Boosts targeting ages {}",
        ),
        (
            "interest",
            InsightCategory.TARGETING,
            lambda b: sorted(set(b.interests)),
            str,
            "Boosts targeting interest '{}'",
        ),
        (
            "location",
            InsightCategory.TARGETING,
            lambda b: sorted(set(b.locations)),
            str,
            "Boosts targeting location {}",
        ),
    ],
    "content_type": [
        ("content_type", InsightCategory.CONTENT_TYPE, lambda b: [b.content_type], str, "Boosted {} posts"),
    ],
    "platform": [
        ("platform", InsightCategory.PLATFORM, lambda b: [b.platform], str, "Boosts on {}"),
    ],
}


def detect_groups(
    detector: str, boosts: tuple[BoostOutcome, ...], *, value_per_conversion_cents: float
) -> DetectorResult:
    """Run every dimension of ``detector`` ("timing", "targeting", "content_type", "platform")."""

    findings: list[Finding] = []
    chart: dict[str, list[dict]] = {}
    skipped: list[dict] = []
    spent = [b for b in boosts if b.spend_cents > 0]
    for dim, category, labels_of, human, phrase in DIMENSIONS[detector]:
        members: dict[str, list[int]] = defaultdict(list)
        having: list[int] = []
        for i, b in enumerate(spent):
            labels = list(labels_of(b))
            if labels:
                having.append(i)
            for lab in labels:
                members[lab].append(i)
        conv = np.array([b.conversions for b in spent], float)
        dollars = np.array([b.spend_cents / 100 for b in spent], float)
        value = np.array([b.value_cents for b in spent], float)
        rows = []
        if len(members) < 2:
            if members:
                skipped.append({"dimension": dim, "reason": "only one level present"})
            chart[dim] = rows
            continue
        having_set = np.array(having)
        for lab in sorted(members, key=lambda v: (0, int(v), "") if v.isdigit() else (1, 0, v)):
            g = np.array(members[lab])
            r = np.setdiff1d(having_set, g)
            row = {
                "level": lab,
                "label": human(lab),
                "n": int(len(g)),
                "spend_cents": int(dollars[g].sum() * 100),
                "conversions": int(conv[g].sum()),
                "value_cents": int(value[g].sum()),
                "conversions_per_dollar": float(conv[g].sum() / dollars[g].sum())
                if dollars[g].sum()
                else 0.0,
                "roas": float(value[g].sum() / (dollars[g].sum() * 100)) if dollars[g].sum() else 0.0,
                "tested": False,
            }
            rows.append(row)
            if len(g) < MIN_BOOSTS_PER_GROUP or len(r) < MIN_BOOSTS_PER_GROUP:
                skipped.append(
                    {
                        "dimension": dim,
                        "level": lab,
                        "reason": f"n={len(g)} vs rest {len(r)}: fewer than {MIN_BOOSTS_PER_GROUP} boosts",
                    }
                )
                continue
            if conv[g].sum() + conv[r].sum() < MIN_CONVERSIONS:
                skipped.append(
                    {
                        "dimension": dim,
                        "level": lab,
                        "reason": f"fewer than {MIN_CONVERSIONS} conversions in all",
                    }
                )
                continue
            rr = rate_ratio_test(conv[g], dollars[g], conv[r], dollars[r])
            row.update(
                tested=True,
                ratio=rr.ratio,
                ci_low=rr.ci_low,
                ci_high=rr.ci_high,
                p_value=rr.p_value,
                rest_conversions_per_dollar=rr.rate_rest,
            )
            best = rr.ratio > 1
            direction = "best" if best else "worst"
            # Value at stake (cents): best -> conversions gained if the rest's spend earned the group's
            # rate; worst -> conversions lost on this group's spend; times the workspace's value per
            # conversion.
            gap = abs(rr.rate_group - rr.rate_rest)
            at_stake_dollars = rr.exposure_rest if best else rr.exposure_group
            impact = gap * at_stake_dollars * value_per_conversion_cents
            evidence = Evidence(
                test="Wald test on the log rate ratio (jackknife variance floored at Poisson, Welch t)",
                n={"group": rr.n_group, "rest": rr.n_rest},
                effect_name="rate ratio (conversions per dollar)",
                effect=rr.ratio,
                ci_low=rr.ci_low,
                ci_high=rr.ci_high,
                p_value=rr.p_value,
                statistic=rr.z,
            )
            name = human(lab)
            title = (
                f"{phrase.format(name)} get {rr.ratio:.2f}x the conversions per dollar of the rest"
                if best
                else f"{phrase.format(name)} get {1 - rr.ratio:.0%} fewer conversions per dollar than "
                f"the rest"
            )
            description = (
                f"{rr.rate_group:.3f} conversions per dollar over {rr.n_group} boosts "
                f"(${rr.exposure_group:,.0f} spent) against {rr.rate_rest:.3f} over {rr.n_rest} other "
                f"boosts; "
                f"rate ratio {rr.ratio:.2f} (95% CI {rr.ci_low:.2f}-{rr.ci_high:.2f})."
            )
            if best:
                actions = (
                    f"Shift budget towards {dim.replace('_', ' ')} {name}.",
                    f"Test {name} against your current default in an experiment before moving all spend.",
                )
            else:
                actions = (
                    f"Avoid or reduce {dim.replace('_', ' ')} {name} for boosts.",
                    f"Review creatives and targeting used for {name}.",
                )
            findings.append(
                Finding(
                    detector=detector,
                    insight_type=InsightType.PATTERN,
                    category=category,
                    subject=f"{dim}={lab}",
                    direction=direction,
                    evidence=evidence,
                    title=title,
                    description=description,
                    severity=pattern_severity(rr.ratio),
                    severity_rule=SEVERITY_RULE,
                    impact=float(impact),
                    suggested_actions=actions,
                    data={
                        "dimension": dim,
                        "level": lab,
                        "label": name,
                        "rate_group": rr.rate_group,
                        "rate_rest": rr.rate_rest,
                        "spend_group_cents": int(rr.exposure_group * 100),
                        "spend_rest_cents": int(rr.exposure_rest * 100),
                        "conversions_group": rr.count_group,
                        "conversions_rest": rr.count_rest,
                    },
                )
            )
        chart[dim] = rows
    return DetectorResult(
        name=detector,
        findings=tuple(findings),
        chart={"metric": "conversions_per_dollar", "dimensions": chart},
        skipped=tuple(skipped),
    )

"""Result types: the evidence behind a finding, the finding a detector proposes, the insight it becomes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from boostloop.enums import InsightCategory, InsightSeverity, InsightType

SEVERITY_RANK = {
    InsightSeverity.LOW: 0,
    InsightSeverity.MEDIUM: 1,
    InsightSeverity.HIGH: 2,
    InsightSeverity.CRITICAL: 3,
}


@dataclass(frozen=True)
class Evidence:
    """What a finding rests on: the test, its sample sizes, an effect with a 95% interval, p-values.

    ``p_adjusted`` is the Benjamini-Hochberg adjusted p-value over every test of the run (filled in by
    ``generate_insights``; ``None`` before that).
    """

    test: str
    n: dict[str, int]
    effect_name: str
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    statistic: float = 0.0
    p_adjusted: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "n": dict(self.n),
            "effect_name": self.effect_name,
            "effect": self.effect,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_level": 0.95,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
        }


@dataclass(frozen=True)
class Finding:
    """A hypothesis a detector tested; it becomes an insight only if it survives BH.

    ``subject`` names what the finding is about (e.g. ``"hour=14"``, ``"boost=<id>:CPA"``); with the type
    and category it makes the fingerprint, so that the same finding on a later run is recognised.
    ``direction`` is ``"best"`` / ``"worst"`` / ``"up"`` / ``"down"`` / ``""``.
    """

    detector: str
    insight_type: InsightType
    category: InsightCategory
    subject: str
    direction: str
    evidence: Evidence
    title: str
    description: str
    severity: InsightSeverity
    severity_rule: str
    impact: float
    suggested_actions: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.insight_type, self.category, f"{self.subject}:{self.direction}")


def fingerprint(insight_type: InsightType, category: InsightCategory, subject: str) -> str:
    """sha256 hex of ``type|category|subject``: stable across runs (no numbers, no period in it)."""

    return hashlib.sha256(f"{insight_type.value}|{category.value}|{subject}".encode()).hexdigest()


@dataclass(frozen=True)
class DetectorResult:
    """One detector's tested findings and the chart-ready data for all groups (tested or not)."""

    name: str
    findings: tuple[Finding, ...]
    chart: dict[str, Any]
    skipped: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Insight:
    insight_type: InsightType
    category: InsightCategory
    severity: InsightSeverity
    title: str
    description: str
    data_points: dict[str, Any]
    visualization: dict[str, Any] | None
    comparison_metrics: dict[str, Any] | None
    suggested_actions: tuple[str, ...]
    impact: float
    fingerprint: str
    period_start: datetime
    period_end: datetime
    actionable: bool = True

    @property
    def rank_key(self) -> tuple[int, float]:
        """Sort descending by this: severity first, then impact."""
        return (SEVERITY_RANK[self.severity], self.impact)


@dataclass(frozen=True)
class InsightReport:
    """Everything one run produced: the insights (top first), the ranked best practices, every detector's
    output, and the multiple-testing bookkeeping (``n_tests`` tests, ``alpha`` FDR level)."""

    insights: tuple[Insight, ...]
    best_practices: tuple[Insight, ...]
    detectors: tuple[DetectorResult, ...]
    n_tests: int
    n_significant: int
    alpha: float

    def top(self, k: int = 5) -> tuple[Insight, ...]:
        return self.insights[:k]

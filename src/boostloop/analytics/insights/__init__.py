"""Insight detectors (pure): timing, targeting, budget saturation, content type and platform, anomalies,
warnings and opportunities, one Benjamini-Hochberg family across them all, and best practices.

Entry point: ``generate_insights(InsightInput(...)) -> InsightReport``.
"""

from boostloop.analytics.insights.generate import generate_insights, run_detectors
from boostloop.analytics.insights.inputs import BoostOutcome, InsightInput, OrganicPost, SnapshotPoint
from boostloop.analytics.insights.model import DetectorResult, Evidence, Finding, Insight, InsightReport
from boostloop.analytics.insights.stats import benjamini_hochberg, rate_ratio_test, robust_z

__all__ = [
    "BoostOutcome",
    "DetectorResult",
    "Evidence",
    "Finding",
    "Insight",
    "InsightInput",
    "InsightReport",
    "OrganicPost",
    "SnapshotPoint",
    "benjamini_hochberg",
    "generate_insights",
    "rate_ratio_test",
    "robust_z",
    "run_detectors",
]

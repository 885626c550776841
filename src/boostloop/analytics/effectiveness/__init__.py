"""Boost effectiveness against an organic-only counterfactual (issue 4, section 3). Pure: no I/O.

- ``trajectory``: a post's own decay curve fitted to its cumulative organic captures;
- ``counterfactual``: the organic-only counterfactual with a 90 % interval, from the own trajectory and
  comparable unboosted control posts, calibrated on the controls;
- ``controls``: choosing the control posts;
- ``lift``: incremental lift, incremental conversions, cost per incremental result, ROI, incremental
  ROAS, organic-vs-paid cost ratio, each with an interval;
- ``benchmarks``: platform benchmarks and workspace overrides;
- ``score``: the 0-100 effectiveness score with its breakdown;
- ``confidence``: the confidence level of an analysis;
- ``analysis``: all of it for one boost; ``compare``: rankings across boosts.
"""

from boostloop.analytics.effectiveness.analysis import BoostEffectiveness, BoostObservation, analyze_boost
from boostloop.analytics.effectiveness.benchmarks import DEFAULT_BENCHMARKS, PlatformBenchmark, resolve_benchmarks
from boostloop.analytics.effectiveness.compare import BoostComparison, RankedBoost, compare_boosts
from boostloop.analytics.effectiveness.confidence import Confidence, ConfidenceLevel, confidence_level
from boostloop.analytics.effectiveness.controls import ControlSelection, PostMeta, select_controls
from boostloop.analytics.effectiveness.counterfactual import (
    Counterfactual,
    CounterfactualPoint,
    PostSeries,
    organic_counterfactual,
)
from boostloop.analytics.effectiveness.lift import (
    ConversionEconomics,
    Interval,
    Lift,
    conversion_economics,
    incremental_lift,
)
from boostloop.analytics.effectiveness.score import EffectivenessScore, ScoreComponent, effectiveness_score, points
from boostloop.analytics.effectiveness.trajectory import DecayFit, fit_decay_curve

__all__ = [
    "DEFAULT_BENCHMARKS", "BoostComparison", "BoostEffectiveness", "BoostObservation", "Confidence",
    "ConfidenceLevel", "ControlSelection", "ConversionEconomics", "Counterfactual", "CounterfactualPoint",
    "DecayFit", "EffectivenessScore", "Interval", "Lift", "PlatformBenchmark", "PostMeta", "PostSeries",
    "RankedBoost", "ScoreComponent", "analyze_boost", "compare_boosts", "confidence_level",
    "conversion_economics", "effectiveness_score", "fit_decay_curve", "incremental_lift", "organic_counterfactual",
    "points", "resolve_benchmarks", "select_controls",
]

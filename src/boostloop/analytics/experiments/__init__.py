"""A/B tests of boost strategies: pure statistics from sufficient statistics (GrowthBook-stats-engine style).

Sufficient statistics in (:mod:`.stats`: per person, or a ratio over boosts), frozen result dataclasses out; degenerate input (no data,
zero variance, n < 2) gives a defined result with ``defined=False`` and a note, never NaN or an
exception. Invalid *parameters* (alpha outside (0, 1), conversions > n, ...) raise ``ValueError``
naming the field.

- :mod:`.frequentist`: pooled two-proportion z test, Welch's t test (also for ratio metrics over
  boosts, cluster-robust), absolute and relative intervals;
- :mod:`.bayesian`: chance to win and expected loss (Beta-Binomial; normal approximation for means);
- :mod:`.sequential`: always-valid mSPRT (normal mixture) for daily peeking;
- :mod:`.srm`: sample-ratio mismatch; :mod:`.multiple`: Holm; :mod:`.power`: power and sample size;
- :mod:`.guardrails` and :mod:`.decision`: the winner rule.
"""

from boostloop.analytics.experiments.bayesian import BayesResult, bayes, beta_binomial, normal_bayes
from boostloop.analytics.experiments.decision import (
    INVALID,
    NO_WINNER_YET,
    WINNER,
    Decision,
    VariantComparison,
    VariantInput,
    decide,
)
from boostloop.analytics.experiments.frequentist import (
    ComparisonResult,
    EffectTest,
    compare,
    relative_lift_test,
    two_proportion_test,
    welch_test,
)
from boostloop.analytics.experiments.guardrails import (
    COST_PER_RESULT,
    GUARDRAILS,
    SPEND,
    GuardrailResult,
    cost_per_result_guardrail,
    cost_per_result_ratio_guardrail,
    spend_guardrail,
)
from boostloop.analytics.experiments.multiple import holm
from boostloop.analytics.experiments.power import (
    SampleSizeResult,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from boostloop.analytics.experiments.sequential import SequentialResult, msprt, msprt_from_estimate
from boostloop.analytics.experiments.srm import SRM_THRESHOLD, SrmResult, sample_ratio_mismatch
from boostloop.analytics.experiments.stats import MeanStats, ProportionStats, RatioStats, VariantStats

__all__ = [
    "COST_PER_RESULT",
    "GUARDRAILS",
    "INVALID",
    "NO_WINNER_YET",
    "SPEND",
    "SRM_THRESHOLD",
    "WINNER",
    "BayesResult",
    "ComparisonResult",
    "Decision",
    "EffectTest",
    "GuardrailResult",
    "MeanStats",
    "ProportionStats",
    "RatioStats",
    "SampleSizeResult",
    "SequentialResult",
    "SrmResult",
    "VariantComparison",
    "VariantInput",
    "VariantStats",
    "bayes",
    "beta_binomial",
    "compare",
    "cost_per_result_guardrail",
    "cost_per_result_ratio_guardrail",
    "decide",
    "holm",
    "msprt",
    "msprt_from_estimate",
    "normal_bayes",
    "power_means",
    "power_proportions",
    "relative_lift_test",
    "sample_ratio_mismatch",
    "sample_size_means",
    "sample_size_proportions",
    "spend_guardrail",
    "two_proportion_test",
    "welch_test",
]

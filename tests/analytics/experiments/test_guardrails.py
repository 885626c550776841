"""Guardrails: cost per result (binomial and over boosts) and spend, one-sided in the harmful direction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from boostloop.analytics.experiments import (
    MeanStats,
    RatioStats,
    cost_per_result_guardrail,
    cost_per_result_ratio_guardrail,
    relative_lift_test,
    spend_guardrail,
)


def test_cpa_binomial_by_hand():
    # Same conversions, 20 % more spend: CPA ratio 1.2, se = sqrt(2 (1/500 - 1/10000)).
    g = cost_per_result_guardrail((100_000, 500, 10_000), (120_000, 500, 10_000))
    se = math.sqrt(2 * (1 / 500 - 1 / 10_000))
    assert g.estimate == pytest.approx(0.2)
    assert g.p_worse == pytest.approx(st.norm.sf(math.log(1.2) / se))
    assert g.worse and g.defined
    assert g.ci == pytest.approx(
        (
            math.exp(math.log(1.2) - 1.959963984540054 * se) - 1,
            math.exp(math.log(1.2) + 1.959963984540054 * se) - 1,
        )
    )
    cheaper = cost_per_result_guardrail((100_000, 500, 10_000), (80_000, 500, 10_000))
    assert not cheaper.worse and cheaper.p_worse > 0.5


def test_cpa_binomial_degenerate():
    g = cost_per_result_guardrail((100_000, 0, 10_000), (120_000, 5, 10_000))
    assert not g.defined and not g.worse and g.p_worse == 1.0 and g.note


def test_cpa_over_boosts_is_the_one_sided_delta_method_test():
    rng = np.random.default_rng(3)
    conv_a, conv_b = rng.integers(20, 60, 12), rng.integers(20, 60, 14)
    spend_a, spend_b = rng.normal(5000, 400, 12), rng.normal(6500, 400, 14)
    a, b = RatioStats.from_pairs(spend_a, conv_a), RatioStats.from_pairs(spend_b, conv_b)
    g = cost_per_result_ratio_guardrail(a, b)
    lift = relative_lift_test(a, b)
    assert g.estimate == pytest.approx((spend_b.sum() / conv_b.sum()) / (spend_a.sum() / conv_a.sum()) - 1)
    assert g.p_worse == pytest.approx(st.t.sf(lift.statistic, lift.dof))
    assert g.worse == (g.p_worse < 0.05)
    empty = cost_per_result_ratio_guardrail(RatioStats(0, 0, 0, 0, 0, 0), b)
    assert not empty.defined and empty.p_worse == 1.0


def test_spend_guardrail_matches_scipy_one_sided_welch():
    rng = np.random.default_rng(4)
    xa, xb = rng.normal(5000, 300, 15), rng.normal(5200, 300, 18)
    g = spend_guardrail(MeanStats.from_values(xa), MeanStats.from_values(xb))
    ref = st.ttest_ind(xb, xa, equal_var=False, alternative="greater")
    assert g.p_worse == pytest.approx(ref.pvalue, abs=1e-9)
    assert g.estimate == pytest.approx(xb.mean() - xa.mean())
    same = spend_guardrail(MeanStats.from_values([5000.0] * 4), MeanStats.from_values([5000.0] * 3))
    assert same.defined and not same.worse and same.estimate == 0.0
    one = spend_guardrail(MeanStats.from_values([5000.0]), MeanStats.from_values([5000.0, 6000.0]))
    assert not one.defined and not one.worse

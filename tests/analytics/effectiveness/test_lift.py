from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boostloop.analytics.effectiveness.lift import (
    conversion_economics,
    incremental_lift,
    nearest_level_interval,
)

from .conftest import assert_no_nan, fixed_counterfactual


def test_incremental_lift_by_hand():
    # actual 150 against a counterfactual of 100 [90, 120]:
    # lift 50 [150 - 120, 150 - 90] = [30, 60]; fraction 0.5 [150/120 - 1, 150/90 - 1] = [0.25, 0.6667]
    lift = incremental_lift(150, fixed_counterfactual(80, 100, 90, 120))
    assert (lift.absolute.estimate, lift.absolute.lower, lift.absolute.upper) == (50, 30, 60)
    assert lift.fraction.estimate == pytest.approx(0.5)
    assert lift.fraction.lower == pytest.approx(0.25)
    assert lift.fraction.upper == pytest.approx(2 / 3)


def test_lift_against_a_zero_counterfactual_is_undefined_not_nan():
    lift = incremental_lift(10, fixed_counterfactual(0, 0, 0, 0))
    assert lift.fraction.estimate is None and "zero_counterfactual" in lift.flags
    assert lift.absolute.estimate == 10


def _economics(**kw):
    args = dict(actual_conversions=30, organic_conversions=10, value_cents=60_000, spend_cents=10_000,
                reach_counterfactual=fixed_counterfactual(800, 900), actual_organic_reach=1000, seed=1)
    args.update(kw)
    return conversion_economics(**args)


def test_conversion_economics_by_hand():
    # q = cf reach / actual organic reach = 900 / 1000 = 0.9; cf conversions = 10 * 0.9 = 9;
    # incremental = 30 - 9 = 21; value per conversion = 60000 / 30 = 2000 c; incremental value 42000 c;
    # incremental ROAS = 42000 / 10000 = 4.2; incremental ROI = 3.2; total ROI = (60000 - 10000) / 10000 = 5;
    # cost per incremental result = 10000 / 21 = 476.19 c.
    # Interval: cf conversions ~ Binomial(10, 0.9); the central interval nearest 90 % (nearest_level_interval,
    # worked in test_nearest_level_interval_binomial_by_hand) is {8, 9, 10} with probability 0.9298.
    # Incremental: [30 - 10, 30 - 8] = [20, 22].
    e = _economics()
    assert e.counterfactual_conversions.estimate == pytest.approx(9.0)
    assert (e.counterfactual_conversions.lower, e.counterfactual_conversions.upper) == (8.0, 10.0)
    assert e.incremental_conversions.estimate == 21.0
    assert (e.incremental_conversions.lower, e.incremental_conversions.upper) == (20.0, 22.0)
    assert e.incremental_value_cents.estimate == pytest.approx(42_000)
    assert e.incremental_roas.estimate == pytest.approx(4.2)
    assert e.incremental_roas.lower == pytest.approx(4.0)
    assert e.incremental_roas.upper == pytest.approx(22 * 2000 / 10_000)
    assert e.incremental_roi.estimate == pytest.approx(3.2)
    assert e.total_roi == pytest.approx(5.0)
    c = e.cost_per_incremental_result_cents
    assert c.estimate == pytest.approx(476.19, abs=0.01)
    assert c.lower == pytest.approx(10_000 / 22) and c.upper == pytest.approx(10_000 / 20)
    assert e.incremental_fraction.estimate == pytest.approx(21 / 9)


def _pmf_draws(pmf: dict[int, float], n: int = 100_000) -> np.ndarray:
    """Draws in exactly the given proportions (rounded to 1 / n)."""
    return np.concatenate([np.full(int(round(p * n)), float(v)) for v, p in pmf.items()])


def test_nearest_level_interval_binomial_by_hand():
    # Binomial(10, 0.9): pmf at 6..10 = 0.0112, 0.0574, 0.1937, 0.3874, 0.3487 (below 6: 0.0016, put at 5).
    # F_mid = F - p/2 at 6..10 = 0.0072, 0.0415, 0.1671, 0.4576, 0.8257; by |F_mid - 1/2|: 9 (0.042),
    # 10 (0.326), 8 (0.333), 7 (0.458), 6 (0.493), 5; cumulative probability 0.3874, 0.7361, 0.9298, 0.9872,
    # 0.9984: nearest 0.90 is 0.9298 -> {8, 9, 10}. (Mid-quantile endpoints gave [7.07, 10]: 0.987 by integers.)
    draws = _pmf_draws({5: 0.0016, 6: 0.0112, 7: 0.0574, 8: 0.1937, 9: 0.3874, 10: 0.3487})
    assert nearest_level_interval(draws, 0.90) == (8.0, 10.0)
    # At 99 %: 0.9872 is 0.0028 away, 0.9984 is 0.0084 away -> {7, ..., 10}.
    assert nearest_level_interval(draws, 0.99) == (7.0, 10.0)


def test_nearest_level_interval_nearly_determined_count():
    # P(3) = 0.86, P(2) = 0.13, P(1) = 0.01: F_mid = 0.005, 0.075, 0.57; order 3, 2, 1; cumulative 0.86, 0.99,
    # 1: nearest 0.90 is {3} (0.04 below) rather than {2, 3} (0.09 above), the mid-p interval.
    draws = _pmf_draws({1: 0.01, 2: 0.13, 3: 0.86})
    assert nearest_level_interval(draws, 0.90) == (3.0, 3.0)
    assert nearest_level_interval(np.full(50, 4.0), 0.90) == (4.0, 4.0)


def test_nearest_level_interval_many_values_is_the_equal_tailed_one():
    # 0..999 equally likely: the 900 values nearest the middle, [50, 949] (5 % left out on each side).
    assert nearest_level_interval(np.arange(1000.0), 0.90) == (50.0, 949.0)


def test_overlap_term_in_the_counterfactual_by_hand():
    # P = 30 - 10 = 20 paid conversions, s = 0.5 of them overlap people's, rho = O / R = 10 / 1000 = 0.01,
    # pi = 0.5: E = 20 * 0.5 * 0.01 * 0.5 = 0.05; cf conversions 9 + 0.05 = 9.05; incremental 20.95.
    e = _economics(share_paid_also_organic=0.5, paid_first=0.5)
    assert e.counterfactual_conversions.estimate == pytest.approx(9.05)
    assert e.incremental_conversions.estimate == pytest.approx(20.95)
    assert e.incremental_conversions.lower <= 20.95 <= e.incremental_conversions.upper
    # s = 0 leaves the term out: the numbers of test_conversion_economics_by_hand.
    assert _economics(share_paid_also_organic=0.0, paid_first=0.5) == _economics()


def test_organic_vs_paid_cost_ratio_by_hand():
    # organic cost 4500 c over 9 counterfactual conversions = 500 c per organic result;
    # paid: 10000 / 21 = 476.19 c per incremental result; ratio 476.19 / 500 = 0.9524
    e = _economics(organic_cost_cents=4500)
    assert e.organic_vs_paid_cost_ratio.estimate == pytest.approx(0.9524, abs=1e-4)
    assert e.organic_vs_paid_cost_ratio.lower <= 0.9524 <= e.organic_vs_paid_cost_ratio.upper
    assert _economics().organic_vs_paid_cost_ratio.estimate is None
    assert "no_organic_cost" in _economics().flags


def test_boost_that_reduced_organic_reach_adds_missing_organic_conversions():
    # cf reach 1200 > actual 1000: cf conversions = 10 + 10/1000 * 200 = 12; incremental = 30 - 12 = 18
    e = _economics(reach_counterfactual=fixed_counterfactual(800, 1200))
    assert e.counterfactual_conversions.estimate == pytest.approx(12.0)
    assert e.incremental_conversions.estimate == pytest.approx(18.0)


def test_zero_spend():
    e = _economics(spend_cents=0)
    assert "zero_spend" in e.flags
    assert e.cost_per_incremental_result_cents.estimate == 0.0
    assert e.total_roi is None and e.incremental_roi.estimate is None and e.incremental_roas.estimate is None
    assert_no_nan(e)


def test_negative_roi():
    # value 4000 c for 10000 c spent: total ROI = (4000 - 10000) / 10000 = -0.6;
    # incremental value = 21 * 4000/30 = 2800 -> incremental ROI = -0.72
    e = _economics(value_cents=4000)
    assert e.total_roi == pytest.approx(-0.6)
    assert e.incremental_roi.estimate == pytest.approx(-0.72)
    assert "negative_roi" in e.flags


def test_no_conversions():
    e = _economics(actual_conversions=0, organic_conversions=0, value_cents=0)
    assert "no_conversions" in e.flags and "no_incremental_results" in e.flags
    assert e.incremental_conversions.estimate == 0.0
    assert e.cost_per_incremental_result_cents.estimate is None
    assert e.incremental_roi.estimate == pytest.approx(-1.0)  # all spend lost
    assert_no_nan(e)


def test_no_organic_reach():
    e = _economics(actual_organic_reach=0, organic_conversions=0)
    assert "no_organic_reach" in e.flags
    assert e.incremental_conversions.estimate == 30.0


def test_same_seed_same_numbers():
    a = _economics(reach_counterfactual=fixed_counterfactual(800, 900, 850, 950))
    b = _economics(reach_counterfactual=fixed_counterfactual(800, 900, 850, 950))
    assert a == b


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 500), o_share=st.floats(0, 1), value=st.integers(0, 10**7), spend=st.integers(0, 10**6),
       act=st.floats(0, 1e6), q=st.floats(0.0, 1.5), seed=st.integers(0, 2**16))
def test_economics_invariants(n, o_share, value, spend, act, q, seed):
    cf = fixed_counterfactual(max(act * 0.5, 1.0), max(act * q, 1.0))
    e = conversion_economics(actual_conversions=n, organic_conversions=round(n * o_share), value_cents=value,
                             spend_cents=spend, reach_counterfactual=cf, actual_organic_reach=act, seed=seed,
                             n_draws=500)
    assert_no_nan(e)
    inc = e.incremental_conversions
    assert inc.lower <= inc.estimate <= inc.upper
    assert inc.upper <= n
    if spend > 0:
        assert e.incremental_roi.estimate == pytest.approx(e.incremental_roas.estimate - 1.0)
        c = e.cost_per_incremental_result_cents
        if c.lower is not None and c.upper is not None:
            assert c.lower <= c.estimate <= c.upper

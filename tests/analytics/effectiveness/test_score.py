from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boostloop.analytics.effectiveness.benchmarks import DEFAULT_BENCHMARKS
from boostloop.analytics.effectiveness.lift import conversion_economics, incremental_lift
from boostloop.analytics.effectiveness.score import WEIGHTS, effectiveness_score, points
from boostloop.enums import Platform

from .conftest import fixed_counterfactual

FB = DEFAULT_BENCHMARKS[Platform.FACEBOOK]


def test_points_curve():
    assert points(1.0) == pytest.approx(50.0)
    assert points(2.0) == pytest.approx(75.0)
    assert points(3.0) == pytest.approx(87.5)
    assert points(0.0) == 0.0 and points(-2.0) == 0.0
    assert points(math.inf) == 100.0 and points(None) is None


@given(st.floats(-10, 50), st.floats(-10, 50))
def test_points_monotone_and_bounded(a, b):
    lo, hi = sorted((a, b))
    assert 0.0 <= points(lo) <= points(hi) <= 100.0


def test_score_by_hand():
    # reach: actual 2000 vs cf 1000 -> lift fraction 1.0 -> x = 1 -> 50 points
    # engagement: actual 100 vs cf 100 -> lift 0 -> 0 points
    # conversion: 21 incremental for 10000 c against CPA 3500 c: x = 21 * 3500 / 10000 = 7.35
    #   -> 100 (1 - 2^-7.35) = 99.39 points
    # roi: incremental ROI 3.2 / (2.5 - 1) = 2.1333 -> 100 (1 - 2^-2.1333) = 77.21 points
    # score = 0.2 * 50 + 0.2 * 0 + 0.3 * 99.39 + 0.3 * 77.21 = 10 + 29.82 + 23.16 = 62.98 -> 63.0
    reach = incremental_lift(2000, fixed_counterfactual(900, 1000))
    eng = incremental_lift(100, fixed_counterfactual(90, 100))
    econ = conversion_economics(actual_conversions=30, organic_conversions=10, value_cents=60_000,
                                spend_cents=10_000, reach_counterfactual=fixed_counterfactual(800, 900),
                                actual_organic_reach=1000, seed=1)
    s = effectiveness_score(reach=reach, engagement=eng, economics=econ, benchmark=FB)
    by = {c.name: c for c in s.components}
    assert by["reach"].points == pytest.approx(50.0)
    assert by["engagement"].points == pytest.approx(0.0)
    assert by["conversion"].ratio == pytest.approx(7.35)
    assert by["conversion"].points == pytest.approx(99.39, abs=0.01)
    assert by["roi"].ratio == pytest.approx(3.2 / 1.5)
    assert by["roi"].points == pytest.approx(77.21, abs=0.01)
    assert s.score == pytest.approx(63.0)
    assert s.lower <= s.score <= s.upper
    assert "CPA benchmark" in by["conversion"].explanation and "$35.00" in by["conversion"].explanation
    assert sum(c.effective_weight for c in s.components) == pytest.approx(1.0)


def test_zero_spend_leaves_out_money_components_and_rescales():
    reach = incremental_lift(2000, fixed_counterfactual(900, 1000))
    eng = incremental_lift(300, fixed_counterfactual(90, 100))  # lift 2.0 -> 75 points
    econ = conversion_economics(actual_conversions=3, organic_conversions=3, value_cents=900, spend_cents=0,
                                reach_counterfactual=fixed_counterfactual(800, 1000), actual_organic_reach=1000)
    s = effectiveness_score(reach=reach, engagement=eng, economics=econ, benchmark=FB)
    by = {c.name: c for c in s.components}
    assert by["roi"].points is None and by["conversion"].points is None
    assert by["reach"].effective_weight == pytest.approx(0.5)
    assert s.score == pytest.approx(0.5 * 50 + 0.5 * 75)
    assert any("left out" in n for n in s.notes)


def test_weights_sum_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_assumed_benchmark_is_noted():
    tiktok = DEFAULT_BENCHMARKS[Platform.TIKTOK]
    s = effectiveness_score(reach=None, engagement=None, economics=None, benchmark=tiktok)
    assert s.score == 0.0 and any("assumed" in n for n in s.notes)


def test_roi_against_a_workspace_roas_benchmark_at_or_below_one():
    from dataclasses import replace

    econ = conversion_economics(actual_conversions=30, organic_conversions=10, value_cents=60_000,
                                spend_cents=10_000, reach_counterfactual=fixed_counterfactual(800, 900),
                                actual_organic_reach=1000, seed=1)
    s = effectiveness_score(reach=None, engagement=None, economics=econ, benchmark=replace(FB, roas=0.8))
    roi = {c.name: c for c in s.components}["roi"]
    assert roi.ratio == pytest.approx(4.2 / 0.8)  # compared as ROAS

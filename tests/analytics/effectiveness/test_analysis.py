"""The whole analysis of one boost on hand-made series, including the issue's edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from boostloop.analytics.effectiveness import (
    DEFAULT_BENCHMARKS,
    BoostObservation,
    ConfidenceLevel,
    PostSeries,
    analyze_boost,
    compare_boosts,
)
from boostloop.enums import Platform

from .conftest import assert_no_nan, exp_curve

AGES = np.arange(1, 24 * 12, dtype=float)
FB = DEFAULT_BENCHMARKS[Platform.FACEBOOK]


def _controls(rng):
    out = {"reach": [], "impressions": [], "engagements": []}
    for _ in range(12):
        a = rng.lognormal(8, 0.5)
        c = np.cumsum(rng.poisson(np.diff(np.concatenate([[0], exp_curve(a, 10.0, AGES)]))))
        out["reach"].append(PostSeries.of(AGES, c))
        out["impressions"].append(PostSeries.of(AGES, np.round(c * 1.3)))
        out["engagements"].append(PostSeries.of(AGES, np.round(c * 0.04)))
    return out


def _observation(*, boost_age=20.0, horizon=200.0, spill=300.0, spend=50_000, conversions=60, organic=8,
                 value=300_000, history=True, days=14.0, boost_id="b1"):
    reach = exp_curve(3000.0, 10.0, AGES)
    reach = reach + np.where(AGES > boost_age, spill * np.minimum((AGES - boost_age) / 48.0, 1.0), 0.0)
    organic_series = {"reach": PostSeries.of(AGES, reach), "impressions": PostSeries.of(AGES, reach * 1.3),
                      "engagements": PostSeries.of(AGES, reach * 0.04)}
    if not history:  # no captures at all: only the boost's pre-boost snapshot
        after = AGES > boost_age
        organic_series = {k: PostSeries.of(AGES[after], s.cumulative[after]) for k, s in organic_series.items()}
    base = float(exp_curve(3000.0, 10.0, [boost_age])[0])
    return BoostObservation(
        boost_id=boost_id, platform=Platform.FACEBOOK, boost_age_hours=boost_age, horizon_hours=horizon,
        days_observed=days, organic=organic_series, spend_cents=spend, conversions=conversions,
        organic_conversions=organic, value_cents=value, paid_impressions=40_000, incremental_paid_reach=20_000,
        paid_engagements=500, paid_clicks=400,
        baseline={"reach": base, "impressions": base * 1.3, "engagements": base * 0.04},
    )


def test_full_analysis_recovers_the_spillover_and_the_incremental_conversions():
    rng = np.random.default_rng(5)
    res = analyze_boost(_observation(), _controls(rng), FB, seed=3)
    cf = res.counterfactuals["reach"]
    assert cf.basis == "combined" and not cf.history_missing
    # True counterfactual reach at age 220 h: 3000 (1 - e^-22) = 3000; actual organic = 3300.
    assert cf.final.lower <= 3000.0 <= cf.final.upper
    assert cf.final.estimate == pytest.approx(3000.0, rel=0.02)
    # With-boost reach = 3300 organic + 20000 incremental paid; lift ~ 20300 over ~3000.
    assert res.lifts["reach"].absolute.estimate == pytest.approx(20_300, rel=0.01)
    # cf conversions = 8 * 3000 / 3300 = 7.27 -> incremental = 60 - 7.27 = 52.7
    assert res.economics.incremental_conversions.estimate == pytest.approx(52.73, abs=0.5)
    assert res.confidence.level == ConfidenceLevel.MEDIUM  # 14 days < 21
    assert 0 <= res.score.lower <= res.score.score <= res.score.upper <= 100
    assert_no_nan(res)


def test_missing_organic_history_falls_back_to_controls_with_a_wider_interval():
    rng = np.random.default_rng(5)
    ctrl = _controls(rng)
    full = analyze_boost(_observation(), ctrl, FB, seed=3)
    miss = analyze_boost(_observation(history=False), ctrl, FB, seed=3)
    f, m = full.counterfactuals["reach"], miss.counterfactuals["reach"]
    assert m.basis == "controls_only" and m.history_missing and "history_missing" in miss.flags
    assert (m.final.upper - m.final.lower) > (f.final.upper - f.final.lower)
    assert miss.confidence.level in (ConfidenceLevel.MEDIUM, ConfidenceLevel.LOW)


def test_boost_cancelled_after_one_hour():
    rng = np.random.default_rng(5)
    obs = _observation(horizon=1.0, spend=700, conversions=0, organic=0, value=0, days=1 / 24, spill=0.0)
    res = analyze_boost(obs, _controls(rng), FB, seed=3)
    assert res.confidence.level == ConfidenceLevel.LOW
    assert res.economics.cost_per_incremental_result_cents.estimate is None
    assert res.economics.incremental_roi.estimate == pytest.approx(-1.0)
    assert "no_conversions" in res.flags
    assert_no_nan(res)


def test_zero_spend_and_negative_roi_end_to_end():
    rng = np.random.default_rng(5)
    ctrl = _controls(rng)
    zero = analyze_boost(_observation(spend=0), ctrl, FB, seed=3)
    assert "zero_spend" in zero.flags and zero.economics.total_roi is None
    neg = analyze_boost(_observation(value=10_000), ctrl, FB, seed=3)
    assert neg.economics.total_roi == pytest.approx((10_000 - 50_000) / 50_000)
    assert "negative_roi" in neg.flags
    assert {c.name: c.points for c in neg.score.components}["roi"] == 0.0
    assert_no_nan(zero)
    assert_no_nan(neg)


def test_rankings_against_benchmarks():
    rng = np.random.default_rng(5)
    ctrl = _controls(rng)
    cheap = analyze_boost(_observation(boost_id="cheap", spend=20_000, value=2_000_000), ctrl, FB, seed=1)
    dear = analyze_boost(_observation(boost_id="dear", spend=500_000, value=50_000), ctrl, FB, seed=1)
    free = analyze_boost(_observation(boost_id="free", spend=0), ctrl, FB, seed=1)
    nothing = analyze_boost(_observation(boost_id="nothing", conversions=0, organic=0, value=0), ctrl, FB, seed=1)
    cmp = compare_boosts([dear, nothing, free, cheap])
    assert [r.boost_id for r in cmp.by_cost_per_result] == ["cheap", "dear", "nothing", "free"]
    verdict = {r.boost_id: r.vs_benchmark for r in cmp.by_cost_per_result}
    # cheap: 20000 c / ~52.7 = ~380 c per incremental conversion, far under the 3500 c CPA
    # dear: 500000 / ~52.7 = ~9500 c, far over it
    assert verdict == {"cheap": "better", "dear": "worse", "nothing": "undefined", "free": "undefined"}
    roi = [r.boost_id for r in cmp.by_incremental_roi]
    assert roi[0] == "cheap" and roi[-1] == "free"  # zero spend: ROI undefined, last
    assert {r.boost_id: r.vs_benchmark for r in cmp.by_incremental_roi}["dear"] == "worse"
    assert [r.rank for r in cmp.by_incremental_roi] == [1, 2, 3, 4]

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boostloop.analytics.effectiveness.counterfactual import (
    MIN_CALIBRATION_CONTROLS,
    UNCALIBRATED_LOG_SD,
    PostSeries,
    organic_counterfactual,
)

from .conftest import assert_no_nan, exp_curve, noisy_post


def _control(c_a: float, c_ah: float, a: float = 10.0, h: float = 20.0) -> PostSeries:
    """A control known only at ages a and a + h (too few points to fit a curve)."""
    return PostSeries.of([a, a + h], [c_a, c_ah])


def test_controls_only_by_hand():
    # y_j = log(1.1), log(1.2), log(1.3): mean 0.180, sd 0.08355; t_{2, 0.95} = 2.9200;
    # scale = 0.08355 * sqrt(1 + 1/3) = 0.09648; upper y = 0.180 + 2.92 * 0.09648 = 0.4617.
    # Estimate 100 e^0.180 = 119.72; upper 100 e^0.4617 = 158.68; lower y < 0 is clipped: 100.
    controls = [_control(100, 110), _control(200, 240), _control(50, 65)]
    cf = organic_counterfactual(None, controls, boost_age_hours=10, horizons_hours=20, baseline_at_boost=100)
    p = cf.final
    assert cf.basis == "controls_only"
    assert cf.history_missing and "history_missing" in cf.flags
    assert p.estimate == pytest.approx(119.72, abs=0.01)
    assert p.upper == pytest.approx(158.68, abs=0.01)
    assert p.lower == pytest.approx(100.0)


def test_noise_free_posts_give_the_exact_counterfactual():
    ages = np.arange(1, 200, dtype=float)
    controls = [PostSeries.of(ages, exp_curve(a, 12.0, ages)) for a in (800, 1500, 3000, 5000, 7000, 9000)]
    target = PostSeries.of(ages[ages <= 20], exp_curve(4000.0, 12.0, ages[ages <= 20]))
    cf = organic_counterfactual(target, controls, boost_age_hours=20, horizons_hours=[24, 100])
    truth = exp_curve(4000.0, 12.0, [44.0, 120.0])
    assert cf.basis == "combined"
    assert [p.estimate for p in cf.points] == pytest.approx(truth.tolist(), rel=1e-3)
    for p in cf.points:
        assert p.lower <= p.estimate <= p.upper


def test_combined_is_narrower_than_controls_only_and_flags_missing_history():
    rng = np.random.default_rng(7)
    controls = [noisy_post(rng) for _ in range(20)]
    target = noisy_post(rng)
    with_hist = organic_counterfactual(target, controls, boost_age_hours=12, horizons_hours=72)
    without = organic_counterfactual(None, controls, boost_age_hours=12, horizons_hours=72,
                                     baseline_at_boost=float(np.interp(12, target.age_hours, target.cumulative)))
    assert with_hist.basis == "combined" and not with_hist.history_missing
    assert without.basis == "controls_only" and without.history_missing
    assert without.final.scale > with_hist.final.scale
    assert (without.final.upper - without.final.lower) > (with_hist.final.upper - with_hist.final.lower)


def test_no_baseline_falls_back_to_absolute_controls():
    controls = [_control(100, 110), _control(200, 240), _control(50, 65)]
    cf = organic_counterfactual(None, controls, boost_age_hours=10, horizons_hours=20)
    assert cf.basis == "controls_absolute"
    assert "baseline_missing" in cf.flags
    # mean of log(1 + [110, 240, 65]) = (4.7095 + 5.4848 + 4.1897) / 3 = 4.7947 -> e^4.7947 - 1 = 119.87
    assert cf.final.estimate == pytest.approx(119.87, abs=0.05)


def test_nothing_known_gives_a_defined_flat_result():
    cf = organic_counterfactual(None, [], boost_age_hours=10, horizons_hours=20, baseline_at_boost=500)
    assert cf.basis == "none" and "no_information" in cf.flags
    assert (cf.final.lower, cf.final.estimate, cf.final.upper) == (500, 500, 500)
    cf0 = organic_counterfactual(None, [], boost_age_hours=10, horizons_hours=20)
    assert cf0.basis == "none" and cf0.final.estimate == 0.0


def test_trajectory_only_without_controls_uses_the_fixed_log_sd():
    ages = np.arange(1, 21, dtype=float)
    target = PostSeries.of(ages, exp_curve(1000.0, 10.0, ages))
    cf = organic_counterfactual(target, [], boost_age_hours=20, horizons_hours=30)
    assert cf.basis == "trajectory_only" and "uncalibrated" in cf.flags
    assert cf.final.scale == UNCALIBRATED_LOG_SD
    assert cf.final.estimate == pytest.approx(exp_curve(1000.0, 10.0, [50.0])[0], rel=1e-3)


def test_too_few_calibrated_controls_use_controls_only():
    ages = np.arange(1, 100, dtype=float)
    target = PostSeries.of(ages[:20], exp_curve(1000.0, 10.0, ages[:20]))
    controls = [PostSeries.of(ages, exp_curve(a, 10.0 + i, ages)) for i, a in enumerate((500, 900, 1300))]
    assert len(controls) < MIN_CALIBRATION_CONTROLS
    cf = organic_counterfactual(target, controls, boost_age_hours=20, horizons_hours=30)
    assert cf.basis == "controls_only" and "too_few_calibrated_controls" in cf.flags


def test_cancelled_after_one_hour_horizon():
    rng = np.random.default_rng(3)
    controls = [noisy_post(rng) for _ in range(10)]
    target = noisy_post(rng)
    cf = organic_counterfactual(target, controls, boost_age_hours=30, horizons_hours=1)
    assert cf.final.horizon_hours == 1.0
    assert cf.baseline <= cf.final.lower <= cf.final.estimate <= cf.final.upper
    assert_no_nan(cf)


@pytest.mark.slow
def test_interval_coverage_on_synthetic_posts():
    """90 % intervals on misspecified synthetic posts cover 78-98 % of 80 truths (binomial sd 3.4 %)."""
    rng = np.random.default_rng(11)
    hits = 0
    n = 80
    for _ in range(n):
        controls = [noisy_post(rng, hours=24 * 4) for _ in range(10)]
        target = noisy_post(rng, hours=24 * 4)
        a = float(rng.integers(6, 48))
        cf = organic_counterfactual(target, controls, boost_age_hours=a, horizons_hours=48)
        truth = float(np.interp(a + 48, target.age_hours, target.cumulative))
        hits += cf.final.lower <= truth <= cf.final.upper
    assert 0.78 <= hits / n <= 0.98


increments = st.lists(st.integers(min_value=0, max_value=500), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(target=increments, ctrl=st.lists(increments, min_size=0, max_size=8),
       a=st.floats(min_value=0, max_value=40), h=st.floats(min_value=0, max_value=40))
def test_invariants_on_arbitrary_series(target, ctrl, a, h):
    def series(incs):
        return PostSeries.of(np.arange(1, len(incs) + 1), np.cumsum(incs)) if incs else None

    controls = [s for s in (series(c) for c in ctrl) if s is not None]
    cf = organic_counterfactual(series(target), controls, boost_age_hours=a, horizons_hours=h)
    assert_no_nan(cf)
    p = cf.final
    assert p.lower <= p.estimate <= p.upper
    if cf.baseline is not None and cf.basis != "controls_absolute":
        assert p.lower >= cf.baseline - 1e-9  # lifetime totals never fall below the total at the boost
    assert all(math.isfinite(v) for v in (p.center, p.scale, p.df))


@pytest.mark.slow  # importing statsmodels (and pandas) alone took ~10 s on the shared machine
def test_controls_only_interval_matches_statsmodels_ols_prediction_interval():
    """Controls only, the interval is the OLS intercept-only prediction interval of the log ratios
    (mean +/- t_{n-1} s sqrt(1 + 1/n)), mapped through C(a) exp(.)."""
    from statsmodels.regression.linear_model import OLS

    rng = np.random.default_rng(4)
    c_a = rng.uniform(100, 1000, 9)
    ratio = np.exp(rng.normal(0.4, 0.15, 9))
    controls = [_control(a, a * r) for a, r in zip(c_a, ratio)]
    cf = organic_counterfactual(None, controls, boost_age_hours=10, horizons_hours=20, baseline_at_boost=250)
    y = np.log(ratio)
    frame = OLS(y, np.ones((y.size, 1))).fit().get_prediction(np.ones((1, 1))).summary_frame(alpha=0.10)
    assert cf.final.estimate == pytest.approx(250 * math.exp(frame["mean"].iloc[0]))
    assert cf.final.lower == pytest.approx(250 * math.exp(frame["obs_ci_lower"].iloc[0]))
    assert cf.final.upper == pytest.approx(250 * math.exp(frame["obs_ci_upper"].iloc[0]))

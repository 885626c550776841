"""Shared statistics: BH against statsmodels, the rate-ratio test against a Poisson GLM, robust z by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from boostloop.analytics.insights.stats import (
    benjamini_hochberg,
    poisson_rate_p,
    poisson_upper,
    rate_ratio_test,
    robust_z,
)


def test_bh_hand_worked():
    # m = 4: sorted p 0.01, 0.02, 0.03, 0.5 -> m p / i = 0.04, 0.04, 0.04, 0.5 (then running minimum from
    # the top).
    q = benjamini_hochberg([0.03, 0.5, 0.01, 0.02])
    assert q == pytest.approx([0.04, 0.5, 0.04, 0.04])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=80))
def test_bh_matches_statsmodels(ps):
    expected = multipletests(ps, method="fdr_bh")[1]
    assert benjamini_hochberg(ps) == pytest.approx(expected, abs=1e-12)


def test_bh_degenerate():
    assert len(benjamini_hochberg([])) == 0
    assert benjamini_hochberg([float("nan"), 0.001]).tolist() == pytest.approx([1.0, 0.002])


def _data(seed, n_g=30, n_r=80, ratio=1.0):
    rng = np.random.default_rng(seed)
    eg, er = rng.uniform(10, 300, n_g), rng.uniform(10, 300, n_r)
    cg = rng.poisson(0.05 * ratio * eg * rng.gamma(3, 1 / 3, n_g))
    cr = rng.poisson(0.05 * er * rng.gamma(3, 1 / 3, n_r))
    return cg, eg, cr, er


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rate_ratio_sandwich_matches_statsmodels_glm_hc0(seed):
    cg, eg, cr, er = _data(seed, ratio=1.4)
    rr = rate_ratio_test(
        cg, eg, cr, er, small_sample=False, poisson_floor=False, reference="normal", variance="sandwich"
    )
    y = np.concatenate([cg, cr])
    x = sm.add_constant(np.concatenate([np.ones(len(cg)), np.zeros(len(cr))]))
    fit = sm.GLM(y, x, family=sm.families.Poisson(), exposure=np.concatenate([eg, er])).fit(cov_type="HC0")
    assert math.log(rr.ratio) == pytest.approx(fit.params[1], abs=1e-8)
    assert rr.z == pytest.approx(fit.tvalues[1], rel=1e-6)
    assert rr.p_value == pytest.approx(fit.pvalues[1], rel=1e-6)
    lo, hi = np.exp(fit.conf_int()[1])
    assert (rr.ci_low, rr.ci_high) == pytest.approx((lo, hi), rel=1e-6)


def test_rate_ratio_jackknife_is_leave_one_out_by_hand():
    cg, eg = np.array([3.0, 0, 5, 2]), np.array([100.0, 50, 120, 80])
    cr, er = np.array([1.0, 4, 2, 2, 6]), np.array([60.0, 90, 70, 40, 150])
    rr = rate_ratio_test(cg, eg, cr, er, poisson_floor=False, reference="normal")

    def jk(c, e):
        n = len(c)
        lr = np.array([math.log((c.sum() - c[i]) / (e.sum() - e[i])) for i in range(n)])
        return (n - 1) / n * ((lr - lr.mean()) ** 2).sum()

    sd = math.sqrt(jk(cg, eg) + jk(cr, er))
    assert rr.ratio == pytest.approx((10 / 350) / (15 / 410))
    assert rr.z == pytest.approx(math.log(rr.ratio) / sd)


def test_rate_ratio_degenerate_inputs_are_defined():
    empty = rate_ratio_test(np.array([]), np.array([]), np.array([1.0]), np.array([2.0]))
    assert (empty.ratio, empty.p_value) == (1.0, 1.0)
    zero = rate_ratio_test(np.zeros(5), np.ones(5), np.zeros(5), np.ones(5))
    assert (zero.ratio, zero.p_value) == (1.0, 1.0)
    one_sided_zero = rate_ratio_test(np.zeros(12), np.ones(12) * 10, np.ones(12) * 3, np.ones(12) * 10)
    assert 0 < one_sided_zero.ratio < 1 and 0 <= one_sided_zero.p_value < 0.05
    same = rate_ratio_test(np.ones(10) * 2, np.ones(10), np.ones(10) * 2, np.ones(10))
    assert same.ratio == 1.0 and same.p_value == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_rate_ratio_symmetry_and_ci(seed):
    cg, eg, cr, er = _data(seed, n_g=12, n_r=15, ratio=1.2)
    a = rate_ratio_test(cg, eg, cr, er)
    b = rate_ratio_test(cr, er, cg, eg)
    assert a.ratio * b.ratio == pytest.approx(1.0)
    assert a.p_value == pytest.approx(b.p_value)
    assert 0 <= a.p_value <= 1
    assert a.ci_low <= a.ratio <= a.ci_high


def test_rate_ratio_null_calibration():
    # Over-dispersed counts with no difference: the test must not reject more than its level
    # (binomial 99% upper bound on 400 draws at 5% is 0.077).
    ps = np.array([rate_ratio_test(*_data(s, n_g=15, n_r=60)).p_value for s in range(400)])
    assert (ps < 0.05).mean() <= 0.077


def test_robust_z_hand_worked():
    r = robust_z(10.0, np.array([1, 2, 3, 4, 100.0]))
    # median 3; |x - 3| = 2, 1, 0, 1, 97 -> MAD 1 -> sigma 1.4826; z = 7 / 1.4826.
    assert r.median == 3 and r.sigma == pytest.approx(1.482602218505602)
    assert r.z == pytest.approx(7 / 1.482602218505602)
    # MAD 0 falls back to the mean absolute deviation: history 5,5,5,5,9 -> mean |x-5| = 0.8.
    r0 = robust_z(7.0, np.array([5, 5, 5, 5, 9.0]))
    assert r0.sigma == pytest.approx(math.sqrt(math.pi / 2) * 0.8)
    assert robust_z(5.0, np.array([5.0, 5.0])).z == 0.0
    assert robust_z(6.0, np.array([5.0, 5.0])).z == math.inf
    assert robust_z(1.0, np.array([])).z == 0.0


def test_poisson_helpers():
    # P(X <= 2 | 10) = 0.002769; doubled.
    assert poisson_rate_p(2, 10) == pytest.approx(2 * 0.0027693957, rel=1e-6)
    assert poisson_rate_p(5, 0) == 1.0
    # Garwood upper bound for 0 events at 95% one-sided: -ln(0.05) = 2.9957.
    assert poisson_upper(0) == pytest.approx(-math.log(0.05))

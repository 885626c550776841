"""Pooled z and Welch tests: hand-worked values, scipy / statsmodels cross-checks, degenerate input,
and invariants (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats as st
from statsmodels.stats import proportion as smp

from boostloop.analytics.experiments import (
    MeanStats,
    ProportionStats,
    relative_lift_test,
    two_proportion_test,
    welch_test,
)

TOL = 1e-6


def test_pooled_z_hand_worked():
    # 200/1000 against 250/1000: p_bar = 450/2000 = 0.225,
    # se0 = sqrt(0.225 * 0.775 * (1/1000 + 1/1000)) = 0.0186748..., z = 0.05 / se0 = 2.67740...
    r = two_proportion_test(ProportionStats(1000, 200), ProportionStats(1000, 250))
    se0 = math.sqrt(0.225 * 0.775 * 0.002)
    assert r.absolute.estimate == pytest.approx(0.05, abs=1e-15)
    assert r.absolute.statistic == pytest.approx(0.05 / se0, rel=1e-12)
    assert r.absolute.statistic == pytest.approx(2.6774, abs=1e-4)
    assert r.absolute.p_value == pytest.approx(math.erfc(abs(0.05 / se0) / math.sqrt(2)), rel=1e-9)
    assert r.absolute.p_value == pytest.approx(0.00742, abs=1e-5)
    assert r.absolute.significant
    # Wald interval with the unpooled variance 0.2*0.8/1000 + 0.25*0.75/1000.
    se1 = math.sqrt(0.16 / 1000 + 0.1875 / 1000)
    assert r.absolute.ci == pytest.approx((0.05 - 1.959963984540054 * se1, 0.05 + 1.959963984540054 * se1))
    assert "pooled null variance" in r.absolute.method


@pytest.mark.parametrize(
    ("na", "ca", "nb", "cb"),
    [
        (1000, 200, 1000, 250),
        (5321, 87, 4710, 112),
        (20000, 1500, 19500, 1380),
        (40, 3, 55, 9),
        (10**6, 30512, 10**6, 30911),
    ],
)
def test_pooled_z_matches_statsmodels(na, ca, nb, cb):
    r = two_proportion_test(ProportionStats(na, ca), ProportionStats(nb, cb))
    # statsmodels: the first sample is the treatment, diff = p1 - p2.
    score = smp.test_proportions_2indep(cb, nb, ca, na, compare="diff", method="score", correction=False)
    assert r.absolute.statistic == pytest.approx(score.statistic, abs=TOL)
    assert r.absolute.p_value == pytest.approx(score.pvalue, abs=TOL)
    z, p = smp.proportions_ztest([cb, ca], [nb, na])
    assert r.absolute.statistic == pytest.approx(z, abs=TOL)
    assert r.absolute.p_value == pytest.approx(p, abs=TOL)
    low, high = smp.confint_proportions_2indep(cb, nb, ca, na, method="wald", compare="diff")
    assert r.absolute.ci[0] == pytest.approx(low, abs=TOL)
    assert r.absolute.ci[1] == pytest.approx(high, abs=TOL)


def test_pooled_and_unpooled_p_values_differ_on_the_same_counts():
    """The issue's warning: the pooled z test and an unpooled (Wald / relative-lift) test are different tests."""
    a, b = ProportionStats(400, 20), ProportionStats(400, 36)
    r = two_proportion_test(a, b)
    wald = smp.test_proportions_2indep(36, 400, 20, 400, compare="diff", method="wald")
    assert r.absolute.p_value != pytest.approx(wald.pvalue, abs=1e-4)
    assert r.absolute.p_value != pytest.approx(r.relative.p_value, abs=1e-4)
    assert "pooled" in r.absolute.method and "unpooled" in r.relative.method


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_welch_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    xa = rng.gamma(2.0, 300.0, size=rng.integers(5, 400))
    xb = rng.gamma(2.2, 320.0, size=rng.integers(5, 400))
    a, b = MeanStats.from_values(xa), MeanStats.from_values(xb)
    r = welch_test(a, b)
    ref = st.ttest_ind_from_stats(
        xb.mean(), xb.std(ddof=1), len(xb), xa.mean(), xa.std(ddof=1), len(xa), equal_var=False
    )
    assert r.absolute.statistic == pytest.approx(ref.statistic, abs=TOL)
    assert r.absolute.p_value == pytest.approx(ref.pvalue, abs=TOL)
    # scipy's own interval of the difference from the raw data, Welch variant.
    ci = st.ttest_ind(xb, xa, equal_var=False).confidence_interval(0.95)
    assert r.absolute.ci[0] == pytest.approx(ci.low, abs=TOL)
    assert r.absolute.ci[1] == pytest.approx(ci.high, abs=TOL)
    assert r.absolute.estimate == pytest.approx(xb.mean() - xa.mean(), abs=1e-9)


def test_relative_lift_delta_method_by_hand():
    a, b = MeanStats.from_values([1.0, 2.0, 3.0, 4.0]), MeanStats.from_values([2.0, 3.0, 5.0, 6.0, 9.0])
    r = relative_lift_test(a, b)
    ma, va, mb, vb = 2.5, np.var([1, 2, 3, 4], ddof=1), 5.0, np.var([2, 3, 5, 6, 9], ddof=1)
    var = vb / (ma**2 * 5) + va * mb**2 / (ma**4 * 4)
    assert r.estimate == pytest.approx(1.0)
    assert r.std_error == pytest.approx(math.sqrt(var))
    dof = (va / 4 + vb / 5) ** 2 / ((va / 4) ** 2 / 3 + (vb / 5) ** 2 / 4)
    assert r.dof == pytest.approx(dof)
    assert r.p_value == pytest.approx(2 * st.t.sf(1.0 / math.sqrt(var), dof))


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        (ProportionStats(0, 0), ProportionStats(0, 0), "no units"),
        (ProportionStats(0, 0), ProportionStats(10, 3), "no units"),
        (ProportionStats(100, 0), ProportionStats(100, 0), "same outcome"),
        (ProportionStats(100, 100), ProportionStats(50, 50), "same outcome"),
    ],
)
def test_degenerate_proportions_are_defined(a, b, why):
    r = two_proportion_test(a, b)
    assert not r.absolute.defined and r.absolute.p_value == 1.0 and r.absolute.ci is None
    assert why.split()[0] in r.absolute.note or "units" in r.absolute.note
    assert not r.relative.defined and r.relative.p_value == 1.0
    for value in (r.absolute.estimate, r.relative.estimate, r.mean_control, r.mean_treatment):
        assert math.isfinite(value)


def test_zero_control_rate_has_absolute_but_no_relative_effect():
    r = two_proportion_test(ProportionStats(500, 0), ProportionStats(500, 12))
    assert r.absolute.defined and r.absolute.p_value < 0.05
    assert not r.relative.defined and "control mean is 0" in r.relative.note


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (MeanStats(0, 0.0, 0.0), MeanStats(0, 0.0, 0.0)),
        (MeanStats(1, 5.0, 25.0), MeanStats(10, 50.0, 300.0)),
        (MeanStats.from_values([3.0] * 5), MeanStats.from_values([3.0] * 7)),
        (MeanStats.from_values([3.0] * 5), MeanStats.from_values([4.0] * 7)),
    ],
)
def test_degenerate_means_are_defined(a, b):
    r = welch_test(a, b)
    assert not r.absolute.defined and r.absolute.p_value == 1.0 and r.absolute.ci is None
    assert math.isfinite(r.absolute.estimate) and r.absolute.note


def test_invalid_parameters_name_the_field():
    with pytest.raises(ValueError, match="conversions"):
        ProportionStats(10, 11)
    with pytest.raises(ValueError, match="alpha"):
        two_proportion_test(ProportionStats(10, 1), ProportionStats(10, 2), alpha=1.5)
    with pytest.raises(ValueError, match="total_sq"):
        MeanStats(3, 1.0, -1.0)


counts = hs.integers(0, 5000).flatmap(lambda n: hs.tuples(hs.just(n), hs.integers(0, n)))


@settings(max_examples=150, deadline=None)
@given(counts, counts, hs.sampled_from([0.01, 0.05, 0.1]))
def test_proportion_invariants(ca, cb, alpha):
    a, b = ProportionStats(*ca), ProportionStats(*cb)
    r, s = two_proportion_test(a, b, alpha), two_proportion_test(b, a, alpha)
    for eff in (r.absolute, r.relative):
        assert 0.0 <= eff.p_value <= 1.0 and math.isfinite(eff.estimate)
        if eff.ci is not None:
            assert eff.ci[0] <= eff.estimate <= eff.ci[1]
    # Swapping the arms flips the sign of the difference and keeps the pooled p-value.
    assert s.absolute.estimate == pytest.approx(-r.absolute.estimate, abs=1e-12)
    assert s.absolute.p_value == pytest.approx(r.absolute.p_value, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    hs.lists(hs.floats(-1e4, 1e4), min_size=0, max_size=30),
    hs.lists(hs.floats(-1e4, 1e4), min_size=0, max_size=30),
)
def test_welch_invariants(xa, xb):
    r = welch_test(MeanStats.from_values(xa), MeanStats.from_values(xb))
    assert 0.0 <= r.absolute.p_value <= 1.0
    assert math.isfinite(r.absolute.estimate)
    if r.absolute.ci is not None:
        assert r.absolute.ci[0] <= r.absolute.estimate <= r.absolute.ci[1]


def test_interval_coverage_by_seeded_simulation():
    """95 % intervals cover the true effect about 95 % of the time (3000 draws: se 0.004)."""
    rng = np.random.default_rng(11)
    reps, n, pa, pb = 3000, 2000, 0.05, 0.065
    ca, cb = rng.binomial(n, pa, reps), rng.binomial(n, pb, reps)
    abs_hits = rel_hits = 0
    for x, y in zip(ca, cb, strict=True):
        r = two_proportion_test(ProportionStats(n, int(x)), ProportionStats(n, int(y)))
        abs_hits += r.absolute.ci[0] <= pb - pa <= r.absolute.ci[1]
        rel_hits += r.relative.ci[0] <= pb / pa - 1 <= r.relative.ci[1]
    assert 0.935 <= abs_hits / reps <= 0.965
    assert 0.935 <= rel_hits / reps <= 0.965
    # Welch on a skewed metric (log-normal, n = 300 per arm).
    hits = 0
    true = math.exp(0.1 + 0.5) - math.exp(0.5)  # E[lognormal(mu, 1)] = exp(mu + 1/2)
    for _ in range(1000):
        xa, xb = rng.lognormal(0.0, 1.0, 300), rng.lognormal(0.1, 1.0, 300)
        r = welch_test(MeanStats.from_values(xa), MeanStats.from_values(xb))
        hits += r.absolute.ci[0] <= true <= r.absolute.ci[1]
    assert 0.925 <= hits / 1000 <= 0.97


def test_ratio_variance_by_hand():
    from boostloop.analytics.experiments import RatioStats

    m = np.array([3.0, 7.0, 2.0, 9.0, 4.0])
    d = np.array([100.0, 180.0, 90.0, 240.0, 120.0])
    r = RatioStats.from_pairs(m, d)
    n, mb, db = 5, m.mean(), d.mean()
    cov = np.cov(m, d, ddof=1)
    v = cov[0, 0] / db**2 - 2 * cov[0, 1] * mb / db**3 + mb**2 * cov[1, 1] / db**4
    assert r.mean == pytest.approx(m.sum() / d.sum())
    assert r.variance == pytest.approx(v)
    # Linearisation check: the variance equals that of (m_i - R d_i) / d_bar.
    lin = (m - r.mean * d) / db
    assert r.variance == pytest.approx(np.var(lin, ddof=1))
    assert n == r.n


def test_ratio_over_boosts_keeps_alpha_where_the_per_person_test_does_not():
    """People reached by one boost share its creative, hour and audience: boost-level rates vary.
    A per-person z test then overstates the evidence; the ratio test over boosts does not."""
    from boostloop.analytics.experiments import RatioStats

    rng = np.random.default_rng(2026)
    reps, k = 1000, 10
    z_hits = ratio_hits = 0
    for _ in range(reps):
        arms = []
        for _arm in range(2):
            reach = rng.integers(500, 1500, k)
            rate = rng.beta(2.0, 48.0, k)  # mean 4 %, boost-to-boost sd 2.7 points
            conv = rng.binomial(reach, rate)
            arms.append((reach, conv))
        (ra, ca), (rb, cb) = arms
        z = two_proportion_test(
            ProportionStats(int(ra.sum()), int(ca.sum())), ProportionStats(int(rb.sum()), int(cb.sum()))
        )
        w = welch_test(RatioStats.from_pairs(ca, ra), RatioStats.from_pairs(cb, rb))
        z_hits += z.absolute.p_value < 0.05
        ratio_hits += w.absolute.p_value < 0.05
    assert z_hits / reps > 0.3  # badly anti-conservative: the design effect is large
    assert ratio_hits / reps < 0.075  # near alpha (se 0.007); the delta method is approximate at 10 boosts


big = hs.floats(min_value=-1e150, max_value=1e150, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(hs.lists(big, max_size=12), hs.lists(big, max_size=12), hs.lists(hs.floats(0, 1e100), max_size=12))
def test_extreme_magnitudes_never_raise_or_return_nan(xa, xb, reach):
    from boostloop.analytics.experiments import RatioStats, msprt, normal_bayes

    a, b = MeanStats.from_values(xa), MeanStats.from_values(xb)
    pairs = [(abs(x) / 1e60, r) for x, r in zip(xa, reach, strict=False)]
    ra = RatioStats.from_pairs([p[0] for p in pairs], [p[1] for p in pairs])
    for x, y in ((a, b), (ra, ra)):
        r = welch_test(x, y)
        s = msprt(x, y, tuning_sample=100)
        nb = normal_bayes(x, y)
        for v in (
            r.absolute.p_value,
            r.relative.p_value,
            s.p_value,
            nb.chance_to_win,
            nb.expected_loss_treatment,
        ):
            assert math.isfinite(v) or v == math.inf
        assert 0.0 <= r.absolute.p_value <= 1.0 and 0.0 <= s.p_value <= 1.0

"""Sample-ratio mismatch, Holm and power: against scipy / statsmodels, by hand, and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats as st
from statsmodels.stats import proportion as smp
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower, tt_ind_solve_power

from boostloop.analytics.experiments import (
    holm,
    power_means,
    power_proportions,
    sample_ratio_mismatch,
    sample_size_means,
    sample_size_proportions,
)

TOL = 1e-6


@pytest.mark.parametrize(
    ("observed", "allocation"),
    [
        ([50, 50], [1, 1]),
        ([5000, 5210], [0.5, 0.5]),
        ([120, 80, 100], [1, 1, 1]),
        ([700, 300], [0.7, 0.3]),
        ([9, 30], [1, 1]),
    ],
)
def test_srm_matches_scipy_chisquare(observed, allocation):
    r = sample_ratio_mismatch(observed, allocation)
    total, w = sum(observed), sum(allocation)
    ref = st.chisquare(observed, [total * a / w for a in allocation])
    assert r.chi_square == pytest.approx(ref.statistic, abs=TOL)
    assert r.p_value == pytest.approx(ref.pvalue, abs=TOL)
    assert r.mismatch == (ref.pvalue < 0.001)


def test_srm_flags_a_broken_split_and_not_a_healthy_one():
    assert sample_ratio_mismatch([5000, 5210], [1, 1]).mismatch is False  # p = 0.039: noise at 0.001
    assert sample_ratio_mismatch([5000, 5600], [1, 1]).mismatch is True
    empty = sample_ratio_mismatch([0, 0, 0], [1, 2, 1])
    assert empty.p_value == 1.0 and not empty.mismatch
    with pytest.raises(ValueError, match=r"allocation\[1\]"):
        sample_ratio_mismatch([1, 2], [1, 0])


def test_holm_by_hand_and_against_statsmodels():
    # m = 3: sorted 0.01, 0.02, 0.04 -> 3*0.01 = 0.03, max(0.03, 2*0.02) = 0.04, max(0.04, 1*0.04) = 0.04.
    assert holm([0.04, 0.01, 0.02]) == pytest.approx((0.04, 0.03, 0.04))
    assert holm([]) == ()


@pytest.mark.parametrize(
    "ps",
    [[0.01, 0.04, 0.03, 0.005], [0.5, 0.5, 0.5], [0.001, 0.2, 0.013, 0.04, 0.9, 0.0125], [0.0, 1.0], [0.3]],
)
def test_holm_matches_statsmodels(ps):
    assert holm(ps) == pytest.approx(tuple(multipletests(ps, method="holm")[1]), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(hs.lists(hs.floats(0.0, 1.0), min_size=1, max_size=12))
def test_holm_invariants(ps):
    adj = holm(ps)
    bonferroni = [min(1.0, len(ps) * p) for p in ps]
    assert all(a <= b + 1e-15 for a, b in zip(adj, bonferroni, strict=True))  # never worse than Bonferroni
    assert all(a >= p - 1e-15 and a <= 1.0 for a, p in zip(adj, ps, strict=True))
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    assert all(adj[order[i]] <= adj[order[i + 1]] + 1e-15 for i in range(len(ps) - 1))


@pytest.mark.parametrize(
    ("pc", "pt", "nc", "nt"),
    [(0.05, 0.06, 5000, 5000), (0.2, 0.17, 800, 1200), (0.01, 0.013, 40000, 20000), (0.5, 0.52, 3000, 3000)],
)
def test_power_proportions_matches_statsmodels(pc, pt, nc, nt):
    ref = smp.power_proportions_2indep(pt - pc, pc, nt, ratio=nc / nt, alpha=0.05, return_results=False)
    assert power_proportions(pc, pt, nc, nt) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize(
    ("pc", "mde", "relative", "ratio"),
    [(0.05, 0.01, False, 1.0), (0.03, 0.1, True, 1.0), (0.2, -0.03, False, 2.0)],
)
def test_sample_size_proportions_reaches_the_power(pc, mde, relative, ratio):
    plan = sample_size_proportions(pc, mde, relative=relative, power=0.8, ratio=ratio)
    pt = pc * (1 + mde) if relative else pc + mde
    at = smp.power_proportions_2indep(
        pt - pc, pc, plan.n_control_exact * ratio, ratio=1 / ratio, return_results=False
    )
    assert at == pytest.approx(0.8, abs=TOL)
    assert plan.power >= 0.8
    assert power_proportions(pc, pt, plan.n_control - 1, (plan.n_control - 1) * ratio) < 0.8
    # Cohen's-h planning (NormalIndPower) is a different approximation; it lands within a few percent.
    h = 2 * math.asin(math.sqrt(pt)) - 2 * math.asin(math.sqrt(pc))
    cohen = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=ratio)
    assert plan.n_control_exact == pytest.approx(cohen, rel=0.05)


@pytest.mark.parametrize(("diff", "sd", "ratio"), [(1.0, 10.0, 1.0), (250.0, 1200.0, 1.5), (0.3, 0.5, 0.5)])
def test_means_power_and_sample_size_match_statsmodels(diff, sd, ratio):
    plan = sample_size_means(diff, sd, power=0.8, ratio=ratio)
    ref = tt_ind_solve_power(effect_size=diff / sd, nobs1=None, alpha=0.05, power=0.8, ratio=ratio)
    assert plan.n_control_exact == pytest.approx(ref, abs=1e-6)
    assert power_means(diff, sd, 120, 120 * ratio) == pytest.approx(
        TTestIndPower().power(diff / sd, 120, 0.05, ratio=ratio), abs=TOL
    )


def test_sample_size_with_several_treatments_splits_alpha():
    one = sample_size_proportions(0.05, 0.01)
    three = sample_size_proportions(0.05, 0.01, comparisons=3)
    assert three.alpha == pytest.approx(0.05 / 3) and three.n_control > one.n_control


def test_degenerate_plans_are_defined():
    assert sample_size_proportions(0.05, 0.0).n_control is None
    assert sample_size_means(0.0, 3.0).n_control is None
    assert sample_size_means(1.0, 0.0).note
    assert power_proportions(0.1, 0.2, 0, 10) == 0.0
    with pytest.raises(ValueError, match="mde"):
        sample_size_proportions(0.95, 0.1)

"""Chance to win and expected loss: Beta-Binomial against Evan Miller's exact sum and a seeded Monte Carlo;
the normal approximation by hand; invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats as st
from scipy.special import betaln

from boostloop.analytics.experiments import MeanStats, ProportionStats, beta_binomial, normal_bayes


def miller_prob_b_beats_a(alpha_a: int, beta_a: int, alpha_b: int, beta_b: int) -> float:
    """Evan Miller (2015), exact for integer alpha_b: sum_{i<alpha_b} B(a_A+i, b_A+b_B) / ((b_B+i) B(1+i, b_B) B(a_A, b_A))."""
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            betaln(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - betaln(1 + i, beta_b)
            - betaln(alpha_a, beta_a)
        )
    return total


@pytest.mark.parametrize(
    ("na", "ca", "nb", "cb"),
    [(100, 10, 100, 15), (50, 2, 60, 9), (1000, 48, 1000, 52), (400, 37, 380, 20), (3000, 150, 2900, 175)],
)
def test_chance_to_win_matches_the_exact_sum(na, ca, nb, cb):
    r = beta_binomial(ProportionStats(na, ca), ProportionStats(nb, cb))
    exact = miller_prob_b_beats_a(1 + ca, 1 + na - ca, 1 + cb, 1 + nb - cb)
    assert r.chance_to_win == pytest.approx(exact, abs=1e-7)


@pytest.mark.parametrize(
    ("na", "ca", "nb", "cb"), [(100, 10, 100, 15), (800, 40, 800, 31), (20000, 1000, 20000, 1090)]
)
def test_expected_loss_matches_seeded_monte_carlo(na, ca, nb, cb):
    rng = np.random.default_rng(20261124)
    draws = 2_000_000
    pa = rng.beta(1 + ca, 1 + na - ca, draws)
    pb = rng.beta(1 + cb, 1 + nb - cb, draws)
    r = beta_binomial(ProportionStats(na, ca), ProportionStats(nb, cb))
    loss_b, loss_a = np.maximum(pa - pb, 0.0), np.maximum(pb - pa, 0.0)
    for mine, mc in ((r.expected_loss_treatment, loss_b), (r.expected_loss_control, loss_a)):
        assert abs(mine - mc.mean()) < 4 * mc.std() / math.sqrt(draws) + 1e-12
    assert abs(r.chance_to_win - (pb > pa).mean()) < 4 * math.sqrt(0.25 / draws)


def test_no_data_is_the_uniform_prior():
    r = beta_binomial(ProportionStats(0, 0), ProportionStats(0, 0))
    # Two independent U(0,1): P(B > A) = 1/2 and E[max(A - B, 0)] = 1/6.
    assert r.chance_to_win == pytest.approx(0.5, abs=1e-9)
    assert r.expected_loss_treatment == pytest.approx(1 / 6, abs=1e-9)
    assert r.expected_loss_control == pytest.approx(1 / 6, abs=1e-9)
    assert r.defined


def test_beta_binomial_agrees_with_the_normal_approximation_at_large_n():
    a, b = ProportionStats(200_000, 10_000), ProportionStats(200_000, 10_250)
    exact, approx = beta_binomial(a, b), normal_bayes(a, b)
    assert exact.chance_to_win == pytest.approx(approx.chance_to_win, abs=2e-3)
    assert exact.expected_loss_treatment == pytest.approx(approx.expected_loss_treatment, rel=0.05, abs=1e-7)


def test_normal_bayes_by_hand():
    a, b = MeanStats.from_values([1.0, 2.0, 3.0, 6.0]), MeanStats.from_values([2.0, 4.0, 5.0, 7.0, 9.0])
    r = normal_bayes(a, b)
    d = 27 / 5 - 3.0
    v = np.var([1, 2, 3, 6], ddof=1) / 4 + np.var([2, 4, 5, 7, 9], ddof=1) / 5
    sd = math.sqrt(v)
    assert r.chance_to_win == pytest.approx(st.norm.cdf(d / sd))
    # E[max(-delta, 0)] for delta ~ N(d, v), by numerical integration.
    grid = np.linspace(d - 12 * sd, d + 12 * sd, 400_001)
    dens = st.norm.pdf(grid, d, sd)
    assert r.expected_loss_treatment == pytest.approx(
        np.trapezoid(np.maximum(-grid, 0) * dens, grid), rel=1e-6
    )
    assert r.expected_loss_control == pytest.approx(np.trapezoid(np.maximum(grid, 0) * dens, grid), rel=1e-6)


def test_normal_bayes_degenerate():
    r = normal_bayes(MeanStats(0, 0.0, 0.0), MeanStats(3, 3.0, 3.0))
    assert not r.defined and r.chance_to_win == 0.5 and r.expected_loss_treatment == 0.0
    r = normal_bayes(MeanStats.from_values([2.0, 2.0]), MeanStats.from_values([2.0, 2.0, 2.0]))
    assert not r.defined and r.credible_interval is None


counts = hs.integers(0, 3000).flatmap(lambda n: hs.tuples(hs.just(n), hs.integers(0, n)))


@settings(max_examples=40, deadline=None)
@given(counts, counts)
def test_beta_binomial_invariants(ca, cb):
    a, b = ProportionStats(*ca), ProportionStats(*cb)
    r, s = beta_binomial(a, b), beta_binomial(b, a)
    assert 0.0 <= r.chance_to_win <= 1.0
    assert r.chance_to_win + s.chance_to_win == pytest.approx(1.0, abs=1e-6)
    assert r.expected_loss_treatment == pytest.approx(s.expected_loss_control, abs=1e-7)
    assert r.expected_loss_treatment >= 0.0 and r.expected_loss_control >= 0.0

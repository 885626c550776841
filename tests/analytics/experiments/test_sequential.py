"""mSPRT: the formula by hand, Ville's bound by simulation against daily-peeked fixed-horizon tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boostloop.analytics.experiments import ProportionStats, msprt, msprt_from_estimate, two_proportion_test
from boostloop.analytics.experiments.sequential import mixing_rho_squared


def test_mixture_likelihood_ratio_by_hand():
    # theta_hat = 0.02, V = 1e-4 (z = 2), N = 5000, N* = 5000, alpha = 0.05.
    c = -2 * math.log(0.05)
    rho2 = (c + math.log(1 + c)) / 5000
    r = 5000 * rho2
    tau2 = 1e-4 * r
    lam = math.sqrt(1e-4 / (1e-4 + tau2)) * math.exp(0.02**2 * tau2 / (2 * 1e-4 * (1e-4 + tau2)))
    res = msprt_from_estimate(0.02, 1e-4, 5000, tuning_sample=5000)
    assert res.tau_squared == pytest.approx(tau2)
    assert res.log_likelihood_ratio == pytest.approx(math.log(lam))
    assert res.p_value == pytest.approx(min(1.0, 1 / lam))
    # At z = 2 a fixed-horizon test rejects (p = 0.0455) but the always-valid one does not.
    assert res.p_value > 0.05
    # The confidence sequence contains exactly the thetas the test does not reject.
    low, high = res.ci
    for edge in (low, high):
        shifted = msprt_from_estimate(0.02 - edge, 1e-4, 5000, tuning_sample=5000)
        assert shifted.p_value == pytest.approx(0.05, rel=1e-9)


def test_r_star_is_the_optimum_at_the_tuning_sample():
    """tau^2 makes the boundary narrowest at N = N* (approximately: Howard et al.'s closed form)."""
    alpha, n_star = 0.05, 10_000.0
    c = -2 * math.log(alpha)
    r_exact = c
    for _ in range(100):  # fixed point of r = c + ln(1 + r)
        r_exact = c + math.log1p(r_exact)
    r_closed = n_star * mixing_rho_squared(alpha, n_star)
    assert r_closed == pytest.approx(r_exact, rel=0.05)  # 7.94 against 8.21 at alpha = 0.05

    def width(r: float) -> float:  # boundary half-width in units of sqrt(V)
        return math.sqrt((1 + 1 / r) * (c + math.log1p(r)))

    assert width(r_closed) == pytest.approx(width(r_exact), rel=1e-3)
    assert width(r_exact) < width(0.5 * r_exact) and width(r_exact) < width(2 * r_exact)


def test_previous_p_value_is_a_running_minimum_and_degenerate_is_defined():
    a, b = ProportionStats(1000, 50), ProportionStats(1000, 52)
    assert msprt(a, b, tuning_sample=2000, previous_p_value=0.01).p_value == 0.01
    empty = msprt(ProportionStats(0, 0), ProportionStats(0, 0), tuning_sample=2000)
    assert not empty.defined and empty.p_value == 1.0 and empty.ci is None
    flat = msprt(ProportionStats(100, 0), ProportionStats(100, 0), tuning_sample=2000)
    assert not flat.defined and flat.p_value == 1.0
    huge = msprt_from_estimate(1.0, 1e-12, 10**6, tuning_sample=1e6)
    assert huge.p_value == 0.0 and math.isfinite(huge.log_likelihood_ratio)


def daily_peeking_false_positive_rates(
    experiments: int, days: int, per_day: int, rate: float, seed: int, alpha: float = 0.05
) -> tuple[float, float]:
    """A/A experiments (no true effect), looked at once a day; the share that ever reject at alpha."""
    rng = np.random.default_rng(seed)
    conv = rng.binomial(per_day, rate, size=(experiments, days, 2)).cumsum(axis=1)
    tuning = 2.0 * per_day * days  # N* = the planned total sample
    fixed_hits = seq_hits = 0
    for e in range(experiments):
        fixed = seq = False
        for d in range(days):
            n = per_day * (d + 1)
            a, b = ProportionStats(n, int(conv[e, d, 0])), ProportionStats(n, int(conv[e, d, 1]))
            fixed = fixed or two_proportion_test(a, b, alpha).absolute.p_value < alpha
            seq = seq or msprt(a, b, alpha=alpha, tuning_sample=tuning).p_value < alpha
        fixed_hits += fixed
        seq_hits += seq
    return fixed_hits / experiments, seq_hits / experiments


def test_msprt_keeps_the_false_positive_rate_under_daily_peeking():
    fixed, seq = daily_peeking_false_positive_rates(experiments=400, days=30, per_day=200, rate=0.05, seed=7)
    print(f"daily peeking over 30 days, 400 A/A tests: fixed-horizon FPR={fixed:.3f}, mSPRT FPR={seq:.3f}")
    assert seq <= 0.05
    # Peeking 30 times at a fixed-horizon test: the known inflation to roughly 20-30 %.
    assert fixed > 0.12

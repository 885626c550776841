from __future__ import annotations

import numpy as np
import pytest

from boostloop.analytics.effectiveness.overlap import PI_UNKNOWN, overlap_draws, overlap_point, paid_first_share


def test_paid_first_share_by_hand():
    # organic at 1, 5, 10; paid at 2, 5, 20. Paid before each organic one (ties one half):
    # 1 -> 0; 5 -> 1 (at 2) + 1/2 (the tie at 5) = 1.5; 10 -> 2. (0 + 1.5 + 2) / (3 * 3) = 0.3889.
    assert paid_first_share([1, 5, 10], [2, 5, 20]) == pytest.approx(3.5 / 9)
    assert paid_first_share([10, 11], [1, 2]) == 1.0
    assert paid_first_share([1, 2], [10]) == 0.0
    assert paid_first_share([], [1.0]) == PI_UNKNOWN and paid_first_share([1.0], []) == PI_UNKNOWN


def test_overlap_point_by_hand():
    # P = 40, s = 0.25, rho = O / R = 20 / 1000 = 0.02, pi = 0.4: E = 40 * 0.25 * 0.02 * 0.4 = 0.08
    assert overlap_point(paid_conversions=40, organic_conversions=20, organic_reach=1000,
                         share_paid_also_organic=0.25, paid_first=0.4) == pytest.approx(0.08)
    assert overlap_point(paid_conversions=40, organic_conversions=20, organic_reach=0,
                         share_paid_also_organic=0.25, paid_first=0.4) == 0.0


def test_overlap_draws_are_binomial_of_binomial():
    # Binomial(Binomial(400, 0.5), 0.1 * 1) is Binomial(400, 0.05): mean 20, variance 400 * 0.05 * 0.95 = 19.
    rng = np.random.default_rng(3)
    d = overlap_draws(rng, np.full(40_000, 0.1), paid_conversions=400, share_paid_also_organic=0.5, paid_first=1.0)
    assert d.mean() == pytest.approx(20.0, abs=0.1)  # sd of the mean: sqrt(19 / 40000) = 0.022
    assert d.var() == pytest.approx(19.0, rel=0.05)
    assert not overlap_draws(rng, np.full(10, 0.1), paid_conversions=0, share_paid_also_organic=0.5,
                             paid_first=1.0).any()


def test_bad_shares_name_the_field():
    with pytest.raises(ValueError, match="share_paid_also_organic"):
        overlap_point(paid_conversions=1, organic_conversions=1, organic_reach=10, share_paid_also_organic=1.5,
                      paid_first=0.5)
    with pytest.raises(ValueError, match="paid_first"):
        overlap_draws(np.random.default_rng(0), np.ones(3), paid_conversions=1, share_paid_also_organic=0.5,
                      paid_first=-0.1)

from __future__ import annotations

import math

import numpy as np
import pytest

from boostloop.analytics.effectiveness.trajectory import clean_series, fit_decay_curve, value_at

from .conftest import exp_curve


def test_fit_recovers_a_noise_free_curve():
    ages = np.arange(1, 25, dtype=float)
    fit = fit_decay_curve(ages, exp_curve(5000.0, 8.0, ages))
    assert fit is not None
    assert fit.lifetime_total == pytest.approx(5000.0, rel=1e-4)
    assert fit.tau_hours == pytest.approx(8.0, rel=1e-4)


def test_growth_formula_by_hand():
    # A = 1000, tau = 10 h: G(10, 10) = 1000 (e^-1 - e^-2) = 1000 (0.367879 - 0.135335) = 232.544
    ages = np.arange(1, 40, dtype=float)
    fit = fit_decay_curve(ages, exp_curve(1000.0, 10.0, ages))
    assert float(fit.growth(10.0, 10.0)) == pytest.approx(232.544, abs=0.05)
    assert float(fit.cumulative(10.0)) == pytest.approx(632.121, abs=0.05)  # 1000 (1 - e^-1)


def test_fit_uses_only_points_up_to_the_boost_age():
    ages = np.arange(1, 49, dtype=float)
    c = exp_curve(1000.0, 10.0, ages)
    c[ages > 12] += 500.0  # a boost at 12 h adds results that must not leak into the fit
    fit = fit_decay_curve(ages, c, up_to_age_hours=12.0)
    assert fit.n_points == 12
    assert fit.lifetime_total == pytest.approx(1000.0, rel=1e-3)


@pytest.mark.parametrize("ages,values", [([], []), ([1, 2], [5, 9]), ([1, 2, 3], [0, 0, 0])])
def test_too_little_history_gives_none(ages, values):
    assert fit_decay_curve(ages, values) is None


def test_clean_series_sorts_drops_bad_points_and_keeps_totals_cumulative():
    t, c = clean_series([3, 1, 2, float("nan"), -1, 4], [30, 10, 25, 99, 5, 28])
    assert t.tolist() == [1, 2, 3, 4]
    assert c.tolist() == [10, 25, 30, 30]  # the 28 after 30 is a platform correction: running max


def test_value_at_interpolates_and_refuses_to_extrapolate():
    assert value_at([2, 4], [20, 40], 3.0) == pytest.approx(30.0)
    assert value_at([2, 4], [20, 40], 1.0) == pytest.approx(10.0)  # C(0) = 0 at publication
    assert value_at([2, 4], [20, 40], 5.0) is None
    assert value_at([], [], 1.0) is None
    assert math.isclose(value_at([2, 4], [20, 40], 4.0), 40.0)


def test_matches_scipy_curve_fit_on_noisy_series():
    """The variable-projection fit reaches the optimum scipy's curve_fit finds (same weighted objective)."""
    from scipy.optimize import curve_fit

    rng = np.random.default_rng(2)
    for _ in range(10):
        ages = np.arange(1, 30, dtype=float)
        a_true, tau_true = rng.lognormal(7, 1), rng.lognormal(2.5, 0.5)
        c = np.cumsum(rng.poisson(np.diff(np.concatenate([[0], exp_curve(a_true, tau_true, ages)]))))
        fit = fit_decay_curve(ages, c)
        sigma = np.sqrt(np.maximum(c, 1.0))
        popt, _ = curve_fit(lambda t, a, tau: a * -np.expm1(-t / tau), ages, c, p0=(c[-1] * 1.2, 10.0),
                            sigma=sigma, bounds=((c[-1], 0.1), (c[-1] * 1e4, 8760.0)), maxfev=10_000)

        def ssr(a, tau):
            return float((((c - a * -np.expm1(-ages / tau)) / sigma) ** 2).sum())

        assert ssr(fit.lifetime_total, fit.tau_hours) <= ssr(*popt) * (1 + 1e-6) + 1e-9
        assert fit.lifetime_total == pytest.approx(popt[0], rel=1e-3)
        assert fit.tau_hours == pytest.approx(popt[1], rel=1e-3)

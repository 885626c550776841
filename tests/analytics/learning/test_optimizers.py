from __future__ import annotations

import math

import numpy as np
import pytest

from boostloop.analytics.learning.features import build_training_rows, model_inputs
from boostloop.analytics.learning.optimizers import (
    fit_response_curve,
    optimize_targeting,
    predict_boost_outcome,
    response_curve,
    suggest_budget,
    suggest_timing,
    value_per_conversion,
)
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel
from tests.analytics.learning.synthetic import SEGMENT_EFFECT, make_records

SEGMENTS = {
    "YOUNG": {"age_min": 18, "age_max": 45, "interests": [], "locations": ["US"]},
    "BROAD": {"age_min": 18, "age_max": 65, "interests": [], "locations": ["US"]},
    "NICHE": {"age_min": 18, "age_max": 65, "interests": ["a", "a"], "locations": ["US"]},
}


@pytest.fixture(scope="module")
def fitted():
    ts = build_training_rows(make_records(500, 21), "UTC")
    X, Y = model_inputs(ts.rows)
    return BoostOutcomeModel().fit(X, np.array(Y)), X, [r.labels for r in ts.rows if r.is_training_ready]


def test_response_curve_recovers_a_known_saturation():
    rng = np.random.default_rng(0)
    b = rng.uniform(1_000, 150_000, 400)
    v = 90_000 * (1 - np.exp(-b / 30_000)) * rng.lognormal(0, 0.15, 400)
    v_max, k = fit_response_curve(b, v)
    assert v_max == pytest.approx(90_000 * math.exp(0.15**2 / 2), rel=0.08)
    assert k == pytest.approx(30_000, rel=0.1)
    assert response_curve(b[:19], v[:19]) is None  # fewer than 20 boosts
    assert response_curve(np.full(50, 1000.0), v[:50]) is None  # no spread in spend


@pytest.mark.slow
def test_budget_from_the_curve_is_where_marginal_return_meets_the_target(fitted):
    model, X, _ = fitted
    curve = response_curve(*zip(*[(b, 90_000 * (1 - math.exp(-b / 30_000))) for b in np.linspace(1_000, 150_000, 40)]))
    row = X[-1]
    for t in (1.0, 1.5):
        s = suggest_budget(model, row, t, min_cents=1_000, max_cents=300_000, reference_rows=[row], curve=curve)
        # the curve is the boost's own: B* = K ln(Vmax / (K t))
        expected = curve.k_cents * math.log(curve.v_max_cents / (curve.k_cents * t))
        assert s.budget_cents == pytest.approx(expected, abs=1)
        assert s.marginal_roas_at_budget == pytest.approx(t, rel=1e-3)
    # a target no budget reaches at the margin: the smallest budget
    s = suggest_budget(model, row, 10.0, min_cents=1_000, max_cents=300_000, reference_rows=[row], curve=curve)
    assert s.budget_cents == 1_000


@pytest.mark.slow
def test_timing_and_targeting_find_the_planted_effects(fitted):
    model, X, labels = fitted
    t = suggest_timing(model, X[-1], reference_rows=X[-80:])
    assert set(t.best_hours) <= {17, 18, 19, 20}
    assert len(t.grid) == 7 and len(t.grid[0]) == 24 and t.best_roi >= max(t.hour_profile) - 1e-9
    best = optimize_targeting(model, X[-1], SEGMENTS)
    assert best.segment == max(SEGMENT_EFFECT, key=SEGMENT_EFFECT.get)
    f = predict_boost_outcome(model, X[-1])
    assert f.roi[1] <= f.roi[0] <= f.roi[2] and f.level == pytest.approx(0.9)
    vpc = value_per_conversion(labels)
    assert vpc == pytest.approx(5_000)  # every synthetic conversion is worth 5,000 cents

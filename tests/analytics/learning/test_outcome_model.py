from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone

from boostloop.analytics.learning.evaluation import budget_band, coverage_report, train_and_validate
from boostloop.analytics.learning.features import build_training_rows, model_inputs
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel, _to_model_scale, conformal_quantile
from boostloop.analytics.learning.priors import prior_outcome
from tests.analytics.learning.synthetic import make_records


@pytest.fixture(scope="module")
def data():
    X, Y = model_inputs(build_training_rows(make_records(400, 11), "UTC").rows)
    Xt, Yt = model_inputs(build_training_rows(make_records(1000, 12), "UTC").rows)
    return X, np.array(Y), Xt, np.array(Yt)


@pytest.fixture(scope="module")
def trained(data):
    X, Y, _, _ = data
    return train_and_validate(X, Y)


@pytest.fixture(scope="module")
def fitted(trained):
    return trained.model  # refit on all 400 rows


def test_conformal_quantile_rank():
    # n = 9, alpha = 0.1: rank ceil(10 * 0.9) = 9 -> the largest; n = 8: rank 9 > 8 -> infinite
    assert conformal_quantile(np.arange(1, 10), 0.1) == 9
    assert conformal_quantile(np.arange(1, 9), 0.1) == math.inf
    # n = 19: rank 18
    assert conformal_quantile(np.arange(19), 0.1) == 17
    assert conformal_quantile(np.array([]), 0.1) == math.inf


@pytest.mark.slow
def test_cqr_covers_90_percent_of_fresh_boosts_and_raw_quantiles_do_not(fitted, data):
    _, _, Xt, Yt = data
    assert fitted.method_ == "cqr" and fitted.n_calibration_ == 120
    pred = fitted.predict_interval(Xt)
    raw = fitted.predict_raw_interval(Xt)
    cov = ((Yt >= pred.lower) & (Yt <= pred.upper)).mean(axis=0)
    raw_cov = ((Yt >= raw.lower) & (Yt <= raw.upper)).mean(axis=0)
    assert np.all((cov >= 0.85) & (cov <= 0.96)), cov
    assert np.all(raw_cov < cov), (raw_cov, cov)
    assert np.all(pred.lower <= pred.point) and np.all(pred.point <= pred.upper)
    assert np.all(pred.lower[:, :2] >= 0) and np.all(pred.lower[:, 2] >= -1)


@pytest.mark.slow
def test_own_cqr_equals_mapie_on_the_same_quantile_regressors(fitted, data):
    from mapie.regression import ConformalizedQuantileRegressor

    X, Y, Xt, _ = data
    Xm = fitted.encoder_.transform(X)[:, fitted.columns_]
    Xq = fitted.encoder_.transform(Xt[:50])[:, fitted.columns_]
    Z = _to_model_scale(Y)
    _, lo, hi = fitted._model_scale(Xt[:50])
    for j in range(3):
        m_lo, m_mid, m_hi = fitted.models_[j]
        ref = ConformalizedQuantileRegressor([m_lo, m_hi, m_mid], confidence_level=0.9, prefit=True)
        ref.conformalize(Xm[fitted.n_train_:], Z[fitted.n_train_:, j])
        _, iv = ref.predict_interval(Xq, symmetric_correction=True)
        np.testing.assert_allclose(iv[:, 0, 0], lo[:, j], atol=1e-9)
        np.testing.assert_allclose(iv[:, 1, 0], hi[:, j], atol=1e-9)


@pytest.mark.slow
def test_point_predictions_beat_the_workspace_average_and_linear_baselines(trained):
    v = trained.validation
    assert v.method == "cqr" and v.holdout_rows == 80
    for t in ("reach", "conversions"):
        assert v.mae[t] < v.baseline_mae["workspace_average"][t]
        assert v.mae[t] < v.baseline_mae["linear"][t]
    assert set(v.coverage["by_platform"]) == {"FACEBOOK", "INSTAGRAM"}
    assert 0 < v.validity <= 1


@pytest.mark.slow
def test_few_rows_shrink_towards_platform_priors_with_wider_intervals(data, fitted):
    X, Y, Xt, _ = data
    empty = BoostOutcomeModel().fit([], np.zeros((0, 3)))
    assert empty.method_ == "shrinkage"
    probe = [dict(Xt[0], platform="LINKEDIN", budget_cents=10_000)]
    p = empty.predict_interval(probe)
    reach, conv, roi = prior_outcome("LINKEDIN", 10_000)
    np.testing.assert_allclose(p.point[0], [reach, conv, roi], rtol=1e-9)
    # no rows: t(4) quantile x sqrt(k s0^2 / (k - 1)) x sqrt(1 + 1/k) on the log1p scale, k = 5, s0 = 1
    half = stats.t.ppf(0.95, 4) * math.sqrt(5 / 4) * math.sqrt(1.2)
    assert math.log1p(p.upper[0, 0]) - math.log1p(reach) == pytest.approx(half, rel=1e-9)
    widths = []
    for n in (5, 20, 60):
        m = BoostOutcomeModel().fit(X[:n], Y[:n])
        assert m.method_ == "shrinkage"
        q = m.predict_interval(probe)
        widths.append(math.log1p(q.upper[0, 1]) - math.log1p(q.lower[0, 1]))
    assert widths[0] > widths[-1]
    # the CQR regime (400 rows) is narrower than the shrinkage regime on the same boost
    big = fitted.predict_interval([X[-1]])
    small = BoostOutcomeModel().fit(X[:20], Y[:20]).predict_interval([X[-1]])
    assert (big.upper[0, 2] - big.lower[0, 2]) < (small.upper[0, 2] - small.lower[0, 2])


def test_shrinkage_centre_moves_towards_the_workspace_by_n_over_n_plus_k():
    row = {"platform": "FACEBOOK", "budget_cents": 10_000}
    reach, conv, roi = prior_outcome("FACEBOOK", 10_000)
    Y = np.tile([reach, conv, roi + 2.0], (5, 1))  # ROI 2 above the prior on 5 rows
    m = BoostOutcomeModel(prior_strength=5.0).fit([row] * 5, Y)
    assert m.predict([row])[0, 2] == pytest.approx(roi + 2.0 * 5 / 10)


def test_bad_targets_name_the_row():
    with pytest.raises(ValueError, match="row 1"):
        BoostOutcomeModel().fit([{}, {}], np.array([[1, 1, 0.0], [np.nan, 1, 0]]))


@pytest.mark.slow
def test_is_a_scikit_learn_estimator(fitted):
    c = clone(fitted)
    assert c.get_params()["alpha"] == 0.1 and not hasattr(c, "models_")


def test_coverage_report_groups_by_budget_band():
    assert budget_band(4_999) == "<$50" and budget_band(5_000) == "$50-200" and budget_band(10**6) == ">=$1000"

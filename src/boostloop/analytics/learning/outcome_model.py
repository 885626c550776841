"""The outcome model: a planned boost's incremental reach, conversions and ROI with 90 % intervals.

Two regimes, chosen by how many training-ready boosts the workspace has (``min_rows_for_cqr``, 80):

* **Split conformalized quantile regression** (CQR; Romano, Patterson & Candes, "Conformalized Quantile
  Regression", NeurIPS 2019). Rows are in time order; the first ``1 - calibration_fraction`` train three
  gradient-boosted quantile regressors per target (``HistGradientBoostingRegressor(loss="quantile")`` at
  alpha/2, 0.5 and 1 - alpha/2), the last ``calibration_fraction`` (the most recent boosts) calibrate:

      E_i = max(q_lo(x_i) - y_i, y_i - q_hi(x_i))                       (conformity score, i in calibration)
      Q   = the ceil((n_cal + 1)(1 - alpha))-th smallest E_i             (finite-sample quantile)
      C(x) = [q_lo(x) - Q, q_hi(x) + Q]

  which covers a new exchangeable y with probability >= 1 - alpha (Romano et al., Theorem 1). A time-ordered
  calibration set is the honest choice for boosts (exchangeability is only approximately true under drift;
  calibrating on the newest boosts makes Q reflect the current regime). The threshold: Q is finite only
  when ceil((n_cal + 1)(1 - alpha)) <= n_cal, i.e. n_cal >= 19 at alpha = 0.1; 80 rows x 0.3 = 24
  calibration rows clear it with room.
  Reach and conversions are modelled as log1p(y) and ROI as is; conformal coverage is invariant under such a
  monotone transform, and intervals are mapped back and clipped to the target's range (>= 0; ROI >= -1).

* **Shrinkage towards platform priors** (fewer rows; a new workspace). On the same scales, the residual of
  each row against the platform prior (``priors.prior_outcome``) is r_i = g(y_i) - g(prior_i). With
  k = ``prior_strength`` pseudo-rows (5: the platform benchmark counts as five of the workspace's own boosts)
  and prior standard deviation s0 (``PRIOR_SD``):

      offset  d = sum(r_i) / (n + k)                                    (shrunk towards 0 = the prior)
      s^2       = (k s0^2 + sum (r_i - mean r)^2) / (k + n - 1)
      interval  g(prior) + d +/- t_{1-alpha/2, k+n-1} x s x sqrt(1 + 1/(n + k))

  the posterior predictive of a normal model with a conjugate prior worth k observations (Gelman et al.,
  Bayesian Data Analysis, 3rd ed., section 3.3). With no rows it is the prior with t(4) quantiles; each row
  moves the centre towards the workspace and narrows the interval.

Point predictions are the median regressor (CQR) or the shrunk centre, mapped back to the target's units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from boostloop.analytics.learning.features import CATEGORICAL_FEATURES, FEATURE_NAMES, NUMERIC_FEATURES, TARGETS
from boostloop.analytics.learning.priors import prior_outcome

# Prior standard deviations on the modelling scale (log1p for reach and conversions, raw ROI): benchmark
# reports show advertisers' CPM and conversion rates spreading over roughly a factor e (log-sd ~ 1) around
# the averages, and ROI over about -1 to +3 (sd ~ 1).
PRIOR_SD = np.array([1.0, 1.0, 1.0])
LOG_TARGETS = (True, True, False)  # reach, conversions on log1p; ROI raw
LOWER_BOUND = np.array([0.0, 0.0, -1.0])  # reach >= 0, conversions >= 0, ROI >= -1 (at most lose the spend)


class FeatureEncoder:
    """Feature dicts -> a float matrix (categories as integer codes learned at fit, unseen -> NaN)."""

    def __init__(self) -> None:
        self.vocab_: dict[str, dict[str, int]] = {}

    def fit(self, rows: Sequence[Mapping]) -> FeatureEncoder:
        for name in CATEGORICAL_FEATURES:
            values = sorted({str(r.get(name)) for r in rows if r.get(name) is not None})
            self.vocab_[name] = {v: i for i, v in enumerate(values)}
        return self

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array([n in CATEGORICAL_FEATURES for n in FEATURE_NAMES])

    def transform(self, rows: Sequence[Mapping]) -> np.ndarray:
        X = np.full((len(rows), len(FEATURE_NAMES)), np.nan)
        for i, r in enumerate(rows):
            for j, name in enumerate(FEATURE_NAMES):
                v = r.get(name)
                if v is None:
                    continue
                if name in CATEGORICAL_FEATURES:
                    code = self.vocab_.get(name, {}).get(str(v))
                    if code is not None:
                        X[i, j] = code
                else:
                    try:
                        fv = float(v)
                    except (TypeError, ValueError):
                        continue
                    X[i, j] = fv if math.isfinite(fv) else np.nan
        return X


def _to_model_scale(Y: np.ndarray) -> np.ndarray:
    Z = np.array(Y, dtype=float, copy=True)
    for j, is_log in enumerate(LOG_TARGETS):
        if is_log:
            Z[:, j] = np.log1p(np.maximum(Z[:, j], 0.0))
    return Z


def _from_model_scale(Z: np.ndarray) -> np.ndarray:
    Y = np.array(Z, dtype=float, copy=True)
    for j, is_log in enumerate(LOG_TARGETS):
        if is_log:
            Y[:, j] = np.expm1(np.clip(Y[:, j], -50, 50))
    return np.maximum(Y, LOWER_BOUND)


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """The ceil((n+1)(1-alpha))-th smallest score; +inf when that rank exceeds n (too few scores)."""
    s = np.sort(np.asarray(scores, dtype=float))
    n = s.size
    k = math.ceil((n + 1) * (1.0 - alpha))
    if n == 0 or k > n:
        return math.inf
    return float(s[k - 1])


@dataclass(frozen=True)
class IntervalPrediction:
    """Predictions for n boosts x 3 targets (``TARGETS`` order), in the targets' own units."""

    point: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    method: str

    def row(self, i: int) -> dict:
        return {
            t: {"point": float(self.point[i, j]), "low": float(self.lower[i, j]), "high": float(self.upper[i, j])}
            for j, t in enumerate(TARGETS)
        }


class BoostOutcomeModel(RegressorMixin, BaseEstimator):
    """Predicts (incremental reach, conversions, ROI) of boosts from their feature dicts.

    ``fit(X, Y)``: ``X`` a sequence of feature dicts (``features.boost_features``) **in time order**, ``Y``
    an (n, 3) array of the targets. ``predict`` gives the point predictions, ``predict_interval`` an
    :class:`IntervalPrediction` at level 1 - ``alpha``; ``predict_raw_interval`` the unconformalized quantile
    regressors' interval (to show what conformalization adds).
    """

    def __init__(
        self,
        alpha: float = 0.1,
        calibration_fraction: float = 0.3,
        min_rows_for_cqr: int = 80,
        prior_strength: float = 5.0,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 10,
        priors: Mapping | None = None,
        random_state: int = 0,
    ) -> None:
        self.alpha = alpha
        self.calibration_fraction = calibration_fraction
        self.min_rows_for_cqr = min_rows_for_cqr
        self.prior_strength = prior_strength
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.priors = priors
        self.random_state = random_state

    # --- fitting -------------------------------------------------------------------------------------
    def _quantile_regressor(self, q: float, cat_mask: np.ndarray) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            loss="quantile",
            quantile=q,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            categorical_features=cat_mask,
            random_state=self.random_state,
        )

    def fit(self, X: Sequence[Mapping], Y: np.ndarray) -> BoostOutcomeModel:
        # One OpenMP thread: on a shared 2-core machine the same 400-row fit took 3.7 s single-threaded and
        # 40-230 s with OpenMP's default thread team (spin-waiting against other processes), measured here.
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._fit(X, Y)

    def _fit(self, X: Sequence[Mapping], Y: np.ndarray) -> BoostOutcomeModel:
        rows = list(X)
        Y = np.asarray(Y, dtype=float).reshape(len(rows), len(TARGETS))
        if not np.all(np.isfinite(Y)):
            bad = int(np.argwhere(~np.isfinite(Y))[0][0])
            raise ValueError(f"Y row {bad}: every target must be a finite number")
        self.n_rows_ = len(rows)
        self.encoder_ = FeatureEncoder().fit(rows)
        Z = _to_model_scale(Y)
        n_cal = int(round(self.n_rows_ * self.calibration_fraction))
        if self.n_rows_ < self.min_rows_for_cqr or conformal_quantile(np.zeros(n_cal), self.alpha) == math.inf:
            self.method_ = "shrinkage"
            self._fit_shrinkage(rows, Z)
            return self
        self.method_ = "cqr"
        n_train = self.n_rows_ - n_cal
        Xm = self.encoder_.transform(rows)
        # Columns with no value at all in the training part carry nothing (and trip the binner): dropped.
        self.columns_ = np.flatnonzero(np.isfinite(Xm[:n_train]).any(axis=0))
        Xm = Xm[:, self.columns_]
        mask = self.encoder_.categorical_mask[self.columns_]
        lo_q, hi_q = self.alpha / 2.0, 1.0 - self.alpha / 2.0
        self.models_ = []
        self.q_hat_ = np.zeros(len(TARGETS))
        for j in range(len(TARGETS)):
            trio = []
            for q in (lo_q, 0.5, hi_q):
                m = self._quantile_regressor(q, mask)
                m.fit(Xm[:n_train], Z[:n_train, j])
                trio.append(m)
            lo = trio[0].predict(Xm[n_train:])
            hi = trio[2].predict(Xm[n_train:])
            lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
            scores = np.maximum(lo - Z[n_train:, j], Z[n_train:, j] - hi)
            self.q_hat_[j] = conformal_quantile(scores, self.alpha)
            self.models_.append(trio)
        self.n_train_, self.n_calibration_ = n_train, n_cal
        return self

    def _prior_matrix(self, rows: Sequence[Mapping]) -> np.ndarray:
        P = np.array(
            [prior_outcome(r.get("platform"), r.get("budget_cents") or 0.0, self.priors) for r in rows], dtype=float
        ).reshape(len(rows), len(TARGETS))
        return _to_model_scale(P)

    def _fit_shrinkage(self, rows: Sequence[Mapping], Z: np.ndarray) -> None:
        n, k = len(rows), float(self.prior_strength)
        R = Z - self._prior_matrix(rows) if n else np.zeros((0, len(TARGETS)))
        self.offset_ = R.sum(axis=0) / (n + k)
        ss = ((R - R.mean(axis=0)) ** 2).sum(axis=0) if n > 1 else np.zeros(len(TARGETS))
        df = k + n - 1.0
        self.scale_ = np.sqrt((k * PRIOR_SD**2 + ss) / df) * math.sqrt(1.0 + 1.0 / (n + k))
        self.t_ = float(stats.t.ppf(1.0 - self.alpha / 2.0, df))
        self.n_train_, self.n_calibration_ = n, 0

    # --- prediction ----------------------------------------------------------------------------------
    def _model_scale(self, rows: Sequence[Mapping], raw: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._model_scale_inner(rows, raw)

    def _model_scale_inner(self, rows: Sequence[Mapping], raw: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.method_ == "shrinkage":
            c = self._prior_matrix(rows) + self.offset_
            half = self.t_ * self.scale_
            return c, c - half, c + half
        Xm = self.encoder_.transform(rows)[:, self.columns_]
        n = len(rows)
        mid, lo, hi = (np.zeros((n, len(TARGETS))) for _ in range(3))
        for j, (m_lo, m_mid, m_hi) in enumerate(self.models_):
            a, b = m_lo.predict(Xm), m_hi.predict(Xm)
            a, b = np.minimum(a, b), np.maximum(a, b)
            q = 0.0 if raw else self.q_hat_[j]
            lo[:, j], hi[:, j] = a - q, b + q
            mid[:, j] = np.clip(m_mid.predict(Xm), lo[:, j], hi[:, j])
        return mid, lo, hi

    def predict(self, X: Sequence[Mapping]) -> np.ndarray:
        mid, _, _ = self._model_scale(list(X))
        return _from_model_scale(mid)

    def predict_interval(self, X: Sequence[Mapping]) -> IntervalPrediction:
        rows = list(X)
        mid, lo, hi = self._model_scale(rows)
        return IntervalPrediction(
            _from_model_scale(mid), _from_model_scale(lo), _from_model_scale(hi), 1.0 - self.alpha, self.method_
        )

    def predict_raw_interval(self, X: Sequence[Mapping]) -> IntervalPrediction:
        """The quantile regressors' own interval, not conformalized (CQR regime only; else the same)."""
        rows = list(X)
        mid, lo, hi = self._model_scale(rows, raw=self.method_ == "cqr")
        return IntervalPrediction(
            _from_model_scale(mid), _from_model_scale(lo), _from_model_scale(hi), 1.0 - self.alpha, self.method_ + "-raw"
        )


__all__ = [
    "NUMERIC_FEATURES",
    "BoostOutcomeModel",
    "FeatureEncoder",
    "IntervalPrediction",
    "conformal_quantile",
]

"""Validation of the outcome model on a time-ordered holdout: coverage, error, and two baselines.

* coverage = share of held-out boosts whose realised target lies in the 90 % interval, overall, per
  platform and per budget band (``BUDGET_BANDS``), for the conformalized interval and, beside it, for the
  raw quantile-regression interval;
* error = mean absolute error [target units] of the point prediction, next to two baselines: the
  workspace's average boost (training mean) and a plain linear model (ordinary least squares on the same
  features, one-hot categories, median-imputed numbers, on the model's log1p / raw scales).

``train_and_validate`` holds out the newest ``holdout_fraction`` of the rows, fits on the rest, measures,
then refits on every row for production (the newest boosts matter most). The measured validity therefore
describes the same procedure one step earlier in time, which is what the next boosts will face.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LinearRegression

from boostloop.analytics.learning.features import CATEGORICAL_FEATURES, FEATURE_NAMES, TARGETS
from boostloop.analytics.learning.outcome_model import (
    BoostOutcomeModel,
    FeatureEncoder,
    IntervalPrediction,
    _from_model_scale,
    _to_model_scale,
)

# Budget bands [cents]: boost budgets run from a few dollars to thousands; bands about a factor 4 apart.
BUDGET_BANDS = ((0, 5_000, "<$50"), (5_000, 20_000, "$50-200"), (20_000, 100_000, "$200-1000"), (100_000, None, ">=$1000"))
MIN_HOLDOUT_FOR_VALIDITY = 10  # below this a coverage figure is too noisy (binomial sd > 0.09 at 0.9)


def budget_band(cents: float | None) -> str:
    c = float(cents or 0.0)
    for lo, hi, name in BUDGET_BANDS:
        if c >= lo and (hi is None or c < hi):
            return name
    return BUDGET_BANDS[0][2]


def _coverage(y: np.ndarray, pred: IntervalPrediction, idx: np.ndarray) -> dict:
    if idx.size == 0:
        return {}
    inside = (y[idx] >= pred.lower[idx] - 1e-9) & (y[idx] <= pred.upper[idx] + 1e-9)
    return {t: float(inside[:, j].mean()) for j, t in enumerate(TARGETS)} | {"n": int(idx.size)}


def coverage_report(rows: Sequence[Mapping], Y: np.ndarray, pred: IntervalPrediction) -> dict:
    """Coverage overall, per platform, per budget band."""
    Y = np.asarray(Y, dtype=float)
    all_idx = np.arange(len(rows))
    out = {"overall": _coverage(Y, pred, all_idx), "by_platform": {}, "by_budget_band": {}}
    for key, fn in (("by_platform", lambda r: str(r.get("platform"))), ("by_budget_band", lambda r: budget_band(r.get("budget_cents")))):
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            groups.setdefault(fn(r), []).append(i)
        out[key] = {g: _coverage(Y, pred, np.array(ix)) for g, ix in sorted(groups.items())}
    return out


class LinearBaseline:
    """OLS on one-hot categories and median-imputed numeric features (model scales)."""

    def fit(self, rows: Sequence[Mapping], Y: np.ndarray) -> LinearBaseline:
        self.enc_ = FeatureEncoder().fit(rows)
        X = self._raw(rows)
        med = np.zeros(X.shape[1])
        for j in range(X.shape[1]):
            col = X[:, j][np.isfinite(X[:, j])]
            med[j] = float(np.median(col)) if col.size else 0.0
        self.medians_ = med
        self.lr_ = LinearRegression().fit(self._design(rows), _to_model_scale(np.asarray(Y, dtype=float)))
        return self

    def _raw(self, rows: Sequence[Mapping]) -> np.ndarray:
        X = self.enc_.transform(rows)
        return X[:, [i for i, n in enumerate(FEATURE_NAMES) if n not in CATEGORICAL_FEATURES]]

    def _design(self, rows: Sequence[Mapping]) -> np.ndarray:
        num = self._raw(rows)
        num = np.where(np.isnan(num), self.medians_, num)
        codes = self.enc_.transform(rows)
        parts = [num]
        for name in CATEGORICAL_FEATURES:
            j = FEATURE_NAMES.index(name)
            k = len(self.enc_.vocab_.get(name, {}))
            oh = np.zeros((len(rows), k))
            for i, c in enumerate(codes[:, j]):
                if not np.isnan(c):
                    oh[i, int(c)] = 1.0
            parts.append(oh)
        return np.hstack(parts)

    def predict(self, rows: Sequence[Mapping]) -> np.ndarray:
        return _from_model_scale(self.lr_.predict(self._design(rows)))


@dataclass(frozen=True)
class Validation:
    """What the holdout said about the procedure; ``as_dict`` is stored in ``TrainedModel.validation``."""

    method: str
    training_rows: int
    holdout_rows: int
    coverage: dict
    raw_coverage: dict
    mae: dict
    baseline_mae: dict
    validity: float

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "training_rows": self.training_rows,
            "holdout_rows": self.holdout_rows,
            "coverage": self.coverage,
            "raw_quantile_coverage": self.raw_coverage,
            "mae": self.mae,
            "baseline_mae": self.baseline_mae,
            "validity": self.validity,
            "level": 0.9,
        }


def interval_validity(overall_coverage: Mapping | None, level: float = 0.9) -> float:
    """Measured validity in [0, 1]: mean over targets of min(1, coverage / level).

    Under-coverage is what makes an interval dishonest (over-coverage only makes it wide, which the width
    part of the confidence already penalises). Without a usable holdout (< ``MIN_HOLDOUT_FOR_VALIDITY``
    rows) validity is 0.5: unmeasured, so half-trusted.
    """
    if not overall_coverage or overall_coverage.get("n", 0) < MIN_HOLDOUT_FOR_VALIDITY:
        return 0.5
    return float(np.mean([min(1.0, overall_coverage[t] / level) for t in TARGETS]))


def validate(model: BoostOutcomeModel, train_rows, Y_train, test_rows, Y_test) -> Validation:
    Y_test = np.asarray(Y_test, dtype=float)
    pred = model.predict_interval(test_rows)
    raw = model.predict_raw_interval(test_rows)
    cov = coverage_report(test_rows, Y_test, pred) if len(test_rows) else {}
    raw_cov = coverage_report(test_rows, Y_test, raw) if len(test_rows) else {}
    mae, base = {}, {"workspace_average": {}, "linear": {}}
    if len(test_rows):
        avg = np.asarray(Y_train, dtype=float).mean(axis=0)
        lin = LinearBaseline().fit(train_rows, Y_train).predict(test_rows) if len(train_rows) >= 2 else np.tile(avg, (len(test_rows), 1))
        for j, t in enumerate(TARGETS):
            mae[t] = float(np.mean(np.abs(pred.point[:, j] - Y_test[:, j])))
            base["workspace_average"][t] = float(np.mean(np.abs(avg[j] - Y_test[:, j])))
            base["linear"][t] = float(np.mean(np.abs(lin[:, j] - Y_test[:, j])))
    return Validation(
        method=model.method_,
        training_rows=len(train_rows),
        holdout_rows=len(test_rows),
        coverage=cov,
        raw_coverage=raw_cov,
        mae=mae,
        baseline_mae=base,
        validity=interval_validity(cov.get("overall") if cov else None),
    )


@dataclass(frozen=True)
class TrainedOutcome:
    model: BoostOutcomeModel
    validation: Validation


def train_and_validate(
    rows: Sequence[Mapping], Y: np.ndarray, *, holdout_fraction: float = 0.2, **model_params
) -> TrainedOutcome:
    """Hold out the newest rows, fit, measure; refit on every row (rows must be in time order)."""
    rows = list(rows)
    Y = np.asarray(Y, dtype=float).reshape(len(rows), len(TARGETS))
    n_hold = int(round(len(rows) * holdout_fraction))
    cut = len(rows) - n_hold
    probe = BoostOutcomeModel(**model_params).fit(rows[:cut], Y[:cut])
    validation = validate(probe, rows[:cut], Y[:cut], rows[cut:], Y[cut:])
    final = BoostOutcomeModel(**model_params).fit(rows, Y)
    return TrainedOutcome(model=final, validation=validation)

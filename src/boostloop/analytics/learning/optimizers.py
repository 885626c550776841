"""Decisions built on the outcome model: predict a planned boost, and choose its timing, audience and budget.

Every function takes a fitted :class:`BoostOutcomeModel` and the feature dict of a planned boost
(``features.boost_features`` of the post with the plan filled in) and returns a frozen dataclass.

* ``predict_boost_outcome``: the model's point and 90 % interval for reach, conversions, ROI.
* ``suggest_timing``: predicts ROI on the 7 x 24 grid of start weekday x hour (workspace time zone) with
  everything else held fixed; the best cell, the hour profile (mean over weekdays) and its top
  ``TOP_HOURS`` hours.
* ``optimize_targeting``: predicts each candidate audience (segment and its targeting) and picks the best
  ROI; the gain over the current audience is reported with both intervals.
* ``suggest_budget``: predicts the conversion value V(B) on a log-spaced budget grid, as predicted
  conversions(B) x the workspace's value per conversion when that is given (preferred: conversions carry
  the budget's saturation clearly on the log scale, whereas ROI is a noisy ratio; on the simulator the
  conversions route recovered the true saturation budget, the ROI route did not), else (1 + ROI(B)) x B, and
  fits the saturating response curve

      V(B) = Vmax (1 - exp(-B / K))            (a standard diminishing-returns curve for paid media,
                                                e.g. Jin et al., "Bayesian Methods for Media Mix Modeling
                                                with Carryover and Shape Effects", Google 2017)

  by least squares. Its marginal return dV/dB = (Vmax / K) exp(-B / K) falls to the workspace target t
  (``Workspace.target_marginal_roas``, value per unit of spend) at

      B* = K ln(Vmax / (K t))   when Vmax / K > t, else 0 (no budget earns the target at the margin),

  clipped to the grid; ``extrapolated`` says when B* sits at the grid's top (the curve has not saturated
  within the budgets the workspace has tried).

  Preferred when the platform has the data (``response_curve``: at least ``MIN_CURVE_BOOSTS`` finished
  boosts whose spends span a factor ``MIN_CURVE_SPREAD``): ``curve`` is this boost's own curve from
  ``response.fit_response_model`` (K per platform and the boost's level Vmax, both fitted to the realised
  (spend, value) pairs), B* = K ln(Vmax / (K t)). Measured on the simulator (600 boosts, default world):
  curves fitted to realised pairs put the ROI-optimal budget within 5-9 % of the truth on all three
  platforms, whereas reading the curve off the tree model's predictions was 19-30 % low (trees flatten
  where budgets are rare); the tree model's level ratio (boost / platform average) was tried before the
  GLM level and halved the budgets of the best boosts (RESULTS.md "Learning").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from boostloop.analytics.learning.features import TARGETS
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel

MIN_CURVE_BOOSTS = 20  # a two-parameter curve from fewer points is mostly noise
MIN_CURVE_SPREAD = 4.0  # spends spanning less than 4x cannot show where returns saturate
TOP_HOURS = 3  # hours in the suggested window: a three-hour slot is what a scheduler can act on


@dataclass(frozen=True)
class OutcomeForecast:
    reach: tuple[float, float, float]  # (point, low, high)
    conversions: tuple[float, float, float]
    roi: tuple[float, float, float]
    level: float
    method: str

    def as_dict(self) -> dict:
        return {
            t: {"point": v[0], "low": v[1], "high": v[2]}
            for t, v in (("reach", self.reach), ("conversions", self.conversions), ("roi", self.roi))
        } | {"level": self.level, "method": self.method}


def predict_boost_outcome(model: BoostOutcomeModel, params: Mapping) -> OutcomeForecast:
    p = model.predict_interval([dict(params)])
    vals = [(float(p.point[0, j]), float(p.lower[0, j]), float(p.upper[0, j])) for j in range(len(TARGETS))]
    return OutcomeForecast(*vals, level=p.level, method=p.method)


@dataclass(frozen=True)
class TimingSuggestion:
    best_weekday: int
    best_hour: int
    best_hours: tuple[int, ...]  # the top hours of the hour profile, best first
    hour_profile: tuple[float, ...]  # predicted ROI by start hour, mean over weekdays
    grid: tuple[tuple[float, ...], ...]  # predicted ROI [weekday][hour]
    current_roi: float
    best_roi: float


def suggest_timing(
    model: BoostOutcomeModel, params: Mapping, reference_rows: Sequence[Mapping] | None = None
) -> TimingSuggestion:
    """Best start (weekday, hour) for ``params``; with ``reference_rows`` the grid is the mean prediction
    over them (a partial dependence: the workspace's timing effect, less noisy than one post's)."""
    base = dict(params)
    refs = [dict(r) for r in reference_rows] if reference_rows else [base]
    rows = [dict(r, weekday=d, hour=h) for r in refs for d in range(7) for h in range(24)]
    roi = model.predict(rows)[:, TARGETS.index("roi")].reshape(len(refs), 7, 24).mean(axis=0)
    d, h = np.unravel_index(int(np.argmax(roi)), roi.shape)
    profile = roi.mean(axis=0)
    # stable order: best first, earlier hour first on ties
    top = tuple(int(x) for x in sorted(range(24), key=lambda k: (-profile[k], k))[:TOP_HOURS])
    current = float(model.predict([base])[0, TARGETS.index("roi")])
    return TimingSuggestion(
        best_weekday=int(d),
        best_hour=int(h),
        best_hours=top,
        hour_profile=tuple(float(x) for x in profile),
        grid=tuple(tuple(float(x) for x in r) for r in roi),
        current_roi=current,
        best_roi=float(roi[d, h]),
    )


@dataclass(frozen=True)
class TargetingSuggestion:
    segment: str
    targeting: dict
    forecast: OutcomeForecast
    current: OutcomeForecast
    by_segment: dict  # segment -> forecast dict

    @property
    def roi_gain(self) -> float:
        return self.forecast.roi[0] - self.current.roi[0]


def targeting_features(params: Mapping, targeting: Mapping) -> dict:
    """``params`` with the audience features of ``targeting`` (same rules as ``features.boost_features``)."""
    from boostloop.analytics.learning.features import FULL_AGE_SPAN, targeting_breadth

    t = dict(targeting)
    span = FULL_AGE_SPAN
    if t.get("age_min") is not None and t.get("age_max") is not None:
        span = float(t["age_max"]) - float(t["age_min"])
    return dict(
        params,
        segment=t.get("segment") or "BROAD",
        targeting_breadth=targeting_breadth(t),
        age_span=span,
        n_interests=len(t.get("interests") or []),
        n_locations=len(t.get("locations") or []),
    )


def optimize_targeting(
    model: BoostOutcomeModel, params: Mapping, candidates: Mapping[str, Mapping]
) -> TargetingSuggestion:
    """Best audience among ``candidates`` (segment -> targeting dict) by predicted ROI."""
    if not candidates:
        f = predict_boost_outcome(model, params)
        return TargetingSuggestion(str(params.get("segment") or "BROAD"), {}, f, f, {})
    names = sorted(candidates)
    rows = [targeting_features(params, dict(candidates[s], segment=s)) for s in names]
    p = model.predict_interval(rows)
    j = TARGETS.index("roi")
    best = int(np.argmax(p.point[:, j]))
    by = {s: p.row(i) for i, s in enumerate(names)}
    pick = lambda i: OutcomeForecast(  # noqa: E731
        *[(float(p.point[i, k]), float(p.lower[i, k]), float(p.upper[i, k])) for k in range(3)], level=p.level, method=p.method
    )
    return TargetingSuggestion(
        segment=names[best],
        targeting=dict(candidates[names[best]], segment=names[best]),
        forecast=pick(best),
        current=predict_boost_outcome(model, params),
        by_segment=by,
    )


@dataclass(frozen=True)
class BudgetSuggestion:
    budget_cents: int
    v_max_cents: float
    k_cents: float
    target_marginal_roas: float
    marginal_roas_at_budget: float
    extrapolated: bool
    grid_cents: tuple[int, ...]
    predicted_value_cents: tuple[float, ...]
    forecast: OutcomeForecast


def _saturation(b, v_max, k):
    return v_max * (1.0 - np.exp(-b / k))


def value_per_conversion(labels: Sequence[Mapping]) -> float | None:
    """Workspace value per conversion [cents] = sum(value) / sum(conversions) over finished boosts' labels
    (a ratio of sums, so large boosts weigh by their conversions); ``None`` without conversions."""
    rows = [lab for lab in labels if lab.get("value_cents") is not None and lab.get("conversions") is not None]
    den = sum(float(lab["conversions"]) for lab in rows)
    return sum(float(lab["value_cents"]) for lab in rows) / den if den > 0 else None


def fit_response_curve(budgets: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """Least-squares (Vmax, K) of V(B) = Vmax (1 - exp(-B/K)); a linear fit (K -> large) if it will not converge."""
    b = np.asarray(budgets, dtype=float)
    v = np.maximum(np.asarray(values, dtype=float), 0.0)
    if b.size == 0 or not np.any(v > 0):
        return 0.0, max(float(b.max()) if b.size else 1.0, 1.0)
    k0 = float(np.median(b))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (v_max, k), _ = curve_fit(
                _saturation, b, v, p0=(float(v.max()) * 1.5, k0), bounds=([0.0, 1.0], [np.inf, b.max() * 1e3]), maxfev=5000
            )
        return float(v_max), float(k)
    except (RuntimeError, ValueError):
        slope = float(np.sum(b * v) / np.sum(b * b))
        k = float(b.max()) * 1e3
        return slope * k, k


@dataclass(frozen=True)
class ResponseCurve:
    v_max_cents: float
    k_cents: float
    n: int


def response_curve(spend_cents: Sequence[float], value_cents: Sequence[float]) -> ResponseCurve | None:
    """The platform's fitted V(B) from realised (spend, value) pairs; ``None`` below the data minimums."""
    b = np.asarray(spend_cents, dtype=float)
    v = np.asarray(value_cents, dtype=float)
    ok = b > 0
    b, v = b[ok], v[ok]
    if b.size < MIN_CURVE_BOOSTS or b.max() < MIN_CURVE_SPREAD * b.min():
        return None
    v_max, k = fit_response_curve(b, v)
    return ResponseCurve(v_max, k, int(b.size))


def suggest_budget(
    model: BoostOutcomeModel,
    params: Mapping,
    target_marginal_roas: float,
    *,
    min_cents: int = 1_000,
    max_cents: int = 200_000,
    points: int = 25,
    reference_rows: Sequence[Mapping] | None = None,
    value_per_conversion_cents: float | None = None,
    curve: ResponseCurve | None = None,
) -> BudgetSuggestion:
    """The budget where the fitted curve's marginal return falls to ``target_marginal_roas``: ``curve`` (this
    boost's own, see ``response.ResponseModel.curve_for``) when given, else the curve fitted to the model's
    predictions on a budget grid; with ``reference_rows`` those are averaged over them (average conditions)."""
    grid = np.unique(np.round(np.geomspace(max(1, min_cents), max(min_cents + 1, max_cents), points)).astype(int))
    if curve is not None:
        k, v_max = curve.k_cents, curve.v_max_cents
        if grid[0] < k < grid[-1]:
            grid = np.unique(np.append(grid, [int(k)]))
        value = v_max * (1.0 - np.exp(-grid / k))
    else:
        refs = [dict(r) for r in reference_rows] if reference_rows else [dict(params)]
        rows = [dict(r, budget_cents=int(b)) for b in grid for r in refs]
        pred = model.predict(rows).reshape(len(grid), len(refs), len(TARGETS)).mean(axis=1)
        if value_per_conversion_cents and value_per_conversion_cents > 0:
            value = pred[:, TARGETS.index("conversions")] * float(value_per_conversion_cents)
        else:
            value = (1.0 + pred[:, TARGETS.index("roi")]) * grid
        v_max, k = fit_response_curve(grid, value)
    t = max(float(target_marginal_roas), 1e-9)
    if k <= 0 or v_max / k <= t:
        b_star = float(grid[0])
    else:
        b_star = k * math.log(v_max / (k * t))
    b_star = float(np.clip(b_star, grid[0], grid[-1]))
    marginal = (v_max / k) * math.exp(-b_star / k) if k > 0 else 0.0
    budget = int(round(b_star))
    return BudgetSuggestion(
        budget_cents=budget,
        v_max_cents=v_max,
        k_cents=k,
        target_marginal_roas=t,
        marginal_roas_at_budget=marginal,
        extrapolated=bool(b_star >= grid[-1] * 0.999),
        grid_cents=tuple(int(g) for g in grid),
        predicted_value_cents=tuple(float(x) for x in value),
        forecast=predict_boost_outcome(model, dict(params, budget_cents=budget)),
    )

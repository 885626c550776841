"""The response curve of one planned boost: V(B) = Vmax(x) (1 - exp(-B / K_platform)).

Why not the platform curve times the outcome model's ratio: the tree model's conversion ratio understated
how much better a best-hour, best-segment boost is than the platform average (measured in
``benchmarks/learning/bench_loop.py``: budgets about half the oracle's, 67 % of the random-to-oracle gap
closed). Here the level Vmax(x) is estimated from the realised (spend, value) pairs themselves, as a
log-linear model with the budget's saturation as an offset:

    E[value_i] = exp(b0 + b_platform + b_content + b_segment + b_hour + b_weekday) * (1 - exp(-B_i / K_p))

a Poisson GLM (log link: the simulator and the usual media-mix models make reach, click and conversion
rates multiply, so the effects are additive on the log scale). The GLM is fitted with scikit-learn's
``PoissonRegressor`` on the rate value/s with sample weight s, s = 1 - exp(-B/K) (the standard equivalent
of a log(s) offset for the Poisson deviance). Its L2 penalty shrinks every effect towards the workspace
average: partial pooling, so an hour or a segment with few boosts stays close to the average level.

K per platform: starts at the direct curve fit (``optimizers.response_curve``) and is then chosen by the
Poisson deviance of the GLM over a grid around it (one pass over the platforms): with the level differences
explained by the covariates, the curve's shape is read off less noisy residuals. A platform whose pairs show
no bend (``MAX_K_OVER_SPEND``) gets no curve (the caller falls back to the model's predictions).

Values are divided by their mean before fitting (units of "an average boost's value"), so that the penalty
``ALPHA`` has the same meaning in every workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from boostloop.analytics.learning.optimizers import ResponseCurve, response_curve

LEVEL_COLUMNS = ("platform", "content_type", "segment", "hour", "weekday")
# L2 penalty of the GLM (scikit-learn's alpha: objective = mean deviance / 2 + alpha / 2 ||w||^2). Chosen
# on the simulator's default world (bench_loop.py, seeds 11 and 12): 1e-3 let 24 hour effects from ~25
# boosts each through with little shrinkage; see benchmarks/RESULTS.md "Learning" for the measured figures.
ALPHA = 1e-3
# K grid around the direct fit: x1/3 .. x3 in 15 log steps (the direct fit's K was within a factor 2 of the
# truth on every platform of the prediction benchmark; 15 steps = 17 % apart, finer than its noise).
K_GRID = np.geomspace(1 / 3, 3.0, 15)
# A platform's curve is used only when K <= 2 x its largest spend: at B = K the marginal return has fallen to
# e^-1 of its start, so spends reaching K/2 at least show the bend; a larger K means the pairs look linear and
# B* = K ln(Vmax / (K t)) would extrapolate far beyond any budget tried (measured on the 55-boost demo
# workspace: a linear-looking platform gave K ~ 1,000 x the largest spend and a $630k suggested budget).
MAX_K_OVER_SPEND = 2.0


@dataclass(frozen=True)
class ResponseModel:
    encoder: OneHotEncoder
    glm: PoissonRegressor
    k_cents: dict[str, float]  # platform -> K
    value_scale_cents: float  # values were divided by this before fitting
    n: int

    def levels(self, rows: Sequence[Mapping]) -> np.ndarray:
        """Vmax [cents] of each planned boost (its value at saturation)."""
        return self.glm.predict(self.encoder.transform(_level_table(rows))) * self.value_scale_cents

    def curve_for(self, params: Mapping) -> ResponseCurve | None:
        """The boost's own response curve, ``None`` for a platform without a fitted curve."""
        k = self.k_cents.get(str(params.get("platform")))
        if k is None:
            return None
        return ResponseCurve(float(self.levels([params])[0]), k, self.n)


def _level_table(rows: Sequence[Mapping]) -> np.ndarray:
    return np.array([[str(r.get(c)) for c in LEVEL_COLUMNS] for r in rows], dtype=object)


def _fit(enc_x, y: np.ndarray, sat: np.ndarray) -> PoissonRegressor:
    glm = PoissonRegressor(alpha=ALPHA, max_iter=300)
    return glm.fit(enc_x, y / sat, sample_weight=sat)


def fit_response_model(
    rows: Sequence[Mapping], spend_cents: Sequence[float], value_cents: Sequence[float]
) -> ResponseModel | None:
    """Fit on finished boosts (feature dicts, realised spend and value); ``None`` when no platform has the
    data for a curve (``optimizers.MIN_CURVE_BOOSTS`` boosts spanning ``MIN_CURVE_SPREAD``)."""
    # One OpenMP thread (as ``outcome_model``): scikit-learn's GLM loss runs an OpenMP team per call, and on
    # the shared 2-core machine the same fit on 111 boosts took 28-60 s with the default team and 0.3-0.5 s
    # with one thread, same curves (measured here, RESULTS.md "Learning", "Browser-test world").
    with threadpool_limits(limits=1, user_api="openmp"):
        return _fit_response_model(rows, spend_cents, value_cents)


def _fit_response_model(rows: Sequence[Mapping], spend_cents: Sequence[float], value_cents: Sequence[float]):
    b = np.asarray(spend_cents, dtype=float)
    v = np.maximum(np.asarray(value_cents, dtype=float), 0.0)  # a measured negative lift is no value
    plat = np.array([str(r.get("platform")) for r in rows])
    if not (len(rows) == b.size == v.size):
        raise ValueError("rows, spend_cents and value_cents: must have the same length")
    k0 = {}
    for p in sorted(set(plat)):
        m = plat == p
        c = response_curve(b[m], v[m])
        if c is not None and c.k_cents <= MAX_K_OVER_SPEND * b[m].max():
            k0[p] = c.k_cents
    keep = np.isin(plat, list(k0)) & (b > 0)
    if not k0 or not np.any(v[keep] > 0):
        return None
    rows = [r for r, k in zip(rows, keep) if k]
    b, v, plat = b[keep], v[keep], plat[keep]
    scale = float(v.mean())
    y = v / scale
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(_level_table(rows))
    x = enc.transform(_level_table(rows))

    def sat_for(ks: dict) -> np.ndarray:
        k = np.array([ks[p] for p in plat])
        return np.maximum(1.0 - np.exp(-b / k), 1e-9)

    ks = dict(k0)
    for p in sorted(ks):
        best = (np.inf, ks[p])
        k_cap = MAX_K_OVER_SPEND * b[plat == p].max()
        for f in K_GRID[k0[p] * K_GRID <= k_cap]:
            trial = dict(ks, **{p: k0[p] * f})
            s = sat_for(trial)
            glm = _fit(x, y, s)
            dev = mean_poisson_deviance(y, np.maximum(glm.predict(x) * s, 1e-12))
            if dev < best[0]:
                best = (dev, k0[p] * f)
        ks[p] = best[1]
    glm = _fit(x, y, sat_for(ks))
    return ResponseModel(enc, glm, {p: float(k) for p, k in ks.items()}, scale, int(b.size))

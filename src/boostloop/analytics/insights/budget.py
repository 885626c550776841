"""Budget: where returns diminish, per platform.

Model (exponential saturation, the "Mitscherlich" response curve used for ad spend response in
Jin et al. 2017, Google "Bayesian Methods for Media Mix Modeling"):
``V(s) = a * (1 - exp(-s / b))``, ``s`` = spend of a boost in dollars, ``V`` = its conversion value in
dollars, ``a`` = the value the boost saturates at, ``b`` = the spend scale (dollars).
Marginal return ``dV/ds = (a / b) * exp(-s / b)`` (dollars of value per extra dollar), so the budget
beyond which one more dollar returns less than ``m`` (``Workspace.target_marginal_roas``, default 1) is
``s* = b * ln(a / (b * m))`` when ``a / b > m``, else 0 (not even the first dollar returns ``m``).

Fit: weighted least squares (the optimum ``scipy.optimize.curve_fit`` finds) with variance proportional to
spend
(``sigma_i = sqrt(s_i)``): a boost's value is a sum over roughly spend-proportionally many conversions,
so its variance grows with spend. Parameter 95% CIs from the fit's covariance (Wald).
``s*`` has a seeded bootstrap interval (resample boosts, refit, 2.5/97.5 percentiles, ``B = 200``).

Test (for BH): do returns diminish at all? Extra-sum-of-squares F test of the saturating curve
against the straight line through the origin ``V = k s`` (its ``b -> inf`` limit; the weighted fit is
``k = sum V / sum s``), ``F = (RSS_lin - RSS_sat) / (RSS_sat / (n - 2))`` on (1, n - 2) df. The line is the
boundary of the curve family, so the F reference is conservative (the true null law is a 50:50 mixture
of 0 and F; Self & Liang 1987).

Minimum sample: ``MIN_BOOSTS`` (30) boosts with spend on the platform, spend spread (coefficient of
variation) at least 0.2, and at least 10 conversions; fewer and the two-parameter curve is not
identified (a and b trade off along a ridge).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from scipy import optimize, stats

from boostloop.analytics.insights.inputs import BoostOutcome
from boostloop.analytics.insights.model import DetectorResult, Evidence, Finding
from boostloop.analytics.insights.stats import Z95
from boostloop.enums import InsightCategory, InsightSeverity, InsightType

MIN_BOOSTS = 30
MIN_SPEND_CV = 0.2
MIN_CONVERSIONS = 10
BOOTSTRAP = 200

SEVERITY_RULE = (
    "HIGH when at least 25% of the platform's spend went beyond the break-even budget (that money returned "
    "less than it cost at the margin), MEDIUM when any did, LOW when none did or when the budget lies beyond "
    "twice the largest observed spend (extrapolated)."
)


def saturating(s: np.ndarray, a: float, b: float) -> np.ndarray:
    return a * (1 - np.exp(-s / b))


def break_even_budget(a: float, b: float, m: float) -> float:
    """``s* = b ln(a / (b m))`` (dollars) or 0 when ``a / b <= m``."""
    if a <= 0 or b <= 0 or m <= 0 or a / b <= m:
        return 0.0
    return float(b * math.log(a / (b * m)))


def _profile(s: np.ndarray, v: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each scale ``b`` the model is linear in ``a``: ``a(b) = sum w v x / sum w x^2`` with
    ``x = 1 - exp(-s / b)``; returns ``a(b)`` and the weighted RSS(b)."""
    x = 1 - np.exp(-s[None, :] / b[:, None])
    a = (w * v * x).sum(1) / np.maximum((w * x * x).sum(1), 1e-300)
    rss = (w * (v - a[:, None] * x) ** 2).sum(1)
    return a, rss


def _fit(s: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Weighted least squares (weights ``w = 1 / s``) by profiling out ``a`` and minimising over ``log b``
    (a 48-point grid, then a bounded Brent refinement); the same optimum as ``scipy.optimize.curve_fit``
    with ``sigma = sqrt(s)`` (cross-checked in the tests) at a fraction of the cost, which the bootstrap
    needs. Covariance: ``RSS / (n - 2) * (J^T W J)^-1`` at the optimum, as curve_fit reports it."""
    if len(s) < 3 or s.max() <= 0 or not np.any(v > 0):
        return None
    w = 1 / np.maximum(s, 1e-6)
    lo, hi = math.log(max(s.min(), 1e-3) / 20), math.log(s.max() * 100)
    grid = np.linspace(lo, hi, 48)
    _, rss = _profile(s, v, w, np.exp(grid))
    j = int(np.argmin(rss))
    left, right = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(
        lambda lb: float(_profile(s, v, w, np.array([math.exp(lb)]))[1][0]),
        bounds=(left, right),
        method="bounded",
        options={"xatol": 1e-6},
    )
    b = math.exp(float(res.x))
    a_arr, rss_arr = _profile(s, v, w, np.array([b]))
    a, rss_min = float(a_arr[0]), float(rss_arr[0])
    if not (a > 0 and math.isfinite(a)):
        return None
    e = np.exp(-s / b)
    jac = np.column_stack([1 - e, -a * s / b**2 * e])
    n = len(s)
    try:
        pcov = np.linalg.inv((jac * w[:, None]).T @ jac) * (rss_min / max(n - 2, 1))
    except np.linalg.LinAlgError:
        pcov = np.full((2, 2), np.inf)
    return np.array([a, b]), pcov, rss_min


def fit_response(
    spend_dollars: np.ndarray,
    value_dollars: np.ndarray,
    *,
    m: float = 1.0,
    seed: int = 0,
    bootstrap: int = BOOTSTRAP,
) -> dict | None:
    """Fit, test and bootstrap one curve. ``None`` when the fit fails (reported as skipped)."""

    s = np.asarray(spend_dollars, float)
    v = np.asarray(value_dollars, float)
    n = len(s)
    fit = _fit(s, v)
    if fit is None:
        return None
    (a, b), pcov, rss_sat = fit
    k = v.sum() / s.sum()
    rss_lin = float((((v - k * s) / np.sqrt(s)) ** 2).sum())
    if rss_sat >= rss_lin or rss_sat <= 0:
        F, p = 0.0, 1.0
    else:
        F = (rss_lin - rss_sat) / (rss_sat / (n - 2))
        p = float(stats.f.sf(F, 1, n - 2))
    se = np.sqrt(np.clip(np.diag(pcov), 0, None)) if np.all(np.isfinite(pcov)) else np.array([np.inf, np.inf])
    s_star = break_even_budget(a, b, m)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(bootstrap):
        idx = rng.integers(0, n, n)
        f = _fit(s[idx], v[idx])
        if f is not None:
            boots.append(break_even_budget(f[0][0], f[0][1], m))
    boots_arr = np.array(boots)
    lo, hi = (
        (float(np.percentile(boots_arr, 2.5)), float(np.percentile(boots_arr, 97.5)))
        if len(boots)
        else (0.0, math.inf)
    )
    return {
        "a": float(a),
        "b": float(b),
        "a_ci": [float(a - Z95 * se[0]), float(a + Z95 * se[0])],
        "b_ci": [float(b - Z95 * se[1]), float(b + Z95 * se[1])],
        "k_linear": float(k),
        "rss_saturating": rss_sat,
        "rss_linear": rss_lin,
        "F": float(F),
        "p_value": p,
        "break_even_dollars": s_star,
        "break_even_ci_dollars": [lo, hi],
        "bootstrap_ok": len(boots),
        "bootstrap": bootstrap,
        "n": n,
    }


def detect_budget(
    boosts: tuple[BoostOutcome, ...], *, target_marginal_roas: float = 1.0, seed: int = 0
) -> DetectorResult:
    by_platform: dict[str, list[BoostOutcome]] = defaultdict(list)
    for b in boosts:
        if b.spend_cents > 0:
            by_platform[b.platform].append(b)
    findings: list[Finding] = []
    chart: dict[str, dict] = {}
    skipped: list[dict] = []
    m = target_marginal_roas
    for platform in sorted(by_platform):
        rows = by_platform[platform]
        s = np.array([b.spend_cents / 100 for b in rows], float)
        v = np.array([b.value_cents / 100 for b in rows], float)
        conv = sum(b.conversions for b in rows)
        cv = float(s.std() / s.mean()) if s.mean() > 0 else 0.0
        if len(rows) < MIN_BOOSTS or cv < MIN_SPEND_CV or conv < MIN_CONVERSIONS:
            skipped.append(
                {
                    "platform": platform,
                    "reason": f"n={len(rows)} (min {MIN_BOOSTS}), spend CV "
                    f"{cv:.2f} (min {MIN_SPEND_CV}), conversions {conv} (min {MIN_CONVERSIONS})",
                }
            )
            continue
        # A per-platform seed derived from the run seed keeps platforms' bootstraps independent yet
        # repeatable.
        fit = fit_response(s, v, m=m, seed=seed + sum(map(ord, platform)))
        if fit is None:
            skipped.append({"platform": platform, "reason": "curve fit did not converge"})
            continue
        grid = np.linspace(0, float(s.max()) * 1.2, 41)
        a, b = fit["a"], fit["b"]
        chart[platform] = {
            "fit": fit,
            "curve": {
                "spend_dollars": grid.tolist(),
                "value_dollars": saturating(grid, a, b).tolist(),
                "marginal_roas": ((a / b) * np.exp(-grid / b)).tolist(),
            },
            "points": {"spend_dollars": s[:500].tolist(), "value_dollars": v[:500].tolist()},
        }
        if fit["bootstrap_ok"] < fit["bootstrap"] / 2:
            skipped.append(
                {"platform": platform, "reason": "fewer than half of the bootstrap refits converged"}
            )
            continue
        s_star = fit["break_even_dollars"]
        lo, hi = fit["break_even_ci_dollars"]
        over = s > s_star
        spend_over_share = float(s[over].sum() / s.sum())
        # Value lost (cents) on spend past s*: sum over those boosts of (s - s*) - (V(s) - V(s*)).
        lost = float(
            ((s[over] - s_star) - (saturating(s[over], a, b) - saturating(np.array(s_star), a, b))).sum()
        )
        extrapolated = s_star > 2 * s.max()
        if extrapolated or spend_over_share == 0:
            severity = InsightSeverity.LOW
        elif spend_over_share >= 0.25:
            severity = InsightSeverity.HIGH
        else:
            severity = InsightSeverity.MEDIUM
        evidence = Evidence(
            test="extra-sum-of-squares F test, saturating curve vs straight line (weighted by 1/spend)",
            n={"boosts": len(rows)},
            effect_name=f"break-even budget (cents) at marginal ROAS {m:g}",
            effect=s_star * 100,
            ci_low=lo * 100,
            ci_high=hi * 100,
            p_value=fit["p_value"],
            statistic=fit["F"],
        )
        findings.append(
            Finding(
                detector="budget",
                insight_type=InsightType.PATTERN,
                category=InsightCategory.BUDGET,
                subject=f"platform={platform}:break_even",
                direction="",
                evidence=evidence,
                title=(
                    f"On {platform}, a boost's next dollar returns less than ${m:g} beyond ${s_star:,.0f} "
                    f"(95% CI ${lo:,.0f}-${hi:,.0f})"
                ),
                description=(
                    f"Fitted value = {a:,.0f} x (1 - exp(-spend / {b:,.0f})) dollars over {len(rows)} "
                    f"boosts; "
                    f"marginal return falls below {m:g} at ${s_star:,.0f} per boost. "
                    f"{spend_over_share:.0%} of the "
                    f"spend went beyond it, about ${lost:,.0f} of spend that returned less than it cost."
                    + (
                        " The break-even lies beyond twice the largest budget tried: extrapolated."
                        if extrapolated
                        else ""
                    )
                ),
                severity=severity,
                severity_rule=SEVERITY_RULE,
                impact=max(lost, 0.0) * 100,
                suggested_actions=(
                    f"Cap single {platform} boosts near ${s_star:,.0f}; split larger budgets across "
                    "more posts.",
                ),
                data={
                    "platform": platform,
                    "a_dollars": a,
                    "b_dollars": b,
                    "a_ci": fit["a_ci"],
                    "b_ci": fit["b_ci"],
                    "break_even_cents": s_star * 100,
                    "break_even_ci_cents": [lo * 100, hi * 100],
                    "spend_over_share": spend_over_share,
                    "extrapolated": extrapolated,
                    "target_marginal_roas": m,
                },
            )
        )
    return DetectorResult(
        name="budget", findings=tuple(findings), chart={"platforms": chart}, skipped=tuple(skipped)
    )

"""Turn a simulated workspace into effectiveness inputs, run the estimators, and score them against the
simulator's truth. Shared by ``validate.py`` and the fast test (tests/analytics/effectiveness).

What is observed (what the product would have): the posts, their organic captures (cumulative), the
boosts with their pre-boost snapshot, the campaigns' hourly delivery, and the conversion events with
their touchpoint type. What is only used for scoring: ``sim.truth``.

Per boost the analysis starts at the age of the boost's pre-boost snapshot ``a`` (the last capture at
or before the boost) and ends at the last capture age ``T`` for which the truth's counterfactual series
exists (up to the planned duration + 7 days after the boost). Conversions are every conversion event of
the post in the simulated period; organic conversions are those whose touchpoint is ORGANIC.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from boostloop.analytics.effectiveness import (
    BoostObservation,
    PostSeries,
    analyze_boost,
    conversion_economics,
    resolve_benchmarks,
)
from boostloop.analytics.effectiveness.counterfactual import Counterfactual, CounterfactualPoint
from boostloop.analytics.effectiveness.inputs import BoostFacts, PostHistory, build_inputs
from boostloop.analytics.effectiveness.lift import counterfactual_conversion_draws
from boostloop.analytics.effectiveness.overlap import overlap_point, paid_first_share

METRICS = ("reach", "impressions", "engagements")


@dataclass
class BoostCase:
    boost_id: str
    post_id: str
    platform: object
    a: float  # snapshot age (hours since publication)
    end_age: float
    obs: BoostObservation
    controls: dict  # metric -> list[PostSeries]
    truth: dict
    truth_cf_reach_end: float
    actual_reach_end: float


def _hours(dt, ref) -> float:
    return (dt - ref).total_seconds() / 3600.0


def build_cases(sim, *, max_controls: int = 40, overlap_term: bool = True) -> list[BoostCase]:
    """The observed rows of ``sim`` as ``analyze_boost`` inputs, through the product's own builder
    (``boostloop.analytics.effectiveness.inputs``); the analysis end is the last capture within the
    truth's counterfactual series. ``overlap_term`` False leaves the overlap term out (for comparison)."""
    posts = {str(p["id"]): p for p in sim.posts}
    captures: dict[str, list] = defaultdict(list)
    for m in sim.organic_metrics:
        pid = str(m["post_id"])
        captures[pid].append((_hours(m["captured_at"], posts[pid]["published_at"]), m, m["total_reach"]))
    boosts_by_post = {str(b["original_post_id"]): b for b in sim.boosts}
    histories = {}
    for pid, p in posts.items():
        b = boosts_by_post.get(pid)
        histories[pid] = PostHistory.build(
            pid, p["platform"], p["content_type"], _hours(p["published_at"], sim.start), captures[pid],
            boosted_at_age_hours=_hours(b["boosted_at"], p["published_at"]) if b else None)
    candidates = list(histories.values())

    # Conversions per post from the events (observed), and campaign delivery per campaign.
    ev = sim.events
    etype = ev["event_type"]
    if pa.types.is_dictionary(etype.type):  # the simulator dictionary-encodes ids and enums
        etype = etype.cast(pa.string())
    conv = ev.filter(pc.equal(etype, "CONVERSION"))
    conv_post = conv["post_id"].to_pylist()
    conv_touch = conv["touchpoint_type"].to_pylist()
    conv_val = conv["event_value_cents"].fill_null(0).to_pylist()
    conv_at = conv["occurred_at"].to_pylist()
    n_conv, n_org, val = defaultdict(int), defaultdict(int), defaultdict(int)
    times = defaultdict(lambda: ([], []))  # post -> (organic, paid) conversion times in hours
    for pid, t, v, at in zip(conv_post, conv_touch, conv_val, conv_at):
        if pid is None:
            continue
        n_conv[pid] += 1
        n_org[pid] += t == "ORGANIC"
        val[pid] += int(v or 0)
        times[pid][0 if t == "ORGANIC" else 1].append(_hours(at, sim.start))
    followers = {a["id"]: a["followers"] for a in sim.accounts}  # the overlap estimate's universe
    camp = defaultdict(lambda: defaultdict(float))
    for r in sim.campaign_metrics:
        c = camp[str(r["campaign_id"])]
        for k in ("impressions", "reach", "clicks", "conversions", "spend_cents"):
            c[k] += r[k]
        c["hours"] += 1

    cases = []
    cache: dict = {}
    for b in sim.boosts:
        bid, pid = str(b["id"]), str(b["original_post_id"])
        truth = sim.truth["boosts"][bid]
        p = posts[pid]
        if "counterfactual" not in truth:
            continue
        boost_age = _hours(b["boosted_at"], p["published_at"])
        # Truth: cf["reach"][k] is the cumulative at age i0 + k + 1, i0 = floor(boost_age).
        i0 = int(math.floor(boost_age))
        cf_truth = truth["counterfactual"]["reach"]
        cm = camp[str(b["campaign_id"])]
        snap = b["organic_metrics"] or {}
        facts = BoostFacts(
            boost_id=bid, platform=b["platform"], boost_age_hours=boost_age, spend_cents=int(cm["spend_cents"]),
            paid_impressions=cm["impressions"], paid_reach=cm["reach"], paid_clicks=cm["clicks"],
            days_observed=cm["hours"] / 24.0, conversions=n_conv[pid], organic_conversions=n_org[pid],
            value_cents=val[pid],
            baseline={k: (float(snap[k]) if snap.get("captured_at") else None) for k in METRICS},
            audience_size=followers[p["account_id"]], paid_first=paid_first_share(*times[pid]),
        )
        inp = build_inputs(facts, histories[pid], candidates, max_end_age=i0 + len(cf_truth),
                           max_controls=max_controls, series_cache=cache)
        if "no_post_boost_capture" in inp.flags:
            continue
        if not overlap_term:
            inp = dataclasses.replace(inp, obs=dataclasses.replace(inp.obs, share_paid_also_organic=0.0))
        truth_end = float(cf_truth[int(round(inp.end_age)) - 1 - i0])
        cases.append(BoostCase(bid, pid, b["platform"], inp.a, inp.end_age, inp.obs, inp.controls, truth,
                               truth_end, inp.actual_organic_reach_end))
    return cases


# ---- peers ------------------------------------------------------------------------------------

def _hourly(series: PostSeries, upto: float) -> np.ndarray:
    """The cumulative series on an hourly grid of ages 1..floor(upto) (linear interpolation)."""
    t = np.arange(1, int(math.floor(upto)) + 1, dtype=float)
    return np.interp(t, series.age_hours, series.cumulative)


def uc_counterfactual(case: BoostCase, *, with_controls: bool, level: float = 0.90) -> Counterfactual | None:
    """statsmodels UnobservedComponents forecast of the post's cumulative organic reach after the boost.

    Without controls: local linear trend on the hourly pre-boost cumulative series. With controls (the
    CausalImpact set-up): local level + a regression on the controls' mean cumulative series scaled to
    their value at the boost age (exogenous, known after the boost too). Plug-in Gaussian forecast
    intervals, as statsmodels reports them.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    s = case.obs.organic["reach"]
    a, T = case.a, case.end_age
    y = _hourly(s, a)
    if y.size < 4:
        return None
    steps = int(round(T)) - y.size
    if steps <= 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if with_controls:
                ctrl = case.controls["reach"]
                if len(ctrl) < 2:
                    return None
                grid = np.arange(1, int(round(T)) + 1, dtype=float)
                xs = []
                for c in ctrl:
                    v = np.interp(grid, c.age_hours, c.cumulative)
                    base = np.interp(a, c.age_hours, c.cumulative)
                    if base > 0:
                        xs.append(v / base)
                x = np.mean(xs, axis=0)[:, None] * (case.obs.baseline.get("reach") or y[-1])
                mod = UnobservedComponents(y, level="local level", exog=x[: y.size])
                res = mod.fit(disp=False, maxiter=200)
                fc = res.get_forecast(steps=steps, exog=x[y.size:])
            else:
                mod = UnobservedComponents(y, level="local linear trend")
                res = mod.fit(disp=False, maxiter=200)
                fc = res.get_forecast(steps=steps)
            mean = float(fc.predicted_mean[-1])
            lo, hi = (float(v) for v in np.asarray(fc.conf_int(alpha=1 - level))[-1])
        except Exception:  # noqa: BLE001 - a peer failing to fit counts as "no estimate"
            return None
    if not all(map(math.isfinite, (mean, lo, hi))):
        return None
    base = float(case.obs.baseline.get("reach") or y[-1])
    return peer_counterfactual(base, a, T, mean, lo, hi, level)


def peer_counterfactual(base: float, a: float, T: float, mean: float, lo: float, hi: float,
                        level: float = 0.90) -> Counterfactual:
    """A peer's Gaussian forecast (mean, [lo, hi]) of the cumulative total as a ``Counterfactual`` whose
    draws (used by the shared conversion formula) are log-normal with the same median and interval:
    center = log(mean / base), scale = (log(hi / base) - log(lo / base)) / (2 z). Bounds below the
    baseline are clamped to it (cumulative totals do not fall)."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    floor = max(base, 1e-9)
    m, l_, h = (math.log(max(v, floor) / floor) for v in (mean, lo, hi))
    scale = max((h - l_) / (2 * z), 0.0)
    pt = CounterfactualPoint(T - a, max(mean, base), max(lo, base), max(hi, base), m, scale, 1e6)
    return Counterfactual(baseline=base, boost_age_hours=a, level=level, basis="peer", points=(pt,),
                          weight_trajectory=1.0, trajectory_bias=0.0, trajectory_error_sd=0.0, n_controls=0,
                          n_calibrated=0,
                          history_missing=False)


def peer_incremental(case: BoostCase, cf: Counterfactual, seed: int) -> tuple[float, float, float]:
    """Incremental conversions from a peer's reach counterfactual through the same conversion formula
    (``conversion_economics``, same seed): only the reach counterfactual differs between methods."""
    o = case.obs
    e = conversion_economics(actual_conversions=o.conversions, organic_conversions=o.organic_conversions,
                             value_cents=o.value_cents, spend_cents=o.spend_cents, reach_counterfactual=cf,
                             actual_organic_reach=case.actual_reach_end,
                             share_paid_also_organic=o.share_paid_also_organic, paid_first=o.paid_first,
                             seed=seed).incremental_conversions
    return e.estimate, e.lower, e.upper


def causalimpact_input(case: BoostCase, key: str) -> dict:
    """Hourly series for causalimpact_peer.py: y = the post's cumulative organic reach at ages 1..T (actual,
    so with the boost after ``a``), x = the controls' mean cumulative reach relative to their value at
    ``a``, times the post's baseline; the pre-period is ages 1..floor(a)."""
    s = case.obs.organic["reach"]
    T = int(round(case.end_age))
    grid = np.arange(1, T + 1, dtype=float)
    y = np.interp(grid, s.age_hours, s.cumulative)
    xs = []
    for c in case.controls["reach"]:
        base = float(np.interp(case.a, c.age_hours, c.cumulative))
        if base > 0:
            xs.append(np.interp(grid, c.age_hours, c.cumulative) / base)
    base = case.obs.baseline.get("reach") or float(np.interp(case.a, s.age_hours, s.cumulative))
    x = (np.mean(xs, axis=0) if xs else np.ones_like(grid)) * base
    return {"key": key, "y": y.tolist(), "x": x.tolist(), "n_pre": int(math.floor(case.a))}


def add_causalimpact(rows: list[dict], cases: list[BoostCase], ci: dict, prefix: str, *, seed: int) -> None:
    for i, (r, c) in enumerate(zip(rows, cases)):
        got = ci.get(prefix + c.boost_id)
        if not got or "error" in got:
            r["ci"] = None
            continue
        base = float(c.obs.baseline.get("reach") or r["baseline"] or 0.0)
        pcf = peer_counterfactual(base, c.a, c.end_age, got["mean"], got["lower"], got["upper"])
        est, lo, hi = peer_incremental(c, pcf, seed + i)
        r["ci"] = {"est_inc": est, "inc_lo": lo, "inc_hi": hi, "est_cf": pcf.final.estimate,
                   "cf_lo": pcf.final.lower, "cf_hi": pcf.final.upper}


# ---- scoring ----------------------------------------------------------------------------------

def evaluate(cases: list[BoostCase], *, seed: int = 0, peers: bool = True, min_true_incremental: int = 30) -> dict:
    bench = resolve_benchmarks()
    rows = []
    for i, c in enumerate(cases):
        res = analyze_boost(c.obs, c.controls, bench[c.platform], seed=seed + i)
        e = res.economics.incremental_conversions
        cf = res.counterfactuals["reach"].final
        row = {
            "boost": c.boost_id, "platform": str(c.platform), "truth_inc": c.truth["incremental_conversions"],
            "est_inc": e.estimate, "inc_lo": e.lower, "inc_hi": e.upper,
            "truth_cf": c.truth_cf_reach_end, "est_cf": cf.estimate, "cf_lo": cf.lower, "cf_hi": cf.upper,
            "baseline": res.counterfactuals["reach"].baseline, "basis": res.counterfactuals["reach"].basis,
            "w": res.counterfactuals["reach"].weight_trajectory,
        }
        if peers:
            for name, wc in (("uc", False), ("uc_x", True)):
                pcf = uc_counterfactual(c, with_controls=wc)
                if pcf is None:
                    row[name] = None
                    continue
                est, lo, hi = peer_incremental(c, pcf, seed + i)
                row[name] = {"est_inc": est, "inc_lo": lo, "inc_hi": hi, "est_cf": pcf.final.estimate,
                             "cf_lo": pcf.final.lower, "cf_hi": pcf.final.upper}
        # Randomised PIT of the true incremental count under the estimate's predictive distribution: with a
        # discrete (integer) truth, plain interval coverage exceeds the nominal level whenever the count is
        # nearly determined; u = F(t-) + V (F(t) - F(t-)) is uniform if the distribution is calibrated
        # (Brockwell 2007), so the share of u in [0.05, 0.95] is the coverage net of discreteness.
        o = c.obs
        _, cf_draws = counterfactual_conversion_draws(
            organic_conversions=o.organic_conversions, reach_counterfactual=res.counterfactuals["reach"],
            actual_organic_reach=c.actual_reach_end, paid_conversions=o.conversions - o.organic_conversions,
            share_paid_also_organic=o.share_paid_also_organic, paid_first=o.paid_first, seed=seed + i)
        inc_draws = c.obs.conversions - cf_draws
        # The overlap term's point (lift / overlap): overlap converters through the ad who would have converted
        # organically anyway, moved from incremental to counterfactual.
        row["overlap_term"] = overlap_point(
            paid_conversions=o.conversions - o.organic_conversions, organic_conversions=o.organic_conversions,
            organic_reach=c.actual_reach_end, share_paid_also_organic=o.share_paid_also_organic,
            paid_first=o.paid_first)
        t = row["truth_inc"]
        v = np.random.default_rng([seed, i, 7]).random()
        row["pit"] = float(np.mean(inc_draws < t) + v * np.mean(inc_draws == t))
        # The coverage this interval *should* have if the predictive distribution were exactly right: its
        # own probability of [lower, upper]. Above 0.90 when the count is nearly determined (a 90 % interval
        # of a count cannot leave out part of an integer); the mean over boosts is the raw coverage a
        # calibrated method would show on these boosts.
        row["pred_cov"] = float(np.mean((inc_draws >= e.lower - 1e-9) & (inc_draws <= e.upper + 1e-9)))
        rows.append(row)
    return {"rows": rows, "summary": summarise(rows, min_true_incremental=min_true_incremental)}


def _stats(rows, get, min_true_incremental) -> dict:
    big = [r for r in rows if r["truth_inc"] >= min_true_incremental and get(r) is not None]
    allr = [r for r in rows if get(r) is not None]
    rel = [abs(get(r)["est_inc"] - r["truth_inc"]) / r["truth_inc"] for r in big]
    cover_inc = [get(r)["inc_lo"] <= r["truth_inc"] <= get(r)["inc_hi"] for r in allr]
    cover_cf = [get(r)["cf_lo"] <= r["truth_cf"] <= get(r)["cf_hi"] for r in allr]
    # Error of the counterfactual organic growth after the boost, relative to the true growth.
    g_err = [abs(get(r)["est_cf"] - r["truth_cf"]) / max(r["truth_cf"] - (r["baseline"] or 0), 1.0) for r in allr]
    width = [(get(r)["cf_hi"] - get(r)["cf_lo"]) / max(r["truth_cf"] - (r["baseline"] or 0), 1.0) for r in allr]
    pit = [r["pit"] for r in allr if get(r) is r and "pit" in r]
    pred_cov = [r["pred_cov"] for r in allr if get(r) is r and "pred_cov" in r]
    overlap = [r["overlap_term"] for r in allr if get(r) is r and "overlap_term" in r]
    # Bias (estimate - truth; positive: incremental conversions over-stated) and interval width.
    signed = [get(r)["est_inc"] - r["truth_inc"] for r in allr]
    inc_width = [get(r)["inc_hi"] - get(r)["inc_lo"] for r in allr]
    return {
        "n_boosts": len(allr), "n_30plus": len(big),
        "randomised_pit_coverage_inc_90": float(np.mean([0.05 <= u <= 0.95 for u in pit])) if pit else None,
        "expected_coverage_inc_90": float(np.mean(pred_cov)) if pred_cov else None,
        "mean_overlap_term": float(np.mean(overlap)) if overlap else None,
        "median_abs_rel_error_inc_30plus": float(np.median(rel)) if rel else None,
        "mean_signed_error_inc": float(np.mean(signed)) if signed else None,
        "median_inc_interval_width": float(np.median(inc_width)) if inc_width else None,
        "coverage_inc_90": float(np.mean(cover_inc)) if cover_inc else None,
        "coverage_cf_reach_90": float(np.mean(cover_cf)) if cover_cf else None,
        "median_abs_rel_error_cf_growth": float(np.median(g_err)) if g_err else None,
        "median_cf_interval_width_over_growth": float(np.median(width)) if width else None,
    }


def summarise(rows, *, min_true_incremental: int = 30) -> dict:
    out = {"boostloop": _stats(rows, lambda r: r, min_true_incremental)}
    if rows and "uc" in rows[0]:
        out["uc_local_linear_trend"] = _stats(rows, lambda r: r.get("uc"), min_true_incremental)
        out["uc_level_plus_controls"] = _stats(rows, lambda r: r.get("uc_x"), min_true_incremental)
    if rows and "ci" in rows[0]:
        out["tfp_causalimpact"] = _stats(rows, lambda r: r.get("ci"), min_true_incremental)
    return out


__all__ = ["build_cases", "conversion_economics", "evaluate", "summarise"]

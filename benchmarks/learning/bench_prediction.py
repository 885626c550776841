"""Outcome model against the simulator's truth: interval coverage, error next to two baselines, MAPIE
cross-check, and whether the suggested start hours and budgets match the world's planted optimum.

    .venv/bin/python benchmarks/learning/bench_prediction.py [--quick] [--budget-only]

Worlds: the default world with 4x posts and 10x boosts (600 boosts; the responses and the truth are the
default's), and a world of our own ("night-owls": a different time zone, the best hours planted at 6-9 local,
a different best segment and saturation). Each: boosts in time order, the newest 30 % held out.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import big_world, make_sim, model_xy, training_set  # noqa: E402

from boostloop.analytics.learning.evaluation import coverage_report, validate  # noqa: E402
from boostloop.analytics.learning.optimizers import response_curve, suggest_timing  # noqa: E402
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel, IntervalPrediction, _to_model_scale, _from_model_scale  # noqa: E402
from boostloop.analytics.learning.response import fit_response_model  # noqa: E402


def night_owls():
    w = big_world()
    hours = [1.0] * 24
    for h, m in {5: 1.2, 6: 1.5, 7: 1.55, 8: 1.55, 9: 1.5, 10: 1.2, 22: 0.6, 23: 0.55, 0: 0.5, 1: 0.5}.items():
        hours[h] = m
    segs = [dataclasses.replace(s, cvr_multiplier=1.8) if s.name == "families-35-54" else s for s in w.segments]
    plats = {p: dataclasses.replace(s, saturation_budget_cents=int(s.saturation_budget_cents * 0.6)) for p, s in w.platforms.items()}
    ws = dataclasses.replace(w.workspace, timezone="Europe/Berlin", name="Night Owls GmbH", slug="night-owls")
    return dataclasses.replace(w, hour_multipliers=hours, segments=segs, platforms=plats, workspace=ws)


def mapie_cqr(X_tr, Z_tr, X_cal, Z_cal, X_te, cat_mask, alpha=0.1):
    """MAPIE 1.6 ConformalizedQuantileRegressor with the same HistGradientBoosting quantile learner."""
    from mapie.regression import ConformalizedQuantileRegressor
    from sklearn.ensemble import HistGradientBoostingRegressor

    lo_hi = []
    for j in range(Z_tr.shape[1]):
        est = HistGradientBoostingRegressor(loss="quantile", max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                            min_samples_leaf=10, categorical_features=cat_mask, random_state=0)
        c = ConformalizedQuantileRegressor(est, confidence_level=1 - alpha)
        c.fit(X_tr, Z_tr[:, j]).conformalize(X_cal, Z_cal[:, j])
        _, iv = c.predict_interval(X_te)  # MAPIE's default: asymmetric correction
        lo_hi.append(iv[:, :, 0])
    return np.stack([x[:, 0] for x in lo_hi], 1), np.stack([x[:, 1] for x in lo_hi], 1)


def budget_check(world, sim, ts) -> dict:
    """Suggested ROI-optimal budget per platform against the truth's, at the truth's average conditions
    (segments, start hours and weekdays equally likely, content types by their shares;
    ``simulate.generate.expected_incremental_value_cents``): the mean level Vmax of the response model over
    that grid, B* = K ln(mean Vmax / K) (marginal ROAS 1). Beside it, the platform curve fitted directly to the
    (spend, value) pairs (the earlier method)."""
    ready = [r for r in ts.rows if r.is_training_ready]
    rm = fit_response_model([r.features for r in ready], [r.labels["spend_cents"] for r in ready],
                            [r.labels["value_cents"] for r in ready])
    shares = {c.value: spec.share for c, spec in world.content.items()}
    out = {}
    for p, opt in sim.truth["roi_optimal_budget_cents"].items():
        rr = [r for r in ready if r.features["platform"] == p]
        c = response_curve([r.labels["spend_cents"] for r in rr], [r.labels["value_cents"] for r in rr])
        direct = int(c.k_cents * math.log(c.v_max_cents / c.k_cents)) if c and c.v_max_cents > c.k_cents else None
        sug = None
        if rm is not None and p in rm.k_cents:
            grid = [{"platform": p, "segment": s.name, "hour": h, "weekday": d, "content_type": ct}
                    for s in world.segments for h in range(24) for d in range(7) for ct in shares]
            lv = rm.levels(grid).reshape(len(world.segments), 24, 7, len(shares))
            v_max = float(np.tensordot(lv.mean(axis=(0, 1, 2)), np.array(list(shares.values())) / sum(shares.values()), 1))
            k = rm.k_cents[p]
            sug = int(k * math.log(v_max / k)) if v_max > k else None
        out[p] = {"suggested": sug, "truth": opt, "rel_error": None if sug is None else sug / opt - 1, "n": len(rr),
                  "direct_curve": direct, "direct_rel_error": None if direct is None else direct / opt - 1}
    return out


def run_world(name, world, seed):
    t0 = time.perf_counter()
    sim = make_sim(world, seed)
    gen_s = time.perf_counter() - t0
    ts = training_set(sim)
    X, Y = model_xy(ts)
    cut = int(len(X) * 0.7)
    with threadpool_limits(1, "openmp"):
        t0 = time.perf_counter()
        model = BoostOutcomeModel().fit(X[:cut], Y[:cut])
        fit_s = time.perf_counter() - t0
        v = validate(model, X[:cut], Y[:cut], X[cut:], Y[cut:])
        # MAPIE on the same proper-training / calibration / test split and the same encoding
        enc = model.encoder_
        Xm = enc.transform(X)[:, model.columns_]
        Z = _to_model_scale(Y)
        nt = model.n_train_
        t0 = time.perf_counter()
        lo, hi = mapie_cqr(Xm[:nt], Z[:nt], Xm[nt:cut], Z[nt:cut], Xm[cut:], enc.categorical_mask[model.columns_])
        mapie_s = time.perf_counter() - t0
    mp = IntervalPrediction(np.zeros_like(lo), _from_model_scale(lo), _from_model_scale(hi), 0.9, "mapie")
    mapie_cov = coverage_report(X[cut:], Y[cut:], mp)["overall"]
    # timing and budget on the whole history (what the product would do now)
    with threadpool_limits(1, "openmp"):
        full = BoostOutcomeModel().fit(X, Y)
        timing = suggest_timing(full, X[-1], reference_rows=X[-100:])
    truth = sim.truth
    budgets = budget_check(world, sim, ts)
    return {
        "world": name, "seed": seed, "boosts": len(sim.boosts), "training_ready": len(X), "holdout": len(X) - cut,
        "generate_s": round(gen_s, 1), "fit_s": round(fit_s, 2), "mapie_fit_s": round(mapie_s, 2),
        "coverage_cqr": v.coverage, "coverage_raw_quantile": v.raw_coverage, "coverage_mapie_cqr": mapie_cov,
        "mae": v.mae, "baseline_mae": v.baseline_mae,
        "timing": {"suggested_hours": list(timing.best_hours), "true_best_hours": truth["best_hours"],
                   "inside": set(timing.best_hours) <= set(truth["best_hours"]),
                   "suggested_weekday": timing.best_weekday, "true_best_weekdays": truth["best_weekdays"]},
        "budget": budgets,
    }


def main() -> None:
    quick = "--quick" in sys.argv
    worlds = [("default-x10-boosts", big_world(), 1)] + ([] if quick else [("night-owls", night_owls(), 2), ("default-x10-boosts", big_world(), 7)])
    if "--budget-only" in sys.argv:  # the budget check alone (no model fits): seconds instead of minutes
        for n, w, s in worlds:
            sim = make_sim(w, s)
            b = budget_check(w, sim, training_set(sim))
            print(n, s, json.dumps(b))
            print("  response model:", ", ".join(f"{p} {v['rel_error']:+.0%}" for p, v in b.items() if v["rel_error"] is not None),
                  "| direct platform curve:", ", ".join(f"{p} {v['direct_rel_error']:+.0%}" for p, v in b.items() if v["direct_rel_error"] is not None))
        return
    results = [run_world(n, w, s) for n, w, s in worlds]
    print(json.dumps(results, indent=1, default=str))
    print("\nworld | seed | holdout | coverage CQR (reach/conv/ROI) | raw QR | MAPIE CQR | MAE ROI (ours/avg/linear) | MAE conv | hours in truth | budget rel. error")
    for r in results:
        c, rq, m = r["coverage_cqr"]["overall"], r["coverage_raw_quantile"]["overall"], r["coverage_mapie_cqr"]
        f = lambda d: "/".join(f"{d[t]:.2f}" for t in ("reach", "conversions", "roi"))  # noqa: E731
        print(f"{r['world']} | {r['seed']} | {r['holdout']} | {f(c)} | {f(rq)} | {f(m)} | "
              f"{r['mae']['roi']:.2f}/{r['baseline_mae']['workspace_average']['roi']:.2f}/{r['baseline_mae']['linear']['roi']:.2f} | "
              f"{r['mae']['conversions']:.1f}/{r['baseline_mae']['workspace_average']['conversions']:.1f}/{r['baseline_mae']['linear']['conversions']:.1f} | "
              f"{r['timing']['suggested_hours']} in {r['timing']['true_best_hours']}: {r['timing']['inside']} | "
              + ", ".join(f"{p} {b['rel_error']:+.0%}" for p, b in r["budget"].items() if b["rel_error"] is not None))


if __name__ == "__main__":
    main()

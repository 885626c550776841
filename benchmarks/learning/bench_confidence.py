"""Do the confidence levels mean what they say? Recommendations in simulated worlds against their true outcome.

    .venv/bin/python benchmarks/learning/bench_confidence.py [--factors=0.3,1,2,4,10] [--seeds=11,12,13]
        [--plans=40] [--out=/tmp/confidence.json]

For each world (the default world with ``factor`` x its boosts, posts enough to hold them) and seed: the
simulated history's finished boosts with their true labels (``common.training_set``) are trained on the way
the training job does it (``evaluation.train_and_validate``: newest 20 % held out, validity measured, refit
on all), then ``--plans`` fresh posts (platform uniform, content type by the world's shares) each get the
product's plan (``common.plan_boost``: best hour, best segment or a Thompson draw, response-curve budget) and
its projection. As in ``generate_recommendations``, only a projection with ROI > 0 becomes a recommendation.
Each recommendation is realised by the world (``common.realise_value``: Poisson conversions around the
world's expected value, ``common.expected_boost_value_cents``).

Reported per confidence level, for the product's definition (``recommendations.confidence``) and the one
before it (validity / (1 + relative interval width), levels 0.7 / 0.4): the number of recommendations,
the share whose realised ROI was > 0, whose expected (noise-free) ROI was > 0, and whose realised ROI fell
inside the 90 % interval, each with a 90 % Wilson interval. The raw records go to ``--out``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
import common  # noqa: E402

from boostloop.analytics.learning.evaluation import train_and_validate  # noqa: E402
from boostloop.analytics.learning.optimizers import predict_boost_outcome  # noqa: E402
from boostloop.analytics.learning.response import fit_response_model  # noqa: E402
from boostloop.server.learning.recommendations import confidence, confidence_level  # noqa: E402


def before(point: float, low: float, high: float, validity: float) -> float:
    """The definition this benchmark replaced: validity x 1 / (1 + width / (1 + |ROI|))."""
    w = max(0.0, high - low) / (1.0 + abs(point))
    return min(1.0, max(0.0, validity / (1.0 + w)))


def before_level(c: float) -> str:
    return "high" if c >= 0.7 else "medium" if c >= 0.4 else "low"


def wilson(k: int, n: int, z: float = 1.645) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def world_records(factor: float, seed: int, plans: int) -> list[dict]:
    posts_factor = max(1.0, factor / 2.5)  # 5 posts per boost in the default world; keep >= 2 unboosted per boost
    world = common.big_world(posts_factor=posts_factor, boosts_factor=factor)
    sim = common.make_sim(world, seed)
    ts = common.training_set(sim)
    X, Y = common.model_xy(ts)
    labels = [r.labels for r in ts.rows if r.is_training_ready]
    X = list(X)
    with threadpool_limits(1, "openmp"):
        trained = train_and_validate(X, np.asarray(Y))
        levels = fit_response_model(X, [lab["spend_cents"] for lab in labels], [lab["value_cents"] for lab in labels])
    model, val = trained.model, trained.validation.as_dict()
    median_budget = int(np.median([x["budget_cents"] for x in X]))
    rng = np.random.default_rng([seed, 97])
    plats, ctypes, shares, seg_names, seg_targeting = common.world_actions(world)
    start_weekday = sim.end.astimezone(__import__("zoneinfo").ZoneInfo(sim.workspace["timezone"])).weekday()
    out = []
    for k in range(plans):
        weekday = (start_weekday + k) % 7
        platform = plats[int(rng.integers(len(plats)))]
        ctype = ctypes[int(rng.choice(len(ctypes), p=shares))]
        with threadpool_limits(1, "openmp"):
            hour, seg, plan, bs = common.plan_boost(model, levels, X, labels, platform, ctype, weekday, seg_names,
                                              seg_targeting, rng, seed, k)
        # As the product does: a budget at the top of the grid (the curve never saturated, always so
        # without a response curve) is replaced by the workspace's usual (median) budget.
        budget = median_budget if bs.extrapolated else bs.budget_cents
        fc = bs.forecast if budget == bs.budget_cents else predict_boost_outcome(model, dict(plan, budget_cents=budget))
        ev = common.expected_boost_value_cents(world, platform, ctype, seg, hour, weekday, budget)
        _, value = common.realise_value(world, rng, ev)
        if fc.roi[0] <= 0:  # the product recommends only a positive projected ROI
            continue
        out.append({
            "factor": factor, "seed": seed, "rows": len(X), "method": fc.method, "validity": val["validity"],
            "holdout": val["holdout_rows"], "roi_coverage": (val["coverage"].get("overall") or {}).get("roi"),
            "roi": list(fc.roi), "budget_cents": budget, "extrapolated": bool(bs.extrapolated),
            "expected_roi": ev / budget - 1.0, "realised_roi": value / budget - 1.0,
            "confidence": confidence(fc, val), "confidence_before": before(*fc.roi, val["validity"]),
        })
    return out


def summarise(records: list[dict], key: str, level) -> dict:  # noqa: ANN001
    table = {}
    for name in ("high", "medium", "low"):
        rs = [r for r in records if level(r[key]) == name]
        n = len(rs)
        paid = sum(r["realised_roi"] > 0 for r in rs)
        paid_exp = sum(r["expected_roi"] > 0 for r in rs)
        inside = sum(r["roi"][1] <= r["realised_roi"] <= r["roi"][2] for r in rs)
        table[name] = {"n": n, "realised_roi_gt_0": paid / n if n else None, "ci90": wilson(paid, n),
                       "expected_roi_gt_0": paid_exp / n if n else None,
                       "inside_interval": inside / n if n else None, "inside_ci90": wilson(inside, n),
                       "worlds": sorted({(r["factor"], r["seed"]) for r in rs})}
    return table


def main() -> None:
    args = dict(a.lstrip("-").split("=", 1) for a in sys.argv[1:] if "=" in a)
    factors = [float(x) for x in args.get("factors", "0.3,1,2,4,10").split(",")]
    seeds = [int(x) for x in args.get("seeds", "11,12,13").split(",")]
    plans = int(args.get("plans", "40"))
    records = []
    for f in factors:
        for s in seeds:
            t0 = time.perf_counter()
            rs = world_records(f, s, plans)
            records += rs
            v = rs[0] if rs else {}
            print(f"factor {f:g} seed {s}: {len(rs)} recommendations, {v.get('rows')} rows, {v.get('method')}, "
                  f"validity {v.get('validity')}, holdout {v.get('holdout')}, ROI coverage {v.get('roi_coverage')}"
                  f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    Path(args.get("out", "/tmp/confidence.json")).write_text(json.dumps(records))
    for key, level, label in (("confidence", confidence_level, "product"), ("confidence_before", before_level, "before")):
        print(f"\n{label} definition")
        for name, t in summarise(records, key, level).items():
            if t["n"]:
                print(f"  {name:6s} n={t['n']:4d}  realised ROI > 0: {t['realised_roi_gt_0']:.0%} "
                      f"[{t['ci90'][0]:.0%}, {t['ci90'][1]:.0%}]  expected ROI > 0: {t['expected_roi_gt_0']:.0%}  "
                      f"inside the 90 % interval: {t['inside_interval']:.0%}  worlds {len(t['worlds'])}")
            else:
                print(f"  {name:6s} n=   0")


if __name__ == "__main__":
    main()

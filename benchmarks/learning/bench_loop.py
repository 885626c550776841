"""Twelve weeks of applying the top recommendation each day, against a random policy and the oracle.

    .venv/bin/python benchmarks/learning/bench_loop.py [--seeds 11,12]

Start: a simulated workspace's history (default world, 10x boosts: ~570 finished boosts with true labels).
Each of 84 days brings one fresh post (platform uniform over the world's three, content type by the world's
shares); a policy picks its start hour, audience segment and budget, and the world pays out its expected
incremental value (the simulator's own response formulas, ``common.expected_boost_value_cents``). Policies:

* random: hour uniform, segment uniform, budget from the world's own budget distribution (how the simulated
  marketers boosted);
* oracle: the action with the highest expected profit (value - spend), knowing the world;
* ours: the product's choices from the outcome model: the best start hour of the timing profile, the best
  segment (with the 20 % Thompson-sampling exploration of ``exploration.py``), the budget where the marginal
  return of the boost's response curve (``response.py``: K per platform, level from a Poisson GLM) falls
  to 1 (``Workspace.target_marginal_roas`` default). Its boosts
  realise (Poisson conversions around the expected value) and join the training data; retrained weekly.

Reported: cumulative expected profit of each policy, the share of the random-to-oracle gap closed, and the
regret curve (oracle - policy, cumulative, by day).
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
from common import (  # noqa: E402
    big_world,
    expected_boost_value_cents,
    make_sim,
    model_xy,
    plan_boost,
    realise_value,
    training_set,
    world_actions,
)

from boostloop.analytics.learning.exploration import should_explore  # noqa: E402
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel  # noqa: E402
from boostloop.analytics.learning.response import fit_response_model  # noqa: E402

DAYS = 84
BUDGETS = np.unique(np.round(np.geomspace(5_000, 600_000, 40) / 500) * 500).astype(int)


def run(seed: int) -> dict:
    world = big_world()
    sim = make_sim(world, seed)
    ts = training_set(sim)
    X, Y = model_xy(ts)
    labels = [r.labels for r in ts.rows if r.is_training_ready]
    X, Y = list(X), [list(y) for y in Y]
    rng = np.random.default_rng([seed, 84])
    plats, ctypes, shares, seg_names, seg_targeting = world_actions(world)
    start_weekday = sim.end.astimezone(__import__("zoneinfo").ZoneInfo(sim.workspace["timezone"])).weekday()
    profit = {"random": [], "oracle": [], "ours": []}
    model = None
    t_model = 0.0
    parts = {"hour": 0.0, "segment": 0.0, "budget": 0.0, "explored_days": 0}
    for day in range(DAYS):
        weekday = (start_weekday + day) % 7
        platform = plats[int(rng.integers(len(plats)))]
        ctype = ctypes[int(rng.choice(len(ctypes), p=shares))]

        def ev(hour, seg, budget):  # noqa: ANN001, ANN202
            return expected_boost_value_cents(world, platform, ctype, seg, hour, weekday, budget) - budget

        # oracle
        best = max(ev(h, s, b) for h in range(24) for s in seg_names for b in BUDGETS)
        profit["oracle"].append(best)
        # random (the simulated marketers' own way of boosting)
        b = float(np.clip(rng.lognormal(math.log(world.budget.median_cents), world.budget.log_sd), world.budget.min_cents, world.budget.max_cents))
        profit["random"].append(ev(int(rng.integers(24)), seg_names[int(rng.integers(len(seg_names)))], b))
        # ours
        t0 = time.perf_counter()
        with threadpool_limits(1, "openmp"):
            if day % 7 == 0:
                model = BoostOutcomeModel().fit(X, np.array(Y))
                levels = fit_response_model(X, [lab["spend_cents"] for lab in labels], [lab["value_cents"] for lab in labels])

            hour, seg, plan, bs = plan_boost(model, levels, X, labels, platform, ctype, weekday, seg_names,
                                             seg_targeting, rng, seed, day)
        t_model += time.perf_counter() - t0
        budget = bs.budget_cents
        p_ours = ev(hour, seg, budget)
        profit["ours"].append(p_ours)
        # where the regret comes from (each part with the other two choices held at ours)
        h_star = max(range(24), key=lambda h: ev(h, seg, budget))
        s_star = max(seg_names, key=lambda s: max(ev(hour, s, b) for b in BUDGETS))
        b_star = max(BUDGETS, key=lambda b: ev(hour, seg, b))
        parts["hour"] += ev(h_star, seg, budget) - p_ours
        parts["segment"] += max(ev(hour, s_star, b) for b in BUDGETS) - max(ev(hour, seg, b) for b in BUDGETS)
        parts["budget"] += ev(hour, seg, b_star) - p_ours
        parts["explored_days"] += int(should_explore(seed, day))
        # the realised boost joins the training data
        conv, value = realise_value(world, rng, p_ours + budget)
        spec = world.platforms[__import__("boostloop.enums", fromlist=["Platform"]).Platform(platform)]
        s_obj = next(s for s in world.segments if s.name == seg)
        reach = spec.max_paid_reach * s_obj.reach_multiplier * (1 - math.exp(-budget / spec.saturation_budget_cents)) * (1 - spec.overlap)
        X.append(dict(plan, budget_cents=budget))
        Y.append([reach, conv, (value - budget) / budget])
        labels.append({"spend_cents": budget, "value_cents": value, "success": int(value > budget), "conversions": conv})
    cum = {k: np.cumsum(v) for k, v in profit.items()}
    gap = (cum["ours"][-1] - cum["random"][-1]) / (cum["oracle"][-1] - cum["random"][-1])
    regret = {k: (cum["oracle"] - cum[k]).round(0).tolist() for k in ("random", "ours")}
    return {"seed": seed, "days": DAYS, "cumulative_profit_cents": {k: float(v[-1]) for k, v in cum.items()},
            "gap_closed": float(gap), "regret_by_week": {k: [v[d] for d in range(6, DAYS, 7)] for k, v in regret.items()},
            "model_seconds": round(t_model, 1), "regret_parts_cents": parts}


def main() -> None:
    seeds = [11]
    for a in sys.argv[1:]:
        if a.startswith("--seeds"):
            seeds = [int(s) for s in a.split("=", 1)[1].split(",")]
    out = [run(s) for s in seeds]
    print(json.dumps(out, indent=1))
    for r in out:
        print(f"seed {r['seed']}: gap closed {r['gap_closed']:.0%}; profit $ random {r['cumulative_profit_cents']['random'] / 100:,.0f}"
              f" / ours {r['cumulative_profit_cents']['ours'] / 100:,.0f} / oracle {r['cumulative_profit_cents']['oracle'] / 100:,.0f}")


if __name__ == "__main__":
    main()

"""The corrected organic / paid / overlap split (``analytics.attribution.overlap_split``) against the
simulator's truth (``truth["boosts"][id]["conversions_split"]``), per world and seed.

For each boost (``boostloop.simulate.split_inputs``): the observed split (``journeys.boost_split_sql``,
Meta's 7-day click / 1-day view windows) and tracked people from the events on DuckDB; reach figures as the
server reads them (the post's latest organic capture: reach and total reach; the campaign's hourly reach
summed up to that capture; followers when no total reach is reported); then ``estimate_split``. Printed: summed parts (truth, observed, estimate)
and their relative errors, the per-boost mean absolute error of each part, and the share of boosts (with
any true conversion) whose truth lies in the 90 % interval.

    .venv/bin/python benchmarks/attribution/split_truth.py --worlds default overlap_05 overlap_70 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "effectiveness"))

from validate import WORLDS  # noqa: E402

from boostloop.simulate import generate  # noqa: E402
from boostloop.simulate.split_inputs import PARTS, estimates  # noqa: E402
from boostloop.simulate.world import world_from_dict  # noqa: E402


def world_dicts() -> dict[str, dict]:
    """validate.py's variants plus two overlap levels of the default world (only ``overlap`` changed)."""
    out = dict(WORLDS)
    for name, ov in (("overlap_05", 0.05), ("overlap_70", 0.7)):
        d = copy.deepcopy(WORLDS["default"])
        for spec in d["platforms"].values():
            spec["overlap"] = ov
        out[name] = d
    return out


def score(sim, est: dict) -> dict:  # noqa: ANN001
    truth = {k: 0 for k in PARTS}
    obs_sum = {k: 0.0 for k in PARTS}
    est_sum = {k: 0.0 for k in PARTS}
    abs_err = {k: [] for k in PARTS}
    abs_err_obs = {k: [] for k in PARTS}
    covered = {k: [] for k in PARTS}
    by_method: dict[str, dict] = {}
    for boost_id, t in sim.truth["boosts"].items():
        obs, e = est[boost_id]
        tv = t["conversions_split"]
        m = by_method.setdefault(e.method, {"boosts": 0, **{f"truth_{k}": 0 for k in PARTS},
                                            **{f"est_{k}": 0.0 for k in PARTS}})
        m["boosts"] += 1
        for k in PARTS:
            m[f"truth_{k}"] += tv[k]
            m[f"est_{k}"] += getattr(e, k)
        for k in PARTS:
            truth[k] += tv[k]
            obs_sum[k] += getattr(obs, k)
            est_sum[k] += getattr(e, k)
            abs_err[k].append(abs(getattr(e, k) - tv[k]))
            abs_err_obs[k].append(abs(getattr(obs, k) - tv[k]))
            if sum(tv.values()) > 0 and e.level is not None:
                covered[k].append(getattr(e, f"{k}_low") <= tv[k] <= getattr(e, f"{k}_high"))
    return {"truth": truth, "observed": obs_sum, "estimate": est_sum,
            "mae": {k: float(np.mean(v)) for k, v in abs_err.items()},
            "mae_observed": {k: float(np.mean(v)) for k, v in abs_err_obs.items()},
            "coverage": {k: float(np.mean(v)) if v else None for k, v in covered.items()},
            "boosts": len(sim.truth["boosts"]), "boosts_scored": len(covered["paid"]), "by_method": by_method}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", nargs="+", default=["default", "overlap_05", "overlap_70"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=0.5)
    args = ap.parse_args()
    worlds = world_dicts()
    for name in args.worlds:
        for seed in args.seeds:
            t0 = time.perf_counter()
            sim = generate(world_from_dict(copy.deepcopy(worlds[name])), seed, scale=args.scale)
            res = score(sim, estimates(sim))
            tr, ob, es = res["truth"], res["observed"], res["estimate"]

            def rel(x: float, t: float) -> str:
                return f"{(x - t) / t:+.1%}" if t else "n/a"

            print(f"{name} seed {seed} ({res['boosts']} boosts, {time.perf_counter() - t0:.0f} s)")
            print("  part      truth  observed (err)      estimate (err)   MAE/boost obs -> est   90% coverage")
            for k in PARTS:
                cov = res["coverage"][k]
                print(f"  {k:8s} {tr[k]:6d}  {ob[k]:8.0f} ({rel(ob[k], tr[k]):>7s})  {es[k]:8.1f} ({rel(es[k], tr[k]):>7s})"
                      f"   {res['mae_observed'][k]:6.2f} -> {res['mae'][k]:6.2f}"
                      f"   {'n/a' if cov is None else f'{cov:.0%}'} of {res['boosts_scored']}")
            tt, to, te = sum(tr.values()), sum(ob.values()), sum(es.values())
            print(f"  total    {tt:6d}  {to:8.0f} ({rel(to, tt):>7s})  {te:8.1f} ({rel(te, tt):>7s})")
            for method, m in res["by_method"].items():
                parts = ", ".join(f"{k} {m[f'truth_{k}']} -> {m[f'est_{k}']:.1f}" for k in PARTS)
                print(f"  by overlap-reach method {method} ({m['boosts']} boosts): truth -> estimate {parts}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

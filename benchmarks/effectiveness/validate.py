"""Validate the effectiveness estimates against the simulator's truth, with statsmodels peers side by side.

    .venv/bin/python benchmarks/effectiveness/validate.py [--seeds 1 2] [--worlds default slow_decay ...]
                                                          [--no-peers] [--json out.json]

For every world and seed: generate the workspace, build each boost's observed inputs (harness.py), run
``analyze_boost`` and the peers on the same inputs, and print per method
- median |estimated - true| / true incremental conversions over boosts with 30+ true incremental
  conversions (target <= 15 %),
- the share of 90 % intervals of incremental conversions containing the truth (target 85-95 %),
- the same coverage for the counterfactual organic reach at the analysis end, and the median error of the
  counterfactual organic *growth* after the boost relative to the true growth.

Worlds: the shipped default, and variants of it (``WORLDS``) that change decay (organic half-lives),
overlap, and effect size (paid reach, click-through, budgets); all variants raise the organic
click-through so that organic conversions, and hence the counterfactual, matter for the incremental
count (in the default world a post earns ~1-2 organic conversions and the incremental count is nearly
the observed total).

Peers (same inputs, same conversion formula; only the reach counterfactual differs):
- ``uc_local_linear_trend``: statsmodels UnobservedComponents, local linear trend on the post's own
  hourly cumulative pre-boost series, forecast to the analysis end;
- ``uc_level_plus_controls``: UnobservedComponents local level + regression on the controls' mean
  cumulative series (the CausalImpact set-up with statsmodels).
- ``causalimpact``: Google's tfp-causalimpact 0.2.0 in its own environment (``causalimpact_peer.py``;
  ``--export-ci`` writes its input, ``--ci-results`` scores its output on the boosts it fitted).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

from boostloop.simulate import generate  # noqa: E402
from boostloop.simulate.world import DEFAULT_WORLD, world_from_dict  # noqa: E402


def _scale_platforms(d: dict, **factors) -> dict:
    d = copy.deepcopy(d)
    for spec in d["platforms"].values():
        for key, f in factors.items():
            if key.startswith("set_"):
                spec[key[4:]] = f
            else:
                v = spec[key] * f
                spec[key] = type(spec[key])(round(v)) if isinstance(spec[key], int) else v
    return d


def world_variants() -> dict:
    base = tomllib.loads(DEFAULT_WORLD.read_text(encoding="utf-8"))
    out = {"default": base}
    out["slow_decay"] = _scale_platforms(base, organic_half_life_hours=4.0, organic_ctr=4.0,
                                         set_organic_spillover=0.15)
    out["fast_decay"] = _scale_platforms(base, organic_half_life_hours=0.5, organic_ctr=4.0)
    out["high_overlap"] = _scale_platforms(base, set_overlap=0.7, organic_ctr=4.0, organic_half_life_hours=2.0)
    big = _scale_platforms(base, max_paid_reach=2.0, paid_ctr=1.5, organic_ctr=4.0, organic_half_life_hours=2.0)
    big["budget"]["median_cents"] = 120000
    out["big_effect"] = big
    small = _scale_platforms(base, paid_ctr=0.5, organic_ctr=4.0, set_organic_spillover=0.0)
    out["small_effect"] = small
    # Organic conversions and spillover large: the counterfactual decides a big part of the incremental count.
    out["organic_heavy"] = _scale_platforms(base, organic_ctr=10.0, set_organic_spillover=0.5, set_overlap=0.05,
                                            organic_half_life_hours=3.0)
    return out


WORLDS = world_variants()


def run(worlds: list[str], seeds: list[int], *, peers: bool, scale: float = 1.0, export_ci: str | None = None,
        ci_results: str | None = None, overlap_term: bool = True) -> dict:
    results = {}
    all_rows = []
    ci_export = []
    ci = json.loads(Path(ci_results).read_text()) if ci_results else None
    for name in worlds:
        world = world_from_dict(copy.deepcopy(WORLDS[name]))
        for seed in seeds:
            t0 = time.perf_counter()
            sim = generate(world, seed, scale=scale)
            cases = harness.build_cases(sim, overlap_term=overlap_term)
            if export_ci:
                ci_export.extend(harness.causalimpact_input(c, f"{name}/{seed}/{c.boost_id}") for c in cases)
            if ci is not None:
                keep = {k.split("/")[-1] for k in ci if k.startswith(f"{name}/{seed}/")}
                cases = [c for c in cases if c.boost_id in keep]
            res = harness.evaluate(cases, seed=seed, peers=peers)
            if ci is not None:
                harness.add_causalimpact(res["rows"], cases, ci, f"{name}/{seed}/", seed=seed)
                res["summary"] = harness.summarise(res["rows"])
            for r in res["rows"]:
                r["world"], r["seed"] = name, seed
            all_rows.extend(res["rows"])
            results[f"{name}/seed{seed}"] = res["summary"]
            print(f"{name} seed {seed}: {len(cases)} boosts, {time.perf_counter() - t0:.0f} s", flush=True)
            _print(res["summary"])
    results["ALL"] = harness.summarise(all_rows)
    if export_ci:
        Path(export_ci).write_text(json.dumps(ci_export))
    return {"summary": results, "rows": all_rows}


def _fmt(v):
    return "   -  " if v is None else f"{v:6.3f}"


def _print(summary: dict) -> None:
    print(f"  {'method':26s} {'n':>4s} {'n30+':>5s} {'MdAPE inc30+':>13s} {'cov inc90':>10s} "
          f"{'cov cf90':>9s} {'MdAPE cf growth':>16s} {'PIT cov90':>10s} {'cf width/growth':>16s}"
          f" {'bias inc':>9s} {'inc width':>10s} {'exp cov90':>10s} {'overlap E':>10s}")
    for method, s in summary.items():
        print(f"  {method:26s} {s['n_boosts']:4d} {s['n_30plus']:5d} {_fmt(s['median_abs_rel_error_inc_30plus']):>13s}"
              f" {_fmt(s['coverage_inc_90']):>10s} {_fmt(s['coverage_cf_reach_90']):>9s}"
              f" {_fmt(s['median_abs_rel_error_cf_growth']):>16s}"
              f" {_fmt(s.get('randomised_pit_coverage_inc_90')):>10s}"
              f" {_fmt(s.get('median_cf_interval_width_over_growth')):>16s}"
              f" {_fmt(s.get('mean_signed_error_inc')):>9s} {_fmt(s.get('median_inc_interval_width')):>10s}"
              f" {_fmt(s.get('expected_coverage_inc_90')):>10s} {_fmt(s.get('mean_overlap_term')):>10s}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worlds", nargs="*", default=list(WORLDS))
    ap.add_argument("--seeds", nargs="*", type=int, default=[1])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--json", type=str, default=None)
    ap.add_argument("--export-ci", type=str, default=None, help="write the series for causalimpact_peer.py")
    ap.add_argument("--ci-results", type=str, default=None, help="score causalimpact_peer.py's output")
    ap.add_argument("--no-overlap-term", action="store_true", help="leave the overlap term out (comparison)")
    args = ap.parse_args()
    out = run(args.worlds, args.seeds, peers=not args.no_peers, scale=args.scale, export_ci=args.export_ci,
              ci_results=args.ci_results, overlap_term=not args.no_overlap_term)
    print("\nALL worlds and seeds:")
    _print(out["summary"]["ALL"])
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()

"""Do the insight detectors find what the simulator planted, and nothing on a world without effects?

Planted world: the shipped default world (evening hours and mid-week start times, the
"outdoor-enthusiasts-25-44" segment and CAROUSEL posts convert best per dollar; paid reach saturates in
budget), with every post boosted so that one workspace holds enough boosts (about 300 per unit of scale)
for one-vs-rest tests with at least 10 boosts per hour.
Null world: the same with every effect removed: every platform a copy of the first one (paid and organic
parameters), flat hour and weekday multipliers, segments identical in
reach / CTR / CVR, one conversion rate for every content type, and saturation budgets 100x the largest
budget with the ceiling raised so the first dollar buys the same reach (returns linear in spend).

For every seed: generate, turn the rows into the detectors' input (the same mapping as
boostloop.server.insights.service.build_input, without a database), run generate_insights (one BH family
at FDR 0.05) and score against the truth. Usage:

    .venv/bin/python benchmarks/insights/recovery.py --seeds 20 --null-seeds 20 --scale 2
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import replace
from zoneinfo import ZoneInfo

import numpy as np

from boostloop.analytics.insights import BoostOutcome, InsightInput, OrganicPost, generate_insights
from boostloop.enums import BoostStatus, InsightType
from boostloop.simulate import generate, load_world


def planted_world():
    w = load_world()
    return replace(w, platforms={p: replace(s, boosts=s.posts) for p, s in w.platforms.items()})


def null_world():
    w = planted_world()
    rate = 0.05
    # Every platform identical (paid and organic): platform-reported conversions also include people who
    # saw the post organically, so different organic reach alone would make platforms differ per dollar.
    first = w.platforms[next(iter(w.platforms))]
    w = replace(w, platforms={p: first for p in w.platforms})
    return replace(
        w,
        hour_multipliers=(1.0,) * 24,
        weekday_multipliers=(1.0,) * 7,
        segments=tuple(
            replace(s, reach_multiplier=1.0, ctr_multiplier=1.0, cvr_multiplier=1.0) for s in w.segments
        ),
        content={c: replace(s, conversion_rate=rate) for c, s in w.content.items()},
        # Linear returns with the same first-dollar slope: reach = max_reach * (1 - exp(-budget / sat)) ~=
        # budget * max_reach / sat while budget << sat.
        platforms={
            p: replace(
                s,
                saturation_budget_cents=w.budget.max_cents * 100,
                max_paid_reach=int(s.max_paid_reach * w.budget.max_cents * 100 / s.saturation_budget_cents),
            )
            for p, s in w.platforms.items()
        },
    )


def sim_to_input(sim) -> InsightInput:  # noqa: ANN001
    tz = ZoneInfo(sim.workspace["timezone"])
    ctype = {p["id"]: p["content_type"] for p in sim.posts}
    sums: dict = defaultdict(lambda: np.zeros(5))
    for m in sim.campaign_metrics:
        sums[m["campaign_id"]] += (
            m["spend_cents"],
            m["impressions"],
            m["clicks"],
            m["conversions"],
            m["conversion_value_cents"],
        )
    boosts = []
    for b in sim.boosts:
        s = sums.get(b["campaign_id"], np.zeros(5))
        local = b["boosted_at"].astimezone(tz)
        t = b["targeting_criteria"] or {}
        boosts.append(
            BoostOutcome(
                boost_id=str(b["id"]),
                weekday=local.weekday(),
                hour=local.hour,
                platform=b["platform"].value,
                content_type=ctype[b["original_post_id"]].value,
                spend_cents=int(s[0]),
                impressions=int(s[1]),
                clicks=int(min(s[2], s[1])),
                conversions=int(s[3]),
                value_cents=int(s[4]),
                budget_cents=b["initial_budget_cents"],
                segment=t.get("segment"),
                age_band=f"{t.get('age_min')}-{t.get('age_max')}",
                interests=tuple(t.get("interests", ())),
                locations=tuple(t.get("locations", ())),
                active=b["status"] == BoostStatus.ACTIVE,
            )
        )
    return InsightInput(
        boosts=tuple(boosts), period_start=sim.start, period_end=sim.end, organic_posts=tuple(_organic(sim))
    )


def _organic(sim) -> list[OrganicPost]:  # noqa: ANN001
    from datetime import timedelta

    end, start = sim.end, sim.end - timedelta(days=7)
    last: dict = {}
    before: dict = {}
    seen = set()
    for m in sim.organic_metrics:
        pid, t = m["post_id"], m["captured_at"]
        if t <= end and (pid not in last or t > last[pid][0]):
            last[pid] = (t, m["engagements"], m["impressions"])
        if t <= start and (pid not in before or t > before[pid][0]):
            before[pid] = (t, m["engagements"], m["impressions"])
        if start < t <= end:
            seen.add(pid)
    boosted = {b["original_post_id"] for b in sim.boosts}
    posts = {p["id"]: p for p in sim.posts}
    out = []
    for pid in sorted(seen, key=str):
        e1, i1 = last[pid][1:]
        e0, i0 = before.get(pid, (None, 0, 0))[1:]
        p = posts[pid]
        out.append(
            OrganicPost(
                str(pid), p["platform"].value, p["content_type"].value, e1 - e0, i1 - i0, pid in boosted
            )
        )
    return out


def patterns(report):  # noqa: ANN001, ANN202
    return [i for i in report.insights if i.insight_type is InsightType.PATTERN]


def score_planted(report, truth) -> dict:  # noqa: ANN001
    hour_mult = np.array(truth["world"]["hour_multipliers"], float)
    wd_mult = np.array(truth["world"]["weekday_multipliers"], float)
    best_hours, best_wd = set(truth["best_hours"]), set(truth["best_weekdays"])
    pats = patterns(report)

    def hours_of(i) -> set[int]:  # noqa: ANN001
        d, lev = i.data_points["dimension"], int(i.data_points["level"])
        return {lev} if d == "hour" else set(range(lev, lev + 4))

    def planted_mult(i) -> float:  # noqa: ANN001 - the mean planted multiplier of an hour or a daypart
        return float(np.mean([hour_mult[h] for h in hours_of(i)]))

    timing_best = [
        i
        for i in pats
        if i.data_points.get("dimension") in ("hour", "daypart") and i.data_points["direction"] == "best"
    ]
    found_hours = set().union(*[hours_of(i) for i in timing_best]) if timing_best else set()
    wd_best = {
        int(i.data_points["level"])
        for i in pats
        if i.data_points.get("dimension") == "weekday" and i.data_points["direction"] == "best"
    }
    seg_best = {
        i.data_points["level"]
        for i in pats
        if i.data_points.get("dimension") == "segment" and i.data_points["direction"] == "best"
    }
    ct_best = {
        i.data_points["level"]
        for i in pats
        if i.data_points.get("dimension") == "content_type" and i.data_points["direction"] == "best"
    }
    # A "wrong" best: a level whose planted multiplier is below the average one.
    wrong_hours = {i.data_points["subject"] for i in timing_best if planted_mult(i) < hour_mult.mean()}
    wrong_wd = {d for d in wd_best if wd_mult[d] < wd_mult.mean()}
    budgets = {}
    for i in pats:
        if i.category.value == "BUDGET":
            p = i.data_points["platform"]
            lo, hi = i.data_points["break_even_ci_cents"]
            budgets[p] = {
                "estimate_cents": i.data_points["break_even_cents"],
                "ci_cents": [lo, hi],
                "true_roi_optimal_cents": truth["roi_optimal_budget_cents"][p],
            }
    worst_hours = set(truth["worst_hours"])
    timing_worst = [
        i
        for i in pats
        if i.data_points.get("dimension") in ("hour", "daypart") and i.data_points["direction"] == "worst"
    ]
    found_worst = set().union(*[hours_of(i) for i in timing_worst]) if timing_worst else set()
    wrong_worst = {i.data_points["subject"] for i in timing_worst if planted_mult(i) > hour_mult.mean()}
    wd_worst = {
        int(i.data_points["level"])
        for i in pats
        if i.data_points.get("dimension") == "weekday" and i.data_points["direction"] == "worst"
    }
    worst_wd_true = {int(d) for d in np.flatnonzero(wd_mult <= 1.05 * wd_mult.min())}
    return {
        "worst_hours_found": bool(found_worst & worst_hours),
        "found_worst_hours": sorted(found_worst),
        "wrong_worst_hours": sorted(wrong_worst),
        "worst_weekday_found": bool(wd_worst & worst_wd_true),
        "best_hours_found": bool(found_hours & best_hours),
        "found_hours": sorted(found_hours),
        "wrong_best_hours": sorted(wrong_hours),
        "best_weekday_found": bool(wd_best & best_wd),
        "wrong_best_weekdays": sorted(wrong_wd),
        "best_segment_found": truth["best_segment"] in seg_best,
        "best_segments": sorted(seg_best),
        "best_content_found": truth["best_content_type"] in ct_best,
        "best_content": sorted(ct_best),
        "budget": budgets,
    }


def budget_on_incremental_value(data: InsightInput, truth: dict, seed: int) -> dict:
    """Diagnostic: the same budget detector fed the simulator's true incremental value per boost instead of
    the platform-reported conversion value; the truth's ROI-optimal budget is defined on incremental value."""
    from boostloop.analytics.insights.budget import detect_budget

    tb = truth["boosts"]
    boosts = tuple(
        replace(b, value_cents=max(int(tb[b.boost_id].get("incremental_value_cents", 0)), 0))
        for b in data.boosts
    )
    out = {}
    for f in detect_budget(boosts, seed=seed).findings:
        p = f.data["platform"]
        out[p] = {
            "estimate_cents": f.data["break_even_cents"],
            "ci_cents": f.data["break_even_ci_cents"],
            "true_roi_optimal_cents": truth["roi_optimal_budget_cents"][p],
            "p_value": f.evidence.p_value,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--null-seeds", type=int, default=20)
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    results = {"scale": args.scale, "planted": [], "null": []}
    t0 = time.time()
    world = planted_world()
    for seed in range(args.seeds):
        sim = generate(world, seed, scale=args.scale)
        data = sim_to_input(sim)
        t = time.time()
        report = generate_insights(data, seed=seed)
        s = score_planted(report, sim.truth)
        s["budget_incremental"] = budget_on_incremental_value(data, sim.truth, seed)
        s.update(
            seed=seed,
            boosts=len(data.boosts),
            tests=report.n_tests,
            significant=report.n_significant,
            detect_seconds=round(time.time() - t, 2),
        )
        results["planted"].append(s)
        print("planted", json.dumps(s), flush=True)
    nw = null_world()
    for seed in range(args.null_seeds):
        sim = generate(nw, 1000 + seed, scale=args.scale)
        data = sim_to_input(sim)
        report = generate_insights(data, seed=seed)
        fds = [i.title for i in patterns(report)]
        row = {
            "seed": 1000 + seed,
            "boosts": len(data.boosts),
            "tests": report.n_tests,
            "pattern_tests": sum(
                len(d.findings)
                for d in report.detectors
                if d.name in ("timing", "targeting", "content_type", "platform", "budget")
            ),
            "false_discoveries": len(fds),
            "titles": fds,
        }
        results["null"].append(row)
        print("null", json.dumps(row), flush=True)
    p = results["planted"]
    n = results["null"]
    summary = {
        "planted_seeds": len(p),
        "best_hours_found": sum(r["best_hours_found"] for r in p),
        "seeds_with_wrong_best_hour": sum(bool(r["wrong_best_hours"]) for r in p),
        "best_weekday_found": sum(r["best_weekday_found"] for r in p),
        "worst_hours_found": sum(r["worst_hours_found"] for r in p),
        "seeds_with_wrong_worst_hour": sum(bool(r["wrong_worst_hours"]) for r in p),
        "worst_weekday_found": sum(r["worst_weekday_found"] for r in p),
        "best_segment_found": sum(r["best_segment_found"] for r in p),
        "best_content_found": sum(r["best_content_found"] for r in p),
        "null_seeds": len(n),
        "null_false_discoveries": sum(r["false_discoveries"] for r in n),
        "null_seeds_with_any": sum(1 for r in n if r["false_discoveries"]),
        "null_tests_per_seed": float(np.mean([r["pattern_tests"] for r in n])) if n else 0,
        "seconds": round(time.time() - t0, 1),
    }
    budget_rows = [(pl, b) for r in p for pl, b in r["budget"].items()]
    if budget_rows:
        summary["budget_fits"] = len(budget_rows)
        summary["budget_ci_covers_truth"] = sum(
            b["ci_cents"][0] <= b["true_roi_optimal_cents"] <= b["ci_cents"][1] for _, b in budget_rows
        )
        summary["budget_median_ratio_estimate_to_truth"] = float(
            np.median([b["estimate_cents"] / b["true_roi_optimal_cents"] for _, b in budget_rows])
        )
    inc_rows = [b for r in p for b in r["budget_incremental"].values()]
    if inc_rows:
        summary["budget_incremental_fits"] = len(inc_rows)
        summary["budget_incremental_ci_covers_truth"] = sum(
            b["ci_cents"][0] <= b["true_roi_optimal_cents"] <= b["ci_cents"][1] for b in inc_rows
        )
        summary["budget_incremental_median_ratio"] = float(
            np.median([b["estimate_cents"] / b["true_roi_optimal_cents"] for b in inc_rows])
        )
    results["summary"] = summary
    print("summary", json.dumps(summary), flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1, default=str)


if __name__ == "__main__":
    main()

"""Shared by the learning benchmarks: simulated worlds and their boosts as training rows with true labels.

Labels here are the simulator's truth (incremental reach, incremental conversions, ROI on incremental value),
i.e. what a perfect effectiveness measurement would give: the benchmarks test the learning layer, not the
measurement layer in front of it.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict

import numpy as np

from boostloop.analytics.learning.features import (
    BoostOutcome,
    BoostRecord,
    OrganicPoint,
    build_training_rows,
    history_from_records,
)
from boostloop.simulate import generate, load_world


def big_world(posts_factor: float = 4.0, boosts_factor: float = 10.0, **overrides):
    """The default world with more posts and boosts per platform (same responses, same truth)."""
    w = load_world()
    platforms = {p: dataclasses.replace(s, posts=int(s.posts * posts_factor), boosts=int(s.boosts * boosts_factor))
                 for p, s in w.platforms.items()}
    return dataclasses.replace(w, platforms=platforms, **overrides)


def records_from_sim(sim) -> tuple[list[BoostRecord], dict]:
    """Boosts of a simulated workspace as records with true outcomes; and the history inputs."""
    posts = {p["id"]: p for p in sim.posts}
    series = defaultdict(list)
    for m in sim.organic_metrics:
        series[m["post_id"]].append(m)
    camp = defaultdict(lambda: {"impressions": 0, "clicks": 0})
    for m in sim.campaign_metrics:
        camp[m["campaign_id"]]["impressions"] += m["impressions"]
        camp[m["campaign_id"]]["clicks"] += m["clicks"]
    truth = sim.truth["boosts"]
    recs, keys = [], {}
    for b in sim.boosts:
        t = truth[str(b["id"])]
        post = posts[b["original_post_id"]]
        s = sorted(series[post["id"]], key=lambda m: m["captured_at"])
        finished = b["ended_at"] is not None and t.get("roi") is not None
        outcome = None
        if finished:
            spend = int(t["spend_cents"])
            value = t["incremental_value_cents"]  # truth ROI = (incremental value - spend) / spend
            outcome = BoostOutcome(
                spend_cents=spend, paid_impressions=camp[b["campaign_id"]]["impressions"],
                paid_clicks=camp[b["campaign_id"]]["clicks"], conversions=float(max(0, t["incremental_conversions"])),
                conversion_value_cents=int(max(0, value)), incremental_reach=int(max(0, t["incremental_reach"])),
                organic_reach_end=s[-1]["reach"] if s else None,
            )
        recs.append(BoostRecord(
            boost_id=str(b["id"]), account_id=str(post["account_id"]), platform=str(b["platform"]),
            content_type=str(post["content_type"]), text_length=post["text_length"], media_count=post["media_count"],
            hashtag_count=post["hashtag_count"], published_at=post["published_at"], boosted_at=b["boosted_at"],
            budget_cents=int(b["initial_budget_cents"]), duration_days=int(b["duration_days"]),
            targeting=b["targeting_criteria"],
            organic_series=tuple(OrganicPoint(m["captured_at"], m["impressions"], m["engagements"], m["reach"]) for m in s),
            ended_at=b["ended_at"] if finished else None, outcome=outcome,
        ))
        keys[str(b["id"])] = str(post["id"])
    final_eng = defaultdict(list)
    for pid, ms in series.items():
        p = posts[pid]
        final_eng[str(p["account_id"])].append((str(pid), p["published_at"], float(max(m["engagements"] for m in ms))))
    return recs, {"posts": dict(final_eng), "keys": keys}


def training_set(sim):
    recs, extra = records_from_sim(sim)
    hist = history_from_records(recs, extra["posts"])
    return build_training_rows(recs, sim.workspace["timezone"], history=hist, post_keys=extra["keys"])


def expected_boost_value_cents(world, platform, content_type, segment_name, hour, weekday, budget_cents, scale=1.0):
    """The world's expected incremental conversion value of one boost (the simulator's own response
    formulas; organic spillover ignored as in ``simulate.generate.expected_incremental_value_cents``)."""
    from boostloop.enums import ContentType, Platform

    spec = world.platforms[Platform(platform)]
    seg = next(s for s in world.segments if s.name == segment_name)
    cvr = world.content[ContentType(content_type)].conversion_rate
    m_time = world.hour_multipliers[hour] * world.weekday_multipliers[weekday]
    reach = spec.max_paid_reach * seg.reach_multiplier * scale**0.5 * (1 - math.exp(-budget_cents / spec.saturation_budget_cents))
    p_p = min(1.0, spec.paid_ctr * seg.ctr_multiplier * m_time) * min(1.0, cvr * seg.cvr_multiplier)
    p_o = spec.organic_ctr * cvr
    mean_value = world.journeys.conversion_value_median_cents * math.exp(world.journeys.conversion_value_log_sd**2 / 2)
    return reach * ((1 - spec.overlap) * p_p + spec.overlap * p_p * (1 - p_o)) * mean_value


def make_sim(world, seed: int, scale: float = 1.0):
    sim = generate(world, seed, scale=scale)
    return dataclasses.replace(sim, events=None)


def model_xy(ts):
    X = [r.features for r in ts.rows if r.is_training_ready]
    Y = np.array([[float(r.labels[t]) for t in ("reach", "conversions", "roi")] for r in ts.rows if r.is_training_ready])
    return X, Y


def plan_boost(model, levels, X, labels, platform, ctype, weekday, seg_names, seg_targeting, rng, seed, day):
    """The product's choices for a fresh post (as in ``server.learning.recommendations``): a past boost of the
    same platform and content type as the template, the best start hour of the timing profile, the best
    segment (or a Thompson-sampling draw on exploration days), the budget from the boost's response curve.
    Returns (hour, segment, plan features, ``BudgetSuggestion`` whose ``forecast`` is the projection)."""
    from boostloop.analytics.learning.exploration import sampler_from_history, should_explore
    from boostloop.analytics.learning.optimizers import (
        optimize_targeting,
        suggest_budget,
        suggest_timing,
        targeting_features,
    )

    same = [x for x in X if x["platform"] == platform and x.get("content_type") == ctype] or [x for x in X if x["platform"] == platform]
    template = dict(same[int(rng.integers(len(same)))], weekday=weekday)
    timing = suggest_timing(model, template, reference_rows=X[-40:])
    hour = timing.best_hours[0]
    template = dict(template, hour=hour)
    if should_explore(seed, day):
        hist = [(x.get("segment"), float(lab.get("success") or 0)) for x, lab in zip(X, labels, strict=False)]
        seg = sampler_from_history(seg_names, hist, seed=seed * 1000 + day).choose()
    else:
        seg = optimize_targeting(model, template, seg_targeting).segment
    plan = targeting_features(template, dict(seg_targeting[seg], segment=seg))
    curve = levels.curve_for(plan) if levels else None
    refs = [x for x in X if x["platform"] == platform][-60:]
    bs = suggest_budget(model, plan, 1.0, min_cents=5_000, max_cents=600_000, reference_rows=refs, curve=curve)
    return hour, seg, plan, bs


def realise_value(world, rng, expected_value_cents: float) -> tuple[int, float]:
    """One boost's realised (conversions, value [cents]) around its expected value: Poisson conversions,
    log-normal value per conversion (the world's journey parameters)."""
    mean_value = world.journeys.conversion_value_median_cents * math.exp(world.journeys.conversion_value_log_sd**2 / 2)
    conv = int(rng.poisson(max(0.0, expected_value_cents) / mean_value))
    value = conv * mean_value * float(rng.lognormal(0, world.journeys.conversion_value_log_sd / math.sqrt(max(conv, 1))))
    return conv, value


def world_actions(world) -> tuple[list[str], list[str], np.ndarray, list[str], dict]:
    """Platforms, content types with their shares, segment names and each segment's targeting."""
    plats = [p.value for p in world.platforms]
    ctypes = [c.value for c in world.content]
    shares = np.array([c.share for c in world.content.values()])
    seg_names = [s.name for s in world.segments]
    seg_targeting = {s.name: {"age_min": s.age_min, "age_max": s.age_max, "interests": list(s.interests),
                              "locations": list(s.locations)} for s in world.segments}
    return plats, ctypes, shares / shares.sum(), seg_names, seg_targeting

"""The generator: deterministic, internally consistent, and its truth agrees with its data."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pyarrow.compute as pc
import pytest

from boostloop.enums import BoostStatus, Platform
from boostloop.simulate import generate, load_world, roi_optimal_budget
from boostloop.simulate.generate import expected_incremental_value_cents
from boostloop.simulate.people import decay_weights, flags_given_any


@pytest.fixture(scope="module")
def sim():  # noqa: ANN201
    return generate(load_world(), seed=11, scale=0.3)


def test_same_seed_same_data_other_seed_other_data(sim) -> None:  # noqa: ANN001
    again = generate(load_world(), seed=11, scale=0.3)
    assert again.events.equals(sim.events)
    assert again.truth == sim.truth
    assert again.boosts == sim.boosts and again.organic_metrics == sim.organic_metrics
    other = generate(load_world(), seed=12, scale=0.3)
    assert not other.events.equals(sim.events)


def test_default_world_sizes() -> None:
    full = generate(load_world(), seed=7)
    assert len(full.posts) == 300 and len(full.boosts) == 60
    assert 150_000 <= full.events.num_rows <= 260_000
    # Enough large boosts for the effectiveness checks (30+ true incremental conversions).
    big = [b for b in full.truth["boosts"].values() if b["incremental_conversions"] >= 30]
    assert len(big) >= 8


def test_campaign_spend_equals_truth_and_never_exceeds_budget(sim) -> None:  # noqa: ANN001
    spend = defaultdict(int)
    for m in sim.campaign_metrics:
        spend[m["campaign_id"]] += m["spend_cents"]
    for b in sim.boosts:
        t = sim.truth["boosts"][str(b["id"])]
        assert spend.get(b["campaign_id"], 0) == t["spend_cents"]
        assert t["spend_cents"] <= b["initial_budget_cents"]
        if b["status"] == BoostStatus.COMPLETED:
            assert abs(t["spend_cents"] - b["initial_budget_cents"]) <= 1


def test_organic_metrics_are_cumulative_and_monotone(sim) -> None:  # noqa: ANN001
    by_post = defaultdict(list)
    for m in sim.organic_metrics:
        by_post[m["post_id"]].append(m)
    assert len(by_post) == len(sim.posts)
    # Nothing is captured after the world's end (posts are published up to an hour before it).
    assert max(m["captured_at"] for m in sim.organic_metrics) <= sim.end
    for rows in by_post.values():
        for a, b in zip(rows, rows[1:], strict=False):
            assert b["captured_at"] > a["captured_at"]
            for k in ("impressions", "reach", "engagements", "clicks"):
                assert b[k] >= a[k]
            if a["total_reach"] is not None:
                assert a["total_reach"] >= a["reach"]


def test_truth_is_consistent_with_itself(sim) -> None:  # noqa: ANN001
    for t in sim.truth["boosts"].values():
        assert t["incremental_conversions"] == t["conversions_with_boost"] - t["conversions_without_boost"]
        assert sum(t["conversions_split"].values()) == t["conversions_with_boost"]
        assert t["incremental_reach"] + t["overlap_reach"] == t["paid_reach"]
        cf, act = t["counterfactual"], t["actual_organic"]
        assert all(a >= c for a, c in zip(act["reach"], cf["reach"], strict=True))  # spillover only adds
        assert cf["reach"] == sorted(cf["reach"])


def test_conversion_events_match_the_truth(sim) -> None:  # noqa: ANN001
    ev = sim.events
    conv = ev.filter(pc.equal(ev["event_type"], "CONVERSION"))
    counts = defaultdict(int)
    for b in conv["boost_campaign_id"].to_pylist():
        if b is not None:
            counts[b] += 1
    for bid, t in sim.truth["boosts"].items():
        assert counts.get(bid, 0) == t["conversions_with_boost"]


def test_events_are_time_ordered_and_people_without_user_id_have_sessions_only(sim) -> None:  # noqa: ANN001
    ts = sim.events["occurred_at"].to_numpy()
    assert np.all(ts[1:] >= ts[:-1])
    assert sim.events["occurred_at"].to_pylist()[-1] < sim.end
    share_missing = pc.sum(pc.is_null(sim.events["user_id"])).as_py() / sim.events.num_rows
    assert 0.2 < share_missing < 0.4  # world: share_without_user_id = 0.3
    assert sim.events["session_id"].null_count == 0


def test_planted_effects_are_in_the_truth(sim) -> None:  # noqa: ANN001
    assert sim.truth["best_hours"] == [18, 19, 20, 21]
    assert sim.truth["best_weekdays"] == [1, 2, 3]
    assert sim.truth["best_segment"] == "outdoor-enthusiasts-25-44"
    assert sim.truth["best_content_type"] == "CAROUSEL"


def test_roi_optimal_budget_is_where_marginal_return_is_one() -> None:
    w = load_world()
    for p in (Platform.FACEBOOK, Platform.INSTAGRAM, Platform.LINKEDIN):
        b = roi_optimal_budget(w, p)
        step = 500.0
        marginal_below = (expected_incremental_value_cents(w, p, b) - expected_incremental_value_cents(w, p, b - step)) / step
        marginal_above = (expected_incremental_value_cents(w, p, b + step) - expected_incremental_value_cents(w, p, b)) / step
        assert marginal_below >= 1.0 >= marginal_above


def test_flags_given_any_matches_the_conditional_distribution() -> None:
    rng = np.random.default_rng(0)
    probs = np.array([0.1, 0.3, 0.05])
    flags = flags_given_any(rng, 200_000, probs)
    assert flags.any(axis=1).all()
    p_any = 1 - np.prod(1 - probs)
    # P(flag_j | any) = p_j / P(any) for each single flag.
    np.testing.assert_allclose(flags.mean(axis=0), probs / p_any, rtol=0.02)
    # Independence survives conditioning on "any" where the other flag is already true.
    both = (flags[:, 0] & flags[:, 1]).mean()
    assert math.isclose(both, 0.1 * 0.3 / p_any, rel_tol=0.05)


def test_decay_weights_halve_each_half_life() -> None:
    w = decay_weights(48, half_life=8.0)
    assert math.isclose(w[:8].sum(), 0.5, rel_tol=1e-12)
    assert math.isclose(w[8:16].sum(), 0.25, rel_tol=1e-12)


def test_reported_total_reach_gives_the_true_incremental_reach_after_delivery(sim) -> None:  # noqa: ANN001
    """Where a platform reports unique organic+paid reach, total - organic at a capture after the boost's
    delivery is exactly the truth's incremental reach (paid people not reached organically)."""
    last = {}
    for m in sim.organic_metrics:
        last[m["post_id"]] = m
    checked = 0
    for b in sim.boosts:
        m = last[b["original_post_id"]]
        t = sim.truth["boosts"][str(b["id"])]
        if m["total_reach"] is None or b["ended_at"] is None or m["captured_at"] < b["ended_at"]:
            continue
        assert abs((m["total_reach"] - m["reach"]) - t["incremental_reach"]) <= 1
        checked += 1
    assert checked >= 5

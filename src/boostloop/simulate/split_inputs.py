"""What the attribution server would read for a simulated workspace's boosts, without a database: the
observed organic / paid / overlap split, tracked people, and the reach figures, so that
:func:`boostloop.analytics.attribution.overlap_split.estimate_split` can be scored against the truth
(``truth["boosts"][id]["conversions_split"]``; tests/analytics/attribution/test_simulated_split.py and
benchmarks/attribution/split_truth.py)."""

from __future__ import annotations

from datetime import timedelta

from boostloop.analytics.attribution.engines import DuckDBEngine
from boostloop.analytics.attribution.journeys import (
    JourneyConfig,
    boost_split_sql,
    boost_tracked_people_sql,
    event_table,
)
from boostloop.analytics.attribution.overlap_split import (
    EstimatedSplit,
    ObservedSplit,
    ReachFigures,
    estimate_split,
)
from boostloop.simulate.generate import SimulatedWorkspace

PARTS = ("organic", "paid", "overlap")


def reach_figures(sim: SimulatedWorkspace) -> dict[str, ReachFigures]:
    """Per boost, as ``server.attribution.overlap.reach_figures`` reads them at the world's end: the post's
    latest organic capture (reach; total reach if captured after the boost started), the campaign's hourly
    reach summed up to that capture, the account's followers as the independence universe. Tracked people
    are left 0 (see :func:`estimates`)."""
    captures: dict = {}
    for m in sim.organic_metrics:
        if m["captured_at"] <= sim.end:
            prev = captures.get(m["post_id"])
            if prev is None or m["captured_at"] > prev["captured_at"]:
                captures[m["post_id"]] = m
    hourly: dict = {}
    for m in sim.campaign_metrics:
        hourly.setdefault(m["campaign_id"], []).append((m["period_start"], m["reach"]))
    followers = {a["id"]: a["followers"] for a in sim.accounts}
    account_of = {p["id"]: p["account_id"] for p in sim.posts}
    out = {}
    for b in sim.boosts:
        cap = captures.get(b["original_post_id"])
        exact = cap is not None and cap["total_reach"] is not None and cap["captured_at"] > b["boosted_at"]
        at = cap["captured_at"] if exact else sim.end
        paid = sum(r for start, r in hourly.get(b["campaign_id"], []) if start + timedelta(hours=1) <= at)
        out[str(b["id"])] = ReachFigures(
            organic_reach=0 if cap is None else int(cap["reach"]), paid_reach=int(paid),
            total_reach=cap["total_reach"] if exact else None,
            audience_size=followers[account_of[b["original_post_id"]]],
        )
    return out


def estimates(sim: SimulatedWorkspace, *, n_draws: int = 2000) -> dict[str, tuple[ObservedSplit, EstimatedSplit]]:
    """Per boost of the truth: the observed split (Meta's 7-day click / 1-day view windows, on DuckDB) and
    the corrected estimate (interval seeded by the boost's position)."""
    events = event_table(sim.events, ("user_id", "session_id"))
    eng = DuckDBEngine()
    rows = {r["boost_id"]: r for r in eng.run(boost_split_sql(JourneyConfig()), events).to_pylist()}
    tracked = {r["boost_id"]: r for r in eng.run(boost_tracked_people_sql(), events).to_pylist()}
    reach = reach_figures(sim)
    out = {}
    for i, boost_id in enumerate(sim.truth["boosts"]):
        row = rows.get(boost_id, {})
        obs = ObservedSplit(**{k: int(row.get(f"{k}_conversions") or 0) for k in PARTS},
                            **{f"{k}_value": float(row.get(f"{k}_value_cents") or 0) for k in PARTS})
        rf = reach.get(boost_id)
        if rf is not None:
            t = tracked.get(boost_id, {})
            rf = ReachFigures(rf.organic_reach, rf.paid_reach, rf.total_reach, int(t.get("tracked_organic") or 0),
                              int(t.get("tracked_paid") or 0), rf.audience_size)
        out[boost_id] = (obs, estimate_split(obs, rf, n_draws=n_draws, seed=i))
    return out

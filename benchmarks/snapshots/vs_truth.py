"""Snapshot figures against the simulator's ground truth (default world), on SQLite.

Loads a simulated workspace, runs one collection at the world's end (closing snapshots at each ended
boost's ``ended_at``, the current grid point for boosts still running), and compares each boost's latest
snapshot with the truth file:

- paid spend against ``spend_cents`` (a boost still running at the world's end is compared on its
  window only, so those are reported apart);
- incremental reach against ``incremental_reach``: exact where the platform reports a combined unique
  reach, estimated (independence, followers as the universe) elsewhere;
- the default attribution provider's organic / paid / overlap split (tracked touchpoints only) against
  ``conversions_split`` (true exposure of each converter).

    .venv/bin/python benchmarks/snapshots/vs_truth.py [--seed 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import sqlalchemy as sa

from boostloop.enums import BoostStatus
from boostloop.server.boosts.snapshots import collect_snapshots
from boostloop.server.db import migrate
from boostloop.server.db.models import BoostCampaign, BoostPerformanceSnapshot
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sim = generate(load_world(None), args.seed)
    truth = sim.truth["boosts"]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/sim.db"
        migrate.upgrade(url)
        engine = create_db_engine(url)
        ws_id = load_into_database(sim, engine)
        t = time.perf_counter()
        with session_scope(engine) as s:
            result = collect_snapshots(s, ws_id, now=sim.end)
        took = time.perf_counter() - t
        with session_scope(engine) as s:
            snap = BoostPerformanceSnapshot
            newest = (
                sa.select(snap.boost_campaign_id, sa.func.max(snap.snapshot_at).label("at"))
                .group_by(snap.boost_campaign_id).subquery()
            )
            rows = s.execute(
                sa.select(BoostCampaign.id, BoostCampaign.status, BoostCampaign.platform, snap)
                .join(newest, newest.c.boost_campaign_id == BoostCampaign.id)
                .join(snap, sa.and_(snap.boost_campaign_id == newest.c.boost_campaign_id, snap.snapshot_at == newest.c.at))
                .where(BoostCampaign.workspace_id == ws_id)
            ).all()
    print(f"default world, seed {args.seed}: {len(truth)} boosts; collection created {result.created} snapshots "
          f"in {took:.2f} s ({result.considered} boosts considered)")
    spend_ok = spend_n = 0
    reach_err: dict[bool, list[float]] = {True: [], False: []}
    reach_signed: dict[bool, list[float]] = {True: [], False: []}
    split_sum = {"organic": [0.0, 0], "paid": [0.0, 0], "overlap": [0.0, 0]}
    for boost_id, status, platform, sn in rows:
        tr = truth[str(boost_id)]
        if status != BoostStatus.ACTIVE:
            spend_n += 1
            spend_ok += sn.paid_spend_cents == tr["spend_cents"]
        if tr["incremental_reach"] > 0:
            rel = (sn.incremental_reach - tr["incremental_reach"]) / tr["incremental_reach"]
            reach_err[sn.incremental_reach_estimated].append(abs(rel))
            reach_signed[sn.incremental_reach_estimated].append(rel)
        for key, got in (("organic", sn.attributed_organic), ("paid", sn.attributed_paid), ("overlap", sn.attributed_overlap)):
            split_sum[key][0] += got
            split_sum[key][1] += tr["conversions_split"][key]
    print(f"paid spend equal to the truth: {spend_ok} of {spend_n} ended boosts")
    for estimated, errs in reach_err.items():
        if errs:
            print(f"incremental reach ({'estimated' if estimated else 'exact, platform unique reach'}): "
                  f"{len(errs)} boosts, median |error| {statistics.median(errs):.1%}, "
                  f"90th percentile {sorted(errs)[int(0.9 * (len(errs) - 1))]:.1%}, "
                  f"median signed error {statistics.median(reach_signed[estimated]):+.1%}")
    print("conversions split (snapshot, tracked touchpoints; truth, true exposure), summed over boosts:")
    for key, (got, want) in split_sum.items():
        print(f"  {key:8s} {got:8.0f} {want:8d}")


if __name__ == "__main__":
    main()

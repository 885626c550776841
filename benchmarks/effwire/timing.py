"""Timings of the effectiveness wiring on the default simulated world (60 boosts, ~200k events).

- snapshot back-fill of every boost's history (one call, batched) against the naive way to get the same
  rows: replaying ``collect_snapshots`` once per hour (measured over ``--replay-hours`` hours from the median
  boost start and reported per snapshot, since a full replay is ~2,900 rounds);
- the effectiveness service: overview (all boosts analysed) and one boost.

    .venv/bin/python benchmarks/effwire/timing.py [--database-url URL] [--replay-hours 48]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta

import sqlalchemy as sa

from boostloop.server.boosts.snapshots import backfill_snapshots, collect_snapshots
from boostloop.server.db import migrate
from boostloop.server.db.models import BoostCampaign, BoostPerformanceSnapshot
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.effectiveness import service
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--replay-hours", type=int, default=48)
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    engine = create_db_engine(url)
    sim = generate(load_world(), 7)
    t = time.perf_counter()
    ws = load_into_database(sim, engine, slug=f"bench-{int(time.time())}")
    print(f"load: {time.perf_counter() - t:.1f} s ({sim.events.num_rows:,} events)")
    now = sim.end

    with session_scope(engine) as s:
        t = time.perf_counter()
        r = backfill_snapshots(s, ws, now)
        dt_fill = time.perf_counter() - t
        s.rollback()
    print(f"backfill: {r.created:,} snapshots of {r.boosts} boosts in {dt_fill:.1f} s "
          f"({1000 * dt_fill / max(r.created, 1):.2f} ms/snapshot)")

    with session_scope(engine) as s:
        starts = sorted(s.scalars(sa.select(BoostCampaign.boosted_at).where(BoostCampaign.workspace_id == ws)))
        first = starts[len(starts) // 2]  # the middle of the period: several boosts running at once
        # make every boost ACTIVE with no end, as hourly collection saw them while they ran
        s.execute(sa.update(BoostCampaign).where(BoostCampaign.workspace_id == ws)
                  .values(status="ACTIVE", ended_at=None))
        created, t = 0, time.perf_counter()
        at = first.replace(minute=0, second=0, microsecond=0)
        for _ in range(args.replay_hours):
            at += timedelta(hours=1)
            created += collect_snapshots(s, ws, now=at).created
        dt_replay = time.perf_counter() - t
        n = s.scalar(sa.select(sa.func.count()).select_from(BoostPerformanceSnapshot)
                     .where(BoostPerformanceSnapshot.workspace_id == ws))
        s.rollback()
    per = dt_replay / max(created, 1)
    print(f"hourly replay: {created:,} snapshots in {args.replay_hours} rounds, {dt_replay:.1f} s "
          f"({1000 * per:.2f} ms/snapshot; {n} rows)")
    print(f"ratio (replay / back-fill per snapshot): {per / (dt_fill / max(r.created, 1)):.1f}x")

    with session_scope(engine) as s:
        backfill_snapshots(s, ws, now)
    with session_scope(engine) as s:
        t = time.perf_counter()
        ov = service.overview(s, ws, now=now)
        print(f"overview ({ov.analysed_boosts} boosts analysed): {time.perf_counter() - t:.1f} s")
        bid = s.scalar(sa.select(BoostCampaign.id).where(BoostCampaign.workspace_id == ws).limit(1))
        t = time.perf_counter()
        service.boost_effectiveness(s, ws, bid, now=now)
        print(f"one boost: {time.perf_counter() - t:.2f} s")
    engine.dispose()


if __name__ == "__main__":
    main()

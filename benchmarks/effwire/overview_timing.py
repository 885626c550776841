"""Effectiveness reads on stored per-boost results (``effectiveness.store``) at 60 and 1,000 boosts.

A world like the default one with ``--boosts`` boosts (each platform's boosts scaled, and at least twice as
many posts as boosts so that unboosted controls remain), loaded, snapshot history back-filled; then, all on
an empty app cache (the service is called directly, as on a cache miss):

1. the first overview on an empty results table: every boost analysed and stored (what the hourly job's
   ``refresh`` costs when everything is new; before this change *every* overview cost about this);
2. ``--reads`` overviews on the stored results (the read path: one scan of the results table plus the
   boosts' input marks), p50 / p95 / max;
3. the boosts table's scores and one boost's analysis from the stored results;
4. the hourly refresh when nothing changed (marks only).

    .venv/bin/python benchmarks/effwire/overview_timing.py --boosts 1000 [--database-url URL] [--reads 20]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
import tomllib
import uuid

import sqlalchemy as sa

from boostloop.server.boosts.snapshots import backfill_snapshots
from boostloop.server.db import migrate
from boostloop.server.db.models import BoostCampaign, BoostEffectivenessResult, BoostPerformanceSnapshot
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.effectiveness import service, store
from boostloop.simulate import generate
from boostloop.simulate.load import load_into_database
from boostloop.simulate.world import DEFAULT_WORLD, world_from_dict


def world_with(boosts: int):
    d = tomllib.loads(DEFAULT_WORLD.read_text(encoding="utf-8"))
    total = sum(p["boosts"] for p in d["platforms"].values())
    for p in d["platforms"].values():
        p["boosts"] = round(p["boosts"] * boosts / total)
        p["posts"] = max(p["posts"], 2 * p["boosts"])
    return world_from_dict(copy.deepcopy(d))


def _clone_boosts(s, ws, target: int) -> None:
    t = BoostCampaign.__table__
    rows = [dict(r._mapping) for r in s.execute(sa.select(t).where(t.c.workspace_id == ws))]
    extra = []
    while len(rows) + len(extra) < target:
        r = dict(rows[len(extra) % len(rows)])
        r["id"] = uuid.uuid4()
        extra.append(r)
    if extra:
        s.execute(sa.insert(t), extra)
    print(f"cloned {len(extra)} boosts: {len(rows) + len(extra)} in the workspace", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--boosts", type=int, default=1000)
    ap.add_argument("--reads", type=int, default=20)
    ap.add_argument("--existing", action="store_true",
                    help="reuse the workspace already in --database-url (an earlier run's): its stored results "
                         "are dropped and step 1 recomputes them")
    ap.add_argument("--clone-to", type=int, default=0,
                    help="with --existing: add copies of the workspace's boosts (new ids, same posts and "
                         "campaigns) until it has this many, to time the read path at that many stored results "
                         "without generating a bigger world (the input marks then cover only the original "
                         "posts and campaigns: a lower bound on their cost)")
    ap.add_argument("--keep-results", action="store_true",
                    help="with --existing: keep the stored results (step 1 then times a read that finds them current)")
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    engine = create_db_engine(url)
    t = time.perf_counter()
    if args.existing:
        with session_scope(engine) as s:
            ws = s.scalar(sa.select(BoostCampaign.workspace_id).limit(1))
            now = s.scalar(sa.select(sa.func.max(BoostPerformanceSnapshot.snapshot_at)))
            if not args.keep_results:
                s.execute(sa.delete(BoostEffectivenessResult).where(BoostEffectivenessResult.workspace_id == ws))
            if args.clone_to:
                _clone_boosts(s, ws, args.clone_to)
    else:
        sim = generate(world_with(args.boosts), 7)
        ws = load_into_database(sim, engine, slug=f"effov-{int(time.time())}")
        now = sim.end
        with session_scope(engine) as s:
            backfill_snapshots(s, ws, now)
        print(f"world: {len(sim.boosts)} boosts, {len(sim.posts)} posts, {sim.events.num_rows:,} events; "
              f"generate + load + back-fill {time.perf_counter() - t:.0f} s", flush=True)

    with session_scope(engine) as s:
        t = time.perf_counter()
        ov = service.overview(s, ws, now=now)
        what = "stored results kept" if args.keep_results else "empty results table"
        print(f"1. first overview, {what} ({ov.analysed_boosts} boosts): {time.perf_counter() - t:.1f} s",
              flush=True)

    times, cpu = [], []
    for _ in range(args.reads):
        with session_scope(engine) as s:
            t, c = time.perf_counter(), time.process_time()
            service.overview(s, ws, now=now)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    times.sort()
    cpu.sort()

    def p95(x):
        return x[max(0, round(0.95 * len(x)) - 1)]

    # Wall time depends on the machine's load; this process's CPU time much less (on PostgreSQL it leaves
    # out the server's share).
    print(f"2. overview on stored results, {len(times)} reads: wall p50 {1000 * statistics.median(times):.0f} ms, "
          f"p95 {1000 * p95(times):.0f} ms, max {1000 * times[-1]:.0f} ms; this process's CPU p50 "
          f"{1000 * statistics.median(cpu):.0f} ms, p95 {1000 * p95(cpu):.0f} ms", flush=True)

    with session_scope(engine) as s:
        t = time.perf_counter()
        n = len(store.current(s, ws, now=now))
        dt_scores = time.perf_counter() - t
        bid = s.scalar(sa.select(BoostCampaign.id).where(BoostCampaign.workspace_id == ws).limit(1))
        t = time.perf_counter()
        service.boost_effectiveness(s, ws, bid, now=now)
        dt_one = time.perf_counter() - t
        t = time.perf_counter()
        service.comparison(s, ws, now=now)
        dt_cmp = time.perf_counter() - t
        t = time.perf_counter()
        written = store.refresh(s, ws, now=now)
        dt_refresh = time.perf_counter() - t
    print(f"3. scores of {n} boosts {1000 * dt_scores:.0f} ms; one boost {1000 * dt_one:.0f} ms; "
          f"comparison {1000 * dt_cmp:.0f} ms", flush=True)
    print(f"4. refresh with nothing changed: {written} written, {1000 * dt_refresh:.0f} ms", flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()

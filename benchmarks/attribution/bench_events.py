"""Raw touchpoint events -> per-boost credit under every model, on DuckDB in process (issue 3, Speed).

    .venv/bin/python benchmarks/attribution/bench_events.py [--scale 13.4] [--events-file F] [--duckdb-memory 2GB]

Step 1 (a child process, not measured): the simulator generates a workspace at ``--scale`` (events grow
about as scale^1.5: with seed 7, scale 5 gave 2.3 million, 22 gave 22 million, 13.4 about 10 million) and its events are written to a Parquet file with the journey columns (person = user id,
else session id; hashing is not part of this benchmark).
Step 2 (this process, measured): read the file, then on DuckDB
  * the per-boost organic / paid / overlap split,
  * the path table with one channel per boost, and every model on it (Markov order 1 exact, Shapley...),
  * the converting touches with their times and the time-decay model.
Printed: seconds per step, events per second end to end, peak resident memory of this process
(``ru_maxrss``; goal: under 4 GB). There is no peer that goes from raw events to credit; the peers'
path-level speed is in bench_paths.py.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from boostloop.analytics.attribution import MODELS, attribute
from boostloop.analytics.attribution.engines import DuckDBEngine
from boostloop.analytics.attribution.journeys import (
    JourneyConfig,
    boost_split_sql,
    converting_touches_sql,
    path_table_from_rows,
    path_table_sql,
    timed_path_table_from_rows,
)

GENERATE = """
import sys, pyarrow.parquet as pq
from boostloop.simulate import generate, load_world
from boostloop.analytics.attribution.journeys import event_table
sim = generate(load_world(), int(sys.argv[2]), scale=float(sys.argv[1]))
pq.write_table(event_table(sim.events, ("user_id", "session_id")), sys.argv[3])
print(sim.events.num_rows, len(sim.boosts))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=13.4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--events-file", type=Path, default=None)
    ap.add_argument("--duckdb-memory", default=None, help="DuckDB memory_limit, e.g. 2GB (spills beyond it)")
    args = ap.parse_args()
    path = args.events_file or Path(f"/tmp/boostloop_bench_events_{args.scale:g}_{args.seed}.parquet")
    if not path.exists():
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", GENERATE, str(args.scale), str(args.seed), str(path)],
                             check=True, capture_output=True, text=True)
        print(f"generated {out.stdout.strip()} (events, boosts) in {time.perf_counter() - t0:.0f} s -> {path}")

    timings: dict[str, float] = {}

    def step(name: str, fn):  # noqa: ANN001, ANN202
        t0 = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - t0
        print(f"  {name:<28} {timings[name]:7.2f} s", flush=True)
        return out

    t_all = time.perf_counter()
    events = step("read parquet", lambda: pq.read_table(path))
    n = events.num_rows
    engine = DuckDBEngine(memory_limit=args.duckdb_memory)
    split = step("boost split (SQL)", lambda: engine.run(boost_split_sql(JourneyConfig()), events))
    cfg = JourneyConfig(channel="boost")
    table = step("path table by boost (SQL)", lambda: path_table_from_rows(engine.run(path_table_sql(cfg), events)))
    timed = step("timed touches (SQL)", lambda: timed_path_table_from_rows(engine.run(converting_touches_sql(cfg), events)))
    for m in MODELS:
        step(f"model {m}", lambda m=m: attribute(timed if m == "time_decay" else table, m))
    total = time.perf_counter() - t_all
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"events={n:,} boosts in split={split.num_rows} channels={table.n_channels} distinct paths={table.n_paths:,} "
          f"converting journeys={timed.n_paths:,}")
    print(f"end to end {total:.1f} s = {n / total:,.0f} events/s; peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()

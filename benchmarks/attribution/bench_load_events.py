"""Reading a workspace's touchpoint events for analysis (``server.attribution.repository.load_events``) on
PostgreSQL: ``COPY (SELECT ...) TO STDOUT`` in CSV parsed by Arrow, against the SQLAlchemy-rows path it
replaced (``load_events_rows``, still the SQLite path), on the same database in the same process.

Data: the simulator's default world at ``--scale`` (seed 7; scale 3 gives about a million events), loaded
with ``simulate.load.load_into_database`` into a fresh database (created and dropped here). Each reader runs
``--repeat`` times (best and median printed); the two tables are checked equal (sorted by event id).

    BOOSTLOOP_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/attribution/bench_load_events.py --scale 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

from boostloop.server.attribution import repository
from boostloop.server.db import migrate
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from scratch_db import scratch_postgres  # noqa: E402


def timed(fn, repeat: int) -> tuple[list[float], object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def run(url: str, scale: float, repeat: int) -> None:
    t = time.perf_counter()
    sim = generate(load_world(), 7, scale=scale)
    engine = create_db_engine(url)
    migrate.upgrade(url)
    ws_id = load_into_database(sim, engine)
    print(f"data: {sim.events.num_rows:,} events (generated and loaded in {time.perf_counter() - t:.0f} s)")
    with session_scope(engine) as s:
        copy_t, fast = timed(lambda: repository.load_events(s, ws_id), repeat)
        rows_t, slow = timed(lambda: repository.load_events_rows(s, ws_id), repeat)
    n = fast.num_rows
    same = fast.sort_by("event_id").equals(slow.sort_by("event_id"))
    for name, ts in (("COPY -> Arrow (new)", copy_t), ("SQLAlchemy rows (old)", rows_t)):
        print(f"  {name:22s} best {min(ts):6.2f} s  median {statistics.median(ts):6.2f} s  "
              f"{n / min(ts):,.0f} events/s")
    print(f"  speed-up (best/best): {min(rows_t) / min(copy_t):.1f}x; tables equal: {same}; rows {n:,}")
    print(f"  peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    engine.dispose()
    if not same:
        sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=3.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pg = os.environ.get("BOOSTLOOP_BENCH_POSTGRES_URL")
    if not pg:
        sys.exit("set BOOSTLOOP_BENCH_POSTGRES_URL (a PostgreSQL server; a scratch database is created there)")
    with scratch_postgres(pg, "boostloop_bench_load") as url:
        run(url, args.scale, args.repeat)


if __name__ == "__main__":
    main()

"""Build the workspace of the dashboard-reads benchmark (``bench_reads.py``) into a persistent PostgreSQL
database: ~1,000 boosts and ~10M touchpoint events, snapshots back-filled and the dashboard's jobs run.

    .venv/bin/python benchmarks/api/build_reads_db.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reads] [--scale 16.7]

The database is created if missing and migrated; the workspace (slug ``bench-reads``) must not exist yet
(drop the database to rebuild: ``dropdb -h 127.0.0.1 -U postgres bench_reads``). It is kept afterwards so
that the benchmark can be re-run against later code (``boostloop db upgrade`` first if migrations were added).

The world is the shipped default world with more of its views tracked as events: the default world has
60 boosts and ~0.2M events per scale unit (204,103 at scale 1), i.e. 1,000 boosts come with only ~3.4M
events. Tracking 15 % of paid views and 10 % of organic views (instead of 3 % each) gives ~0.63M events
per scale unit (728,155 at scale 1 with 20 % / 10 %, measured), so scale 16.7 gives ~1,000 boosts and ~10M events.
Then, as ``boostloop demo`` does (``cli/serve.py:prepare_workspace``): back-fill the boosts' snapshot
history up to the end of the simulated period and run the jobs snapshots, training_data, insights and
recommendations once each.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reads"
SLUG = "bench-reads"


def bench_world(paid_view_tracking: float, organic_view_tracking: float):  # noqa: ANN201
    """The default world with more of its views tracked as events (more events per boost and per post)."""
    from boostloop.simulate import load_world

    w = load_world()
    return dataclasses.replace(w, journeys=dataclasses.replace(
        w.journeys, paid_view_tracking=paid_view_tracking, organic_view_tracking=organic_view_tracking))


def ensure_database(url: str) -> None:
    u = make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if c.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}) is None:
            c.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--scale", type=float, default=16.7)
    ap.add_argument("--paid-view-tracking", type=float, default=0.15)
    ap.add_argument("--organic-view-tracking", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-prepare", action="store_true", help="load only (no back-fill, no jobs)")
    args = ap.parse_args()

    from boostloop.cli.serve import prepare_workspace
    from boostloop.server.db import migrate
    from boostloop.server.db.models import Workspace
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.simulate import generate
    from boostloop.simulate.load import load_into_database

    ensure_database(args.database_url)
    migrate.upgrade(args.database_url)
    engine = create_db_engine(args.database_url)
    with session_scope(engine) as s:
        if s.scalar(sa.select(Workspace.id).where(Workspace.slug == SLUG)) is not None:
            raise SystemExit(f"workspace {SLUG!r} already exists in {args.database_url}; drop the database to rebuild")

    t0 = time.perf_counter()
    sim = generate(bench_world(args.paid_view_tracking, args.organic_view_tracking), args.seed, scale=args.scale)
    print(f"generated {len(sim.posts):,} posts, {len(sim.boosts):,} boosts, {sim.events.num_rows:,} events "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    t0 = time.perf_counter()
    ws_id = load_into_database(sim, engine, slug=SLUG, name="Boostloop reads benchmark")
    print(f"loaded workspace {SLUG} ({ws_id}) ({time.perf_counter() - t0:.0f} s)", flush=True)
    end = sim.end
    del sim
    with engine.connect() as c:  # fresh statistics for the planner after a 10M-row COPY
        c.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    if not args.no_prepare:
        prepare_workspace(engine, ws_id, now=end, echo=lambda m: print(m, flush=True))
    engine.dispose()
    print(f"done: workspace {ws_id}, simulated period ends {end.isoformat()}")


if __name__ == "__main__":
    main()

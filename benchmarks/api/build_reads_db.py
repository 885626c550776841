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
per scale unit (728,155 at scale 1 with 20 % / 10 %, measured), so scale 16.7 gives ~1,000 boosts and ~10M
events (seed 7: 1,001 boosts, 9,304,084 events).
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


def copy_events(engine, sim, workspace_id, key: bytes, chunk: int = 500_000) -> int:  # noqa: ANN001
    """Write ``sim.events`` into ``boost_attribution_events`` with one CSV COPY per ``chunk`` rows, built
    column-wise with Arrow; the table's secondary indexes are dropped first and rebuilt after (one sort
    each instead of 9M random inserts).

    The same rows as ``simulate.load`` writes (person ids hashed with the workspace key by
    ``attribution.hashing.person_hash``, random version-4 ids), without its per-row Python: that path
    (dicts, then the ingest COPY into a staging table + INSERT ... ON CONFLICT) loaded ~0.9 GB of the
    ~6 GB in 8 minutes at load average ~15 here, i.e. about an hour for 9.3M events.
    """
    import binascii
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from boostloop.server.attribution.hashing import person_hash
    from boostloop.server.attribution.repository import INSERT_COLUMNS
    from boostloop.server.db.models import BoostAttributionEvent

    events = sim.events
    hashes: dict[str, str] = {}

    def hashed(col: pa.ChunkedArray) -> pa.Array:
        enc = pc.dictionary_encode(col.combine_chunks())
        values = []
        for v in enc.dictionary.to_pylist():
            h = hashes.get(v)
            if h is None:
                h = hashes[v] = person_hash(key, v)
            values.append(h)
        return pc.take(pa.array(values, pa.string()), enc.indices)

    def as_text(col: pa.ChunkedArray) -> pa.Array:
        return pc.cast(col.combine_chunks(), pa.string())

    rng = np.random.default_rng([sim.seed, 0xE7])
    indexes = list(BoostAttributionEvent.__table__.indexes)
    n = events.num_rows
    with engine.begin() as conn:
        for ix in indexes:
            ix.drop(conn)
        raw = conn.connection.driver_connection
        for start in range(0, n, chunk):
            part = events.slice(start, chunk)
            m = part.num_rows
            ids = np.frombuffer(rng.bytes(16 * m), dtype=np.uint8).reshape(m, 16).copy()
            ids[:, 6] = (ids[:, 6] & 0x0F) | 0x40  # version 4
            ids[:, 8] = (ids[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
            hexed = np.frombuffer(binascii.hexlify(ids.tobytes()), dtype="S32")
            cols = {
                "id": pa.array(hexed).cast(pa.string()),
                "workspace_id": pa.array([str(workspace_id)] * m, pa.string()),
                "boost_campaign_id": as_text(part["boost_campaign_id"]),
                "post_id": as_text(part["post_id"]),
                "client_event_id": part["client_event_id"].combine_chunks(),
                "session_id_hash": hashed(part["session_id"]),
                "user_id_hash": hashed(part["user_id"]),
                "event_type": as_text(part["event_type"]),
                "touchpoint_type": as_text(part["touchpoint_type"]),
                "platform": as_text(part["platform"]),
                "event_value_cents": part["event_value_cents"].combine_chunks(),
                "event_metadata": pa.nulls(m, pa.string()),
                "occurred_at": part["occurred_at"].combine_chunks(),
                "created_at": pa.array([sim.end] * m, pa.timestamp("us", tz="UTC")),
            }
            buf = io.BytesIO()
            pacsv.write_csv(pa.table([cols[c] for c in INSERT_COLUMNS], names=list(INSERT_COLUMNS)), buf,
                            pacsv.WriteOptions(include_header=False))
            with raw.cursor() as cur, cur.copy(
                f"COPY boost_attribution_events ({', '.join(INSERT_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            ) as cp:
                cp.write(buf.getvalue())
            print(f"  events {start + m:,} / {n:,}", flush=True)
        for ix in indexes:
            ix.create(conn)
    return n


def _backfill_slice(args: tuple) -> tuple[int, int]:  # noqa: ANN001 - a worker process
    from boostloop.server.boosts.snapshots import backfill_snapshots
    from boostloop.server.db.session import create_db_engine, session_scope

    url, workspace_id, now, boost_ids = args
    engine = create_db_engine(url)
    with session_scope(engine) as s:
        r = backfill_snapshots(s, workspace_id, now, boost_ids)
    engine.dispose()
    return r.created, r.skipped_existing


def prepare(url: str, workspace_id, now, workers: int) -> None:  # noqa: ANN001
    """``cli.serve.prepare_workspace`` with the back-fill split over ``workers`` processes (by boost; each
    boost's snapshots depend only on its own rows), then the same jobs in the same order."""
    import multiprocessing as mp

    from boostloop.cli.serve import DEMO_JOBS
    from boostloop.enums import JobTrigger
    from boostloop.server.db.models import BoostCampaign
    from boostloop.server.db.session import create_db_engine
    from boostloop.server.jobs.runner import run_job

    engine = create_db_engine(url)
    with engine.connect() as c:
        ids = list(c.scalars(sa.select(BoostCampaign.id).where(BoostCampaign.workspace_id == workspace_id)
                             .order_by(BoostCampaign.id)))
    t0 = time.perf_counter()
    parts = [(url, workspace_id, now, ids[i::workers]) for i in range(workers)]
    with mp.get_context("spawn").Pool(workers) as pool:
        done = pool.map(_backfill_slice, parts)
    print(f"  back-filled {sum(d[0] for d in done):,} snapshots of {len(ids)} boosts "
          f"({time.perf_counter() - t0:.0f} s, {workers} processes)", flush=True)
    for name in DEMO_JOBS:
        t0 = time.perf_counter()
        out = run_job(engine, name, workspace_id, trigger=JobTrigger.MANUAL, now=now, max_attempts=1)
        took = time.perf_counter() - t0
        print(f"  job {name}: {out.status.lower()} ({took:.0f} s): {out.counts or out.error}", flush=True)
    engine.dispose()


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
    ap.add_argument("--prepare-only", action="store_true", help="back-fill and jobs on the loaded workspace")
    ap.add_argument("--workers", type=int, default=3, help="processes of the snapshot back-fill")
    args = ap.parse_args()
    if args.prepare_only:
        from datetime import timedelta

        from boostloop.server.db.models import Workspace

        world = bench_world(args.paid_view_tracking, args.organic_view_tracking)
        end = world.workspace.start + timedelta(days=world.workspace.days)  # the simulated period's end
        with sa.create_engine(args.database_url).connect() as c:
            ws_id = c.scalar(sa.select(Workspace.id).where(Workspace.slug == SLUG))
        prepare(args.database_url, ws_id, end, args.workers)
        return

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
            raise SystemExit(f"workspace {SLUG!r} already exists in {args.database_url}; "
                             "drop the database to rebuild")

    t0 = time.perf_counter()
    world = bench_world(args.paid_view_tracking, args.organic_view_tracking)
    sim = generate(world, args.seed, scale=args.scale)
    print(f"generated {len(sim.posts):,} posts, {len(sim.boosts):,} boosts, {sim.events.num_rows:,} events "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    t0 = time.perf_counter()
    events, sim.events = sim.events, sim.events.slice(0, 0)
    ws_id = load_into_database(sim, engine, slug=SLUG, name="Boostloop reads benchmark")  # all but the events
    sim.events = events
    with session_scope(engine) as s:
        key = s.get(Workspace, ws_id).hash_key
    copy_events(engine, sim, ws_id, key)
    print(f"loaded workspace {SLUG} ({ws_id}) ({time.perf_counter() - t0:.0f} s)", flush=True)
    end = sim.end
    del sim
    with engine.connect() as c:  # fresh statistics for the planner after a 10M-row COPY
        c.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    if not args.no_prepare:
        prepare(args.database_url, ws_id, end, args.workers)
    engine.dispose()
    print(f"done: workspace {ws_id}, simulated period ends {end.isoformat()}")


if __name__ == "__main__":
    main()

"""Retention roll-up of a workspace with many old touchpoint events (issue 9, Retention; docs/retention.md).

    .venv/bin/python benchmarks/retention/bench_rollup.py [--events 1000000] [--days 120] [--people 50000]
        [--database-url URL]   # default: a fresh SQLite file in /tmp; PostgreSQL: postgresql+psycopg://...

Step 1 (not measured): a fresh database (migrated to head) gets one workspace (retention 30 days, 7-day
click / 1-day view windows), two boosts and ``--events`` synthetic events spread uniformly over ``--days``
days before "now" (numpy, seed 7: ``--people`` people, 1 in 8 events a conversion), inserted through the
attribution repository's bulk insert (COPY on PostgreSQL).
Step 2 (measured): ``retention.service.roll_up`` as the job runs it (one commit per UTC day).
Printed: seconds, events archived per second, peak resident memory of the process (``ru_maxrss``), the
archive's size on disk against the rows it holds, and the rows left.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from boostloop.enums import ContentType, Platform
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db import migrate
from boostloop.server.db.models import (
    AttributionPathAggregate,
    BoostAttributionEvent,
    BoostCampaign,
    EventDailyAggregate,
    SocialAccount,
    SocialPost,
    Workspace,
)
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.retention import service
from boostloop.server.workspaces.service import create_workspace

NOW = datetime(2026, 11, 24, 3, tzinfo=UTC)


def populate(engine, n_events: int, days: int, n_people: int) -> uuid.UUID:  # noqa: ANN001
    rng = np.random.default_rng(7)
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
        ws.retention_days = 30
        acc = SocialAccount(workspace_id=ws.id, platform=Platform.FACEBOOK, platform_account_id="a", handle="h")
        s.add(acc)
        s.flush()
        pairs = []
        for n in range(2):
            post = SocialPost(workspace_id=ws.id, account_id=acc.id, platform=Platform.FACEBOOK,
                              platform_post_id=f"p{n}", content_type=ContentType.VIDEO, published_at=NOW)
            s.add(post)
            s.flush()
            b = BoostCampaign(workspace_id=ws.id, original_post_id=post.id, platform=Platform.FACEBOOK,
                              boosted_at=NOW - timedelta(days=days), boosted_by="b", organic_metrics={},
                              initial_budget_cents=1000, duration_days=days)
            s.add(b)
            s.flush()
            pairs.append((b.id, post.id))
        ws_id, key = ws.id, ws.hash_key
    people = [person_hash(key, f"u{i}") for i in range(n_people)]
    t0 = NOW - timedelta(days=days)
    offsets = np.sort(rng.uniform(0, days * 86_400, n_events))
    who = rng.integers(0, n_people, n_events)
    conv = rng.random(n_events) < 1 / 8
    kind = rng.integers(0, 3, n_events)
    tp = rng.integers(0, 3, n_events)
    plat = rng.integers(0, 2, n_events)
    boost = rng.integers(0, 3, n_events)
    value = rng.integers(100, 10_000, n_events)
    created = datetime.now(UTC)
    chunk = 50_000
    with session_scope(engine) as s:
        for start in range(0, n_events, chunk):
            rows = []
            for i in range(start, min(start + chunk, n_events)):
                pair = pairs[boost[i]] if boost[i] < 2 else (None, None)
                rows.append({
                    "id": uuid.uuid4(), "workspace_id": ws_id, "boost_campaign_id": pair[0], "post_id": pair[1],
                    "client_event_id": f"e{i}", "session_id_hash": None, "user_id_hash": people[who[i]],
                    "event_type": "CONVERSION" if conv[i] else ("VIEW", "CLICK", "ENGAGEMENT")[kind[i]],
                    "touchpoint_type": ("ORGANIC", "PAID", "UNKNOWN")[tp[i]],
                    "platform": ("FACEBOOK", "INSTAGRAM")[plat[i]],
                    "event_value_cents": int(value[i]) if conv[i] else None,
                    "event_metadata": {"utm_source": "facebook"},
                    "occurred_at": t0 + timedelta(seconds=float(offsets[i])), "created_at": created,
                })
            attribution_repo.insert_events(s, rows)
    return ws_id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="boostloop_retention_bench_"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    engine = create_db_engine(url)
    t = time.perf_counter()
    ws_id = populate(engine, args.events, args.days, args.people)
    print(f"populated {args.events:,} events over {args.days} days in {time.perf_counter() - t:.1f} s ({url.split(':')[0]})")
    root = tmp / "archive"
    t = time.perf_counter()
    with session_scope(engine) as s:
        r = service.roll_up(s, s.get(Workspace, ws_id), NOW, commit=s.commit, root=root)
    secs = time.perf_counter() - t
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    with session_scope(engine) as s:
        def n(model):  # noqa: ANN001, ANN202
            return s.scalar(sa.select(sa.func.count()).select_from(model).where(model.workspace_id == ws_id))
        left, paths, aggs = n(BoostAttributionEvent), n(AttributionPathAggregate), n(EventDailyAggregate)
    print(f"roll-up: {r.days} days, {r.events_archived:,} events archived in {secs:.1f} s "
          f"({r.events_archived / secs:,.0f} events/s); {r.conversions:,} conversions in {paths:,} path rows; "
          f"{aggs:,} daily event aggregate rows; {left:,} events left")
    print(f"archive: {size / 2**20:.1f} MiB for {r.events_archived:,} events ({size / max(r.events_archived, 1):.1f} B/event)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

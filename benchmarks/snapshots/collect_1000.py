"""One round of snapshot collection for a workspace with 1,000 ACTIVE boosts, on SQLite and PostgreSQL.

Target (issue 4): under 30 s per round on each engine. The peer is the same collector run boost by boost
(``batch_size=1``: five statements per boost, the N+1 shape a naive job has), on the same data in the same
process; it runs inside a transaction that is rolled back, then the batched round runs and commits.

Data (generated directly as rows, seed 7): 1,000 posts on 10 accounts, each boosted 1-167 hours ago for
7 days (so all ACTIVE), hourly cadence; hourly organic post metrics from publication (1-48 h before the
boost) to now; hourly campaign metrics from the boost to now; 150 touchpoint events per boost (about 6 %
conversions); and the boosts' earlier hourly snapshots (as a job running every hour would have left).

    .venv/bin/python benchmarks/snapshots/collect_1000.py                       # SQLite only
    BOOSTLOOP_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/snapshots/collect_1000.py --boosts 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from boostloop.enums import (
    AttributionEventType,
    BoostSource,
    BoostStatus,
    CampaignObjective,
    ContentType,
    MetricGranularity,
    Platform,
    TouchpointType,
)
from boostloop.server.boosts.service import list_boosts
from boostloop.server.boosts.snapshots import collect_snapshots
from boostloop.server.db import migrate
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostAttributionEvent,
    BoostCampaign,
    BoostPerformanceSnapshot,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
)
from boostloop.server.db.session import create_db_engine, session_factory, session_scope
from boostloop.server.workspaces.service import create_workspace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from scratch_db import scratch_postgres  # noqa: E402

NOW = datetime(2026, 3, 20, 12, 30, tzinfo=UTC)
H = timedelta(hours=1)
CHUNK = 20_000


def _insert(session, model, rows: list[dict]) -> None:  # noqa: ANN001
    for start in range(0, len(rows), CHUNK):
        session.execute(sa.insert(model.__table__), rows[start : start + CHUNK])


def generate(engine, n_boosts: int, seed: int = 7) -> tuple[uuid.UUID, dict[str, int]]:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Bench", slug="bench")
        ws_id = ws.id
        accounts = [
            dict(id=uuid.uuid4(), workspace_id=ws_id, platform=Platform.FACEBOOK, platform_account_id=f"a{i}",
                 handle=f"a{i}", followers=int(rng.integers(5_000, 200_000)), created_at=NOW, updated_at=NOW)
            for i in range(10)
        ]
        _insert(s, SocialAccount, accounts)
        posts, campaigns, boosts, organic, paid, events, snaps = [], [], [], [], [], [], []
        for i in range(n_boosts):
            acc = accounts[i % 10]
            elapsed_h = int(rng.integers(1, 168))  # at least an hour: every boost has a snapshot due
            boosted_at = NOW - elapsed_h * H - timedelta(minutes=int(rng.integers(0, 60)))
            published = boosted_at - int(rng.integers(1, 49)) * H
            post_id, camp_id, boost_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            posts.append(dict(id=post_id, workspace_id=ws_id, account_id=acc["id"], platform=Platform.FACEBOOK,
                              platform_post_id=f"p{i}", content_type=ContentType.VIDEO, text_length=120, media_count=1,
                              hashtag_count=2, published_at=published, is_ads_eligible=True, created_at=NOW, updated_at=NOW))
            campaigns.append(dict(id=camp_id, workspace_id=ws_id, platform=Platform.FACEBOOK, platform_campaign_id=f"c{i}",
                                  name=f"boost {i}", objective=CampaignObjective.CONVERSIONS, created_at=NOW, updated_at=NOW))
            # organic: saturating cumulative curve A (1 - exp(-t / tau)), hourly from publication to now
            a_imp, tau = float(rng.lognormal(8.5, 1.0)), float(rng.uniform(8, 48))
            with_total = bool(rng.random() < 0.5)  # half the posts report a combined unique reach
            hours = np.arange(1, int((NOW - published) / H) + 1)
            imp = (a_imp * (1 - np.exp(-hours / tau))).astype(int)
            for h, v in zip(hours, imp, strict=True):
                at = published + int(h) * H
                reach = int(v * 0.72)
                total = int(reach + max(0, (at - boosted_at) / H) * 40) if with_total else None
                organic.append(dict(id=uuid.uuid4(), workspace_id=ws_id, post_id=post_id, captured_at=at, impressions=int(v),
                                    reach=reach, engagements=int(v * 0.04), likes=int(v * 0.03), comments=int(v * 0.005),
                                    shares=int(v * 0.005), clicks=int(v * 0.01), video_views=int(v * 0.3),
                                    total_reach=total, created_at=NOW))
            budget = int(rng.integers(5_000, 100_000))
            per_hour = budget / (7 * 24)
            start = boosted_at.replace(minute=0)
            for h in range(int((NOW - start) / H)):
                spend = int(per_hour * rng.uniform(0.6, 1.4))
                impressions = int(spend * 1.25)  # CPM of $8: 1.25 impressions per cent
                clicks = int(rng.binomial(impressions, 0.012))
                conv = int(rng.binomial(clicks, 0.025))
                paid.append(dict(id=uuid.uuid4(), workspace_id=ws_id, campaign_id=camp_id, granularity=MetricGranularity.HOUR,
                                 period_start=start + h * H, impressions=impressions, reach=int(impressions * 0.9),
                                 clicks=clicks, conversions=conv, conversion_value_cents=conv * 5000, spend_cents=spend,
                                 created_at=NOW))
            boosts.append(dict(id=boost_id, workspace_id=ws_id, original_post_id=post_id, campaign_id=camp_id,
                               platform=Platform.FACEBOOK, boosted_at=boosted_at, boosted_by="bench", boost_reason="bench",
                               boost_strategy="HIGH_ENGAGEMENT", source=BoostSource.SIMULATED,
                               organic_metrics={"impressions": 0, "estimated": True}, targeting_criteria=None,
                               initial_budget_cents=budget, duration_days=7, snapshot_cadence_hours=1,
                               status=BoostStatus.ACTIVE, created_at=NOW, updated_at=NOW))
            window = (NOW - boosted_at).total_seconds()
            offsets = rng.uniform(-12 * 3600, window, 150)
            users = rng.integers(0, 60, 150)
            kinds = rng.choice(3, 150, p=[0.84, 0.10, 0.06])
            tps = rng.choice(3, 150, p=[0.45, 0.45, 0.10])
            kind_names = [AttributionEventType.VIEW, AttributionEventType.CLICK, AttributionEventType.CONVERSION]
            tp_names = [TouchpointType.ORGANIC, TouchpointType.PAID, TouchpointType.UNKNOWN]
            for j in range(150):
                k = kind_names[kinds[j]]
                events.append(dict(id=uuid.uuid4(), workspace_id=ws_id, boost_campaign_id=boost_id, post_id=post_id,
                                   client_event_id=f"{i}-{j}", user_id_hash=f"{users[j]:064x}", session_id_hash=None,
                                   event_type=k, touchpoint_type=tp_names[tps[j]], platform=Platform.FACEBOOK,
                                   event_value_cents=5000 if k == AttributionEventType.CONVERSION else None,
                                   event_metadata=None, occurred_at=boosted_at + timedelta(seconds=float(offsets[j])),
                                   created_at=NOW))
            for k in range(1, int((NOW - boosted_at) / H)):  # earlier hourly snapshots (not the one due now)
                snaps.append(dict(id=uuid.uuid4(), workspace_id=ws_id, boost_campaign_id=boost_id,
                                  snapshot_at=boosted_at + k * H, days_since_boosted=k // 24, created_at=NOW))
        for model, rows in ((SocialPost, posts), (AdCampaign, campaigns), (BoostCampaign, boosts),
                            (OrganicPostMetric, organic), (AdCampaignMetric, paid), (BoostAttributionEvent, events),
                            (BoostPerformanceSnapshot, snaps)):
            _insert(s, model, rows)
            counts[model.__tablename__] = len(rows)
    return ws_id, counts


class QueryCounter:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.n = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:  # noqa: ANN002
        self.n += 1


def run(url: str, n_boosts: int, peer: bool) -> dict:
    migrate.upgrade(url)
    engine = create_db_engine(url)
    t = time.perf_counter()
    ws_id, counts = generate(engine, n_boosts)
    gen_s = time.perf_counter() - t
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    counter = QueryCounter(engine)
    out = {"engine": engine.dialect.name, "rows": counts, "generate_s": gen_s}
    if peer:
        s = session_factory(engine)()
        try:
            t = time.perf_counter()
            r = collect_snapshots(s, ws_id, now=NOW, batch_size=1)
            out["per_boost_s"] = time.perf_counter() - t
            out["per_boost_created"] = r.created
        finally:
            s.rollback()
            s.close()
    counter.n = 0
    t = time.perf_counter()
    with session_scope(engine) as s:
        r = collect_snapshots(s, ws_id, now=NOW)
    out["batched_s"] = time.perf_counter() - t
    out["batched_queries"] = counter.n
    out["created"] = r.created
    counter.n = 0
    t = time.perf_counter()
    with session_scope(engine) as s:
        r2 = collect_snapshots(s, ws_id, now=NOW)
    out["rerun_s"] = time.perf_counter() - t
    out["rerun_queries"] = counter.n
    out["rerun_created"], out["rerun_skipped"] = r2.created, r2.skipped_existing
    # listing by a latest-snapshot key (the dashboard's table): first page and the page after it
    with session_scope(engine) as s:
        t = time.perf_counter()
        page = list_boosts(s, ws_id, sort="roi", limit=50)
        out["list_first_s"] = time.perf_counter() - t
        t = time.perf_counter()
        list_boosts(s, ws_id, sort="roi", limit=50, cursor=page.next_cursor)
        out["list_next_s"] = time.perf_counter() - t
    engine.dispose()
    return out


def report(res: dict) -> None:
    rows = ", ".join(f"{k} {v:,}" for k, v in res["rows"].items())
    print(f"\n[{res['engine']}] data: {rows} (generated in {res['generate_s']:.1f} s)")
    print(f"  batched round : {res['batched_s']:.2f} s, {res['batched_queries']} statements, {res['created']} snapshots")
    if "per_boost_s" in res:
        print(f"  per-boost peer: {res['per_boost_s']:.2f} s ({res['per_boost_created']} snapshots, rolled back)"
              f"  -> batched is {res['per_boost_s'] / res['batched_s']:.1f}x faster")
    print(f"  second run    : {res['rerun_s']:.2f} s, {res['rerun_queries']} statements, "
          f"{res['rerun_created']} created, {res['rerun_skipped']} skipped (idempotent)")
    print(f"  list by ROI   : first page of 50 {res['list_first_s'] * 1000:.0f} ms, next page {res['list_next_s'] * 1000:.0f} ms")
    print(f"  target < 30 s : {'PASS' if res['batched_s'] < 30 else 'FAIL'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boosts", type=int, default=1000)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report(run(f"sqlite:///{tmp}/bench.db", args.boosts, not args.no_peer))
    pg = os.environ.get("BOOSTLOOP_BENCH_POSTGRES_URL")
    if pg:
        with scratch_postgres(pg, "boostloop_bench_snap") as url:
            report(run(url, args.boosts, not args.no_peer))


if __name__ == "__main__":
    main()

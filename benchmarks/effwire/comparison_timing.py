"""The effectiveness comparison (issue #4's ranking across boosts) on stored results: ranking columns
against the stored JSON, side by side in one process on the same database.

- **columns** (``service.comparison`` now): the freshness check of ``store.current`` plus the results'
  ranking columns (``store.ranking_columns``, migration 0008_reads_miss), ranked by ``compare_boosts``;
- **JSON** (the peer: the comparison before): the same freshness check, then every stored ``result`` read
  and parsed, its ranking inputs taken from the JSON and ranked by the same ``compare_boosts``.

Both must give the same rankings (checked). Also timed: the overview (``service.overview``) on the same
results. Times are single-process wall and this process's CPU, as on an app-cache miss.

    .venv/bin/python benchmarks/effwire/comparison_timing.py --database-url URL --workspace bench-reads [--reads 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from boostloop.analytics.effectiveness import compare_boosts
from boostloop.analytics.effectiveness.compare import Comparable
from boostloop.analytics.effectiveness.confidence import ConfidenceLevel
from boostloop.analytics.effectiveness.lift import Interval
from boostloop.enums import Platform
from boostloop.server.db.models import Workspace
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.effectiveness import service, store


def _from_json(r: dict) -> Comparable:
    def iv(d: dict) -> Interval:
        return Interval(d["estimate"], d["lower"], d["upper"])

    return Comparable(
        boost_id=str(r["boost_id"]), platform=Platform(r["platform"]), spend_cents=int(r["spend_cents"]),
        cost_per_result=iv(r["cost_per_incremental_result_cents"]), incremental_roi=iv(r["incremental_roi"]),
        cpa_cents=float(r["benchmark"]["cpa_cents"]), roas=float(r["benchmark"]["roas"]),
        confidence=ConfidenceLevel(r["confidence"]["level"]))


def json_ranking(session, workspace_id, now):  # noqa: ANN001, ANN201
    return compare_boosts([_from_json(r.result) for r in store.current(session, workspace_id, now=now,
                                                                       with_result=True)])


def _timed(engine, fn, reads: int) -> tuple[list[float], list[float], object]:  # noqa: ANN001
    wall, cpu, out = [], [], None
    for _ in range(reads):
        with session_scope(engine) as s:
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn(s)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, out


def _row(name: str, wall: list[float], cpu: list[float]) -> str:
    return (f"| {name} | {statistics.median(wall):,.0f} | {max(wall):,.0f} | {statistics.median(cpu):,.0f} | "
            f"{max(cpu):,.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--workspace", default="bench-reads", help="slug")
    ap.add_argument("--reads", type=int, default=10)
    args = ap.parse_args()
    engine = create_db_engine(args.database_url)
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        ws = s.scalar(sa.select(Workspace.id).where(Workspace.slug == args.workspace))
        n = store.refresh(s, ws, now=now)  # so that neither side pays for a missing result
    print(f"workspace {args.workspace}: {n} results refreshed first", flush=True)
    cols_w, cols_c, got = _timed(engine, lambda s: service.comparison(s, ws, now=now), args.reads)
    json_w, json_c, want = _timed(engine, lambda s: json_ranking(s, ws, now), args.reads)
    ov_w, ov_c, ov = _timed(engine, lambda s: service.overview(s, ws, now=now), args.reads)
    same = [(str(r.boost_id), r.rank, r.vs_benchmark) for r in (*got.by_cost_per_result, *got.by_incremental_roi)] == [
        (r.boost_id, r.rank, r.vs_benchmark) for r in (*want.by_cost_per_result, *want.by_incremental_roi)]
    print(f"{len(got.by_cost_per_result)} boosts ranked; same rankings: {same}; overview of {ov.analysed_boosts}")
    print("| read | wall p50 ms | wall max ms | CPU p50 ms | CPU max ms |\n|---|---|---|---|---|")
    print(_row("comparison, ranking columns", cols_w, cols_c))
    print(_row("comparison, stored JSON (before)", json_w, json_c))
    print(_row("overview", ov_w, ov_c))
    print(f"ratio JSON / columns (wall p50): {statistics.median(json_w) / statistics.median(cols_w):.1f}x")


if __name__ == "__main__":
    main()

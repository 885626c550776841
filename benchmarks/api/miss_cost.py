"""What one cache miss of each dashboard read costs, endpoint by endpoint, alone (no concurrency): wall time,
this process's CPU time, and the time spent waiting on SQL statements (cursor execute + fetch, measured
with SQLAlchemy's cursor events), so that the rest is Python (routing, auth, services, pydantic, JSON).

The app is driven in process (``fastapi.testclient``, no HTTP socket) with a cache store that never answers
(every request computes, as after an invalidation; ``bench_reads.py``'s miss phase) and rate limits
raised. Needs the workspace of ``build_reads_db.py`` (slug ``bench-reads``); a VIEWER token is added.

    .venv/bin/python benchmarks/api/miss_cost.py --database-url URL [--requests 10] [--endpoints ...]

The 16-client latency under load is ``bench_reads.py``'s; this is the per-request cost it is made of.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_reads import ENDPOINTS, request_path, server_app, setup  # noqa: E402


class SqlClock:
    """Seconds spent inside cursor.execute (and the fetch that follows it, until the next statement or the
    end of the request: ``stop``), over every engine."""

    def __init__(self) -> None:
        self.total = 0.0
        self._t0: float | None = None

    def before(self, *a: object) -> None:
        self.stop()
        self._t0 = time.perf_counter()

    def after(self, *a: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._t0 is not None:
            self.total += time.perf_counter() - self._t0
            self._t0 = None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--requests", type=int, default=10, help="per endpoint, after one warm-up request")
    ap.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    # before anything reads the settings (they are cached)
    os.environ["BOOSTLOOP_DATABASE_URL"] = args.database_url
    os.environ["BENCH_READS_CACHE"] = "miss"
    os.environ["BOOSTLOOP_RUN_SCHEDULER"] = "false"
    os.environ["BOOSTLOOP_LOG_LEVEL"] = "WARNING"
    os.environ.pop("BOOSTLOOP_REDIS_URL", None)
    ws, token, boosts = setup(args.database_url)
    from fastapi.testclient import TestClient

    clock = SqlClock()
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", clock.before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", clock.after)
    rng = random.Random(args.seed)
    headers = {"Authorization": f"Bearer {token}"}
    print("| endpoint | n | wall p50 ms | wall max ms | CPU p50 ms | SQL p50 ms | Python (wall - SQL) p50 ms |")
    print("|---|---|---|---|---|---|---|")
    with TestClient(server_app()) as client:
        for kind in args.endpoints:
            client.get(request_path(kind, ws, boosts, rng), headers=headers)  # warm-up (imports, pool)
            wall, cpu, sql = [], [], []
            for _ in range(args.requests):
                path = request_path(kind, ws, boosts, rng)
                clock.total = 0.0
                t0, c0 = time.perf_counter(), time.process_time()
                r = client.get(path, headers=headers)
                clock.stop()
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                sql.append(clock.total * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: {r.status_code} {r.text[:300]}")
            py = [w - q for w, q in zip(wall, sql)]
            print(f"| {kind} | {len(wall)} | {statistics.median(wall):,.1f} | {max(wall):,.1f} | "
                  f"{statistics.median(cpu):,.1f} | {statistics.median(sql):,.1f} | {statistics.median(py):,.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()

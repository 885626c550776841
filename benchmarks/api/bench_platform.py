"""What the API platform costs per request: authentication (token lookup), membership and role check,
rate limiting, the request unit of work, problem handling, metrics and JSON logs.

    .venv/bin/python benchmarks/api/bench_platform.py [--clients 16] [--requests 100]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis-url redis://...]

Serves the app with uvicorn (one worker process) on PostgreSQL (a fresh database, dropped at the end) and
drives it from a second process with ``--clients`` concurrent clients. Both routes read the same 50 job
runs of a workspace (a dashboard-style paged list) through the same middleware:

- peer: a bare FastAPI route doing the same query and serialisation, no authentication, no membership,
  no rate limit (the floor a request costs in this stack);
- ours: ``GET /api/v1/workspaces/{id}/jobs/runs?limit=50`` with a Bearer token, i.e. the whole platform.

Prints p50 / p95 / p99 per route and the ratio ours / peer. The limits are raised in the server process so
that they are checked but never refuse (the check still runs, in memory or in Redis).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi import Query, Request

from boostloop.server.jobs.schemas import JobRunPage

HERE = os.path.dirname(os.path.abspath(__file__))


def server_app():  # noqa: ANN201 - uvicorn factory (``--factory``)
    from boostloop.server import ratelimit
    from boostloop.server.app import create_app
    from boostloop.server.db.models import JobRun
    from boostloop.server.db.session import session_factory
    from boostloop.server.jobs.schemas import JobRunOut

    for klass in ratelimit.LIMITS.values():
        for scope in list(klass):
            klass[scope] = ratelimit.Limit(10**9, 60)
    app = create_app()

    @app.get("/bench/bare/{workspace_id}/runs", response_model=JobRunPage)
    def bare(workspace_id: uuid.UUID, request: Request, limit: int = Query(50)) -> JobRunPage:
        with session_factory(request.app.state.engine)() as s:
            rows = list(s.scalars(sa.select(JobRun).where(JobRun.workspace_id == workspace_id)
                                  .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit + 1)))
            return JobRunPage(items=[JobRunOut.model_validate(r) for r in rows[:limit]], next_cursor=None)

    return app


def _client(args: tuple) -> list[tuple[str, float, int]]:  # noqa: ANN001
    import httpx

    base, ws, token, n = args
    out = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for i in range(n):
            for kind in (("bare", "ours") if i % 2 else ("ours", "bare")):
                if kind == "ours":
                    url, h = f"/api/v1/workspaces/{ws}/jobs/runs?limit=50", {"Authorization": f"Bearer {token}"}
                else:
                    url, h = f"/bench/bare/{ws}/runs?limit=50", {}
                t0 = time.perf_counter()
                r = c.get(url, headers=h)
                out.append((kind, time.perf_counter() - t0, r.status_code))
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=100, help="per client and route")
    ap.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default=None)
    ap.add_argument("--port", type=int, default=18791)
    args = ap.parse_args()

    from boostloop.enums import JobStatus, JobTrigger, Role
    from boostloop.server.auth import service as auth
    from boostloop.server.db import migrate
    from boostloop.server.db.models import JobRun
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.workspaces import service as wss

    sys.path.insert(0, os.path.dirname(HERE))
    from scratch_db import scratch_postgres

    with scratch_postgres(args.database_url, "boostloop_bench_api") as url:
        server = None
        try:
            migrate.upgrade(url)
            engine = create_db_engine(url)
            with session_scope(engine) as s:
                user = auth.create_user(s, email="bench@example.com")
                ws = wss.create_workspace(s, name="Bench", slug="bench")
                wss.add_member(s, ws, user, Role.VIEWER)
                tokens = [auth.create_token(s, user, name=f"c{i}")[1] for i in range(args.clients)]
                t0 = datetime(2026, 1, 1, tzinfo=UTC)
                s.add_all(JobRun(workspace_id=ws.id, job_name="snapshots", trigger=JobTrigger.SCHEDULE,
                                 status=JobStatus.SUCCEEDED, attempt=1, started_at=t0 + timedelta(hours=i),
                                 finished_at=t0 + timedelta(hours=i, seconds=3), counts={"created": i})
                          for i in range(500))
                ws_id = ws.id
            engine.dispose()
            env = {**os.environ, "BOOSTLOOP_DATABASE_URL": url, "BOOSTLOOP_RUN_SCHEDULER": "false",
                   "BOOSTLOOP_LOG_LEVEL": "WARNING", "PYTHONPATH": HERE}
            if args.redis_url:
                env["BOOSTLOOP_REDIS_URL"] = args.redis_url
                env["BOOSTLOOP_REDIS_PREFIX"] = f"bench-{uuid.uuid4().hex[:6]}:"
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "bench_platform:server_app", "--port", str(args.port),
                 "--log-level", "warning", "--no-access-log"], env=env)
            import httpx

            base = f"http://127.0.0.1:{args.port}"
            for _ in range(120):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            _client((base, ws_id, tokens[0], 5))  # warm-up
            t0 = time.perf_counter()
            ctx = mp.get_context("spawn")
            with ctx.Pool(args.clients) as pool:  # the clients: other processes than the server
                results = pool.map(_client, [(base, ws_id, tokens[i], args.requests) for i in range(args.clients)])
            wall = time.perf_counter() - t0
            flat = [r for rs in results for r in rs]
            bad = [r for r in flat if r[2] != 200]
            if bad:
                print("non-200 answers:", sorted({(k, st) for k, _, st in bad}), file=sys.stderr)
            report = {"clients": args.clients, "requests": len(flat), "non_200": len(bad), "wall_s": round(wall, 1),
                      "backend": "redis" if args.redis_url else "memory"}
            for kind in ("bare", "ours"):
                xs = [d for k, d, _ in flat if k == kind]
                report[kind] = {"p50_ms": round(_pct(xs, 0.5), 1), "p95_ms": round(_pct(xs, 0.95), 1),
                                "p99_ms": round(_pct(xs, 0.99), 1), "mean_ms": round(statistics.mean(xs) * 1000, 1)}
            report["ratio_p50"] = round(report["ours"]["p50_ms"] / report["bare"]["p50_ms"], 2)
            report["ratio_p95"] = round(report["ours"]["p95_ms"] / report["bare"]["p95_ms"], 2)
            print(json.dumps(report, indent=1))
        finally:
            if server is not None:
                server.terminate()
                server.wait(30)


if __name__ == "__main__":
    main()

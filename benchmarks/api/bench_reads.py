"""Dashboard-facing API reads at 1,000 boosts / 10M events: p50 / p95 / p99 per endpoint, cache misses
and hits.

    .venv/bin/python benchmarks/api/bench_reads.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reads] [--clients 16]
        [--phase miss hit] [--seconds 120] [--endpoints overview boosts boost insights recommendations]

Needs the workspace that ``build_reads_db.py`` builds (slug ``bench-reads``); reads only (a VIEWER user and
its token are added once). Serves the app with uvicorn (``--workers`` processes, default one; the app's own
settings and connection pool) on that database, and drives it from a second process: ``--clients`` concurrent
asyncio tasks in one event loop (one ``httpx.AsyncClient`` with a keep-alive connection per task, the Bearer
token), each looping over the chosen endpoints in a random order until ``--seconds`` have passed (a request
started before the deadline is waited for and counted). One thread of asyncio tasks instead of 16 Python
threads: the threads fought for the GIL and took the server's cores (benchmarks/RESULTS.md). The report
gives the client's own CPU per request (``time.process_time`` of the driving process) and the server's
(user + system CPU of the uvicorn processes from ``/proc``), so that what the client costs is visible.
``--loop`` / ``--http`` choose uvicorn's event loop and HTTP parser (default: uvloop and httptools). Endpoints:

- overview: ``GET .../effectiveness/overview`` (the dashboard's effectiveness totals; cached 5 min);
- boosts: ``GET .../boosts?sort=S&limit=50``, S random among boostedAt, costPerResult, roi, lift (cached 5 min);
- boost: ``GET .../boosts/{id}`` of a random boost (snapshots + attribution split; cached 5 min);
- insights: ``GET .../insights?limit=50`` (cached 15 min);
- recommendations: ``GET .../recommendations?limit=50`` (cached 15 min).

Phases (each with a freshly started server):

- ``miss``: the server's cache store never returns an entry (``BENCH_READS_CACHE=miss`` swaps it for a
  store whose ``get`` always answers None), so every request computes its answer, as the first request
  after an invalidation (new events or snapshots) does;
- ``hit``: the cache is the app's own (in memory, or Redis with ``--redis-url``); one request of each cached endpoint warms it before the
  clock starts, so cached endpoints answer from the cache. The boost detail is cached per boost: this
  phase reads the details of ``--hit-boosts`` boosts only, each read once before the clock starts; the
  boost list is cached per sort, each of the four read once before the clock starts.

Rate limits are raised in the server so that they are checked but never refuse. Prints one JSON report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reads"
SLUG = "bench-reads"
BENCH_EMAIL = "bench-reads@example.com"
ENDPOINTS = ("overview", "boosts", "boost", "insights", "recommendations")
LIST_SORTS = ("boostedAt", "costPerResult", "roi", "lift")


def server_app():  # noqa: ANN201 - uvicorn factory (``--factory``)
    from boostloop.server import ratelimit
    from boostloop.server.app import create_app
    from boostloop.server.cache import Cache, MemoryStore

    for klass in ratelimit.LIMITS.values():
        for scope in list(klass):
            klass[scope] = ratelimit.Limit(10**9, 60)
    app = create_app()
    if os.environ.get("BENCH_READS_CACHE") == "miss":

        class MissStore(MemoryStore):
            def get(self, key: str) -> str | None:  # every read misses; writes are kept (and never read)
                return None

        app.state.cache = Cache(MissStore())
    return app


def setup(url: str) -> tuple[uuid.UUID, str, list[uuid.UUID]]:
    """(workspace id, a fresh VIEWER token, the workspace's boost ids)."""
    from boostloop.enums import Role
    from boostloop.server.auth import service as auth
    from boostloop.server.db.models import BoostCampaign, Membership, User, Workspace
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.workspaces import service as wss

    engine = create_db_engine(url)
    with session_scope(engine) as s:
        ws = s.scalar(sa.select(Workspace).where(Workspace.slug == SLUG))
        if ws is None:
            raise SystemExit(f"no workspace {SLUG!r} in {url}: run benchmarks/api/build_reads_db.py first")
        user = s.scalar(sa.select(User).where(User.email == BENCH_EMAIL))
        if user is None:
            user = auth.create_user(s, email=BENCH_EMAIL)
        if s.scalar(sa.select(Membership.id).where(Membership.workspace_id == ws.id,
                                                   Membership.user_id == user.id)) is None:
            wss.add_member(s, ws, user, Role.VIEWER)
        token = auth.create_token(s, user, name=f"bench-reads-{uuid.uuid4().hex[:6]}")[1]
        boosts = list(s.scalars(sa.select(BoostCampaign.id).where(BoostCampaign.workspace_id == ws.id)))
        ws_id = ws.id
    engine.dispose()
    return ws_id, token, boosts


def request_path(kind: str, ws: uuid.UUID, boosts: list[uuid.UUID], rng: random.Random) -> str:
    base = f"/api/v1/workspaces/{ws}"
    if kind == "overview":
        return f"{base}/effectiveness/overview"
    if kind == "boosts":
        return f"{base}/boosts?sort={rng.choice(LIST_SORTS)}&limit=50"
    if kind == "boost":
        return f"{base}/boosts/{rng.choice(boosts)}"
    if kind == "insights":
        return f"{base}/insights?limit=50"
    if kind == "recommendations":
        return f"{base}/recommendations?limit=50"
    raise ValueError(kind)


def drive(base: str, ws: uuid.UUID, token: str, boosts: list[uuid.UUID], endpoints: list[str], clients: int,
          seconds: float, seed: int) -> tuple[list[tuple[str, float, int]], float, float]:
    """Run ``clients`` asyncio tasks for ``seconds``; returns ([(endpoint, seconds, status)], wall seconds,
    CPU seconds of this process)."""
    import asyncio

    import httpx

    out: list[tuple[str, float, int]] = []

    async def client(i: int, deadline: float) -> None:
        rng = random.Random(seed * 1000 + i)
        async with httpx.AsyncClient(base_url=base, timeout=600, headers={"Authorization": f"Bearer {token}"},
                                     limits=httpx.Limits(max_connections=1)) as c:
            while time.perf_counter() < deadline:
                order = list(endpoints)
                rng.shuffle(order)
                for kind in order:
                    if time.perf_counter() >= deadline:
                        break
                    path = request_path(kind, ws, boosts, rng)
                    t0 = time.perf_counter()
                    r = await c.get(path)
                    out.append((kind, time.perf_counter() - t0, r.status_code))

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(i, deadline) for i in range(clients)))

    t0, c0 = time.perf_counter(), time.process_time()
    asyncio.run(run())
    return out, time.perf_counter() - t0, time.process_time() - c0


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its children still running (uvicorn's workers), from ``/proc``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15 of stat)
        except OSError:
            pass
    return total


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (ms): the smallest value with at least q of the sample at or below it."""
    xs = sorted(xs)
    return xs[max(0, math.ceil(q * len(xs)) - 1)] * 1000


def summarise(flat: list[tuple[str, float, int]], endpoints: list[str]) -> dict:
    rep = {}
    for kind in endpoints:
        xs = [d for k, d, st in flat if k == kind and st == 200]
        bad = sum(1 for k, _, st in flat if k == kind and st != 200)
        if not xs:
            rep[kind] = {"n": 0, "non_200": bad}
            continue
        rep[kind] = {"n": len(xs), "non_200": bad, "p50_ms": round(percentile(xs, 0.50), 1),
                     "p95_ms": round(percentile(xs, 0.95), 1), "p99_ms": round(percentile(xs, 0.99), 1),
                     "max_ms": round(max(xs) * 1000, 1)}
    return rep


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_phase(phase: str, args, ws: uuid.UUID, token: str, boosts: list[uuid.UUID]) -> dict:  # noqa: ANN001
    import httpx

    env = {**os.environ, "BOOSTLOOP_DATABASE_URL": args.database_url, "BOOSTLOOP_RUN_SCHEDULER": "false",
           "BOOSTLOOP_LOG_LEVEL": "WARNING", "PYTHONPATH": HERE, "BENCH_READS_CACHE": phase}
    env.pop("BOOSTLOOP_REDIS_URL", None)
    if args.redis_url:  # a cache shared by the worker processes
        env["BOOSTLOOP_REDIS_URL"] = args.redis_url
        env["BOOSTLOOP_REDIS_PREFIX"] = f"bench-reads-{uuid.uuid4().hex[:6]}:"
    port = args.port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench_reads:server_app", "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--workers", str(args.workers), "--loop", args.loop,
         "--http", args.http], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:  # e.g. the port was taken: never measure someone else's server
                raise SystemExit(f"the server exited ({server.returncode})")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the server did not start")
        warm = {}
        if phase == "hit":
            boosts = random.Random(args.seed).sample(boosts, min(args.hit_boosts, len(boosts)))
        with httpx.Client(base_url=base, timeout=900, headers={"Authorization": f"Bearer {token}"}) as c:
            rng = random.Random(0)
            if phase == "hit" and "boost" in args.endpoints:
                t0 = time.perf_counter()
                for b in boosts:
                    c.get(f"/api/v1/workspaces/{ws}/boosts/{b}")
                warm["boost_details_cached_s"] = round(time.perf_counter() - t0, 1)
            if phase == "hit" and "boosts" in args.endpoints:
                for sort in LIST_SORTS:
                    c.get(f"/api/v1/workspaces/{ws}/boosts?sort={sort}&limit=50")
            for kind in args.endpoints:  # first request of each: connection pool, imports, (hit) the cache
                t0 = time.perf_counter()
                r = c.get(request_path(kind, ws, boosts, rng))
                warm[kind] = {"status": r.status_code, "ms": round((time.perf_counter() - t0) * 1000, 1)}
                if r.status_code != 200:
                    warm[kind]["body"] = r.text[:300]
        load_before = os.getloadavg()
        server_cpu0 = process_cpu_seconds(server.pid)
        flat, wall, client_cpu = drive(base, ws, token, boosts, args.endpoints, args.clients, args.seconds,
                                       args.seed)
        server_cpu = process_cpu_seconds(server.pid) - server_cpu0
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(60)
    return {"phase": phase, "workers": args.workers, "loop": args.loop, "http": args.http, "redis": bool(args.redis_url), "clients": args.clients,
            "boosts_read": len(boosts), "wall_s": round(wall, 1), "requests": len(flat),
            "requests_per_s": round(len(flat) / wall, 1),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(flat)), 2),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(flat)), 2), "first_request": warm,
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
            "endpoints": summarise(flat, args.endpoints)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=120.0, help="per phase")
    ap.add_argument("--phase", nargs="+", choices=("miss", "hit"), default=["miss", "hit"])
    ap.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1,
                    help="uvicorn worker processes (use --redis-url with > 1)")
    ap.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"),
                    help="uvicorn's event loop (auto: uvloop when installed)")
    ap.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"),
                    help="uvicorn's HTTP parser (auto: httptools when installed)")
    ap.add_argument("--redis-url", default=None, help="cache in Redis instead of in memory")
    ap.add_argument("--hit-boosts", type=int, default=20, help="boosts whose detail the hit phase reads")
    args = ap.parse_args()

    ws, token, boosts = setup(args.database_url)
    with sa.create_engine(args.database_url).connect() as c:
        sizes = {"boosts": len(boosts),
                 "events": c.scalar(sa.text("SELECT count(*) FROM boost_attribution_events "
                                            "WHERE workspace_id = :w"), {"w": ws}),
                 "snapshots": c.scalar(sa.text("SELECT count(*) FROM boost_performance_snapshots "
                                               "WHERE workspace_id = :w"), {"w": ws})}
    report = {"database": args.database_url, "sizes": sizes, "phases": []}
    for phase in args.phase:
        report["phases"].append(run_phase(phase, args, ws, token, boosts))
        print(json.dumps(report["phases"][-1]), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

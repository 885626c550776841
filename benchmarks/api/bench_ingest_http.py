"""Touchpoint event ingest over HTTP in 1,000-event batches into PostgreSQL, next to a plain psycopg COPY of
the same rows (the physical limit), in one run. Goal (issue 7): at least a third of COPY's events per second.

Ours: ``POST /api/v1/workspaces/{id}/ingest/events`` served by uvicorn (one worker) in its **own process**
(``--factory bench_ingest_http:server_app``), driven from this process with a Bearer token: JSON parsing,
validation of every event, HMAC hashing of the person ids, the opt-out filter, the idempotency check and the
insert (COPY into a temporary table + INSERT ... SELECT ... ON CONFLICT), the commit, cache invalidation
and metrics. The request bodies are serialised before the clock starts (the client's JSON encoding is not
the server's cost).
Peer: ``COPY boost_attribution_events FROM STDIN`` of the already-hashed rows, one COPY and commit per
1,000 rows, over one psycopg connection.

The two run interleaved, batch by batch (one HTTP batch of ours, then one COPY batch of other rows), so that
both meet the same machine load (the reference machine is shared) and the same table and index sizes; each
size starts from an emptied event table. The workspace carries 1,000 opt-outs, none of them matching the benchmark's people (the
lookup still runs on every batch).

    cd benchmarks/api && ../../.venv/bin/python bench_ingest_http.py --events 50000 200000 [--profile DIR]

``--profile DIR`` samples the server process with py-spy (``uv pip install py-spy``; not a project dependency)
into ``DIR/ingest-server.txt`` (collapsed stacks, e.g. for flamegraph.pl or a quick ``sort``).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the server; each run makes a scratch database

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from scratch_db import scratch_postgres  # noqa: E402
T0 = datetime(2026, 10, 1, tzinfo=UTC)
BATCH = 1000
HERE = os.path.dirname(os.path.abspath(__file__))


def server_app():  # noqa: ANN201 - uvicorn factory (``--factory``), settings from BOOSTLOOP_* variables
    from boostloop.server.app import create_app

    return create_app()


def events(n: int, prefix: str) -> list[dict]:
    kinds = ("ORGANIC", "PAID")
    return [{"client_event_id": f"{prefix}-{i}", "event_type": "CONVERSION" if i % 20 == 19 else "VIEW",
             "touchpoint_type": kinds[i % 2], "platform": "FACEBOOK",
             "occurred_at": (T0 + timedelta(seconds=i)).isoformat(), "user_id": f"u-{i % 5000}",
             "session_id": f"s-{i % 9000}"} for i in range(n)]


def setup(url: str) -> tuple[uuid.UUID, bytes, str]:
    from boostloop.enums import Role
    from boostloop.server.attribution.hashing import person_hash
    from boostloop.server.auth import service as auth
    from boostloop.server.db.migrate import upgrade
    from boostloop.server.db.models import PrivacyOptOut
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.workspaces import service as ws_service

    upgrade(url)
    engine = create_db_engine(url)
    with session_scope(engine) as s:
        user = auth.create_user(s, email="bench@example.com")
        ws = ws_service.create_workspace(s, name="Bench", slug="bench")
        ws_service.add_member(s, ws, user, Role.MEMBER)
        _, token = auth.create_token(s, user, name="bench")
        ws_id, key = ws.id, bytes(ws.hash_key)
        s.add_all(PrivacyOptOut(workspace_id=ws_id, user_id_hash=person_hash(key, f"gone-{i}")) for i in range(1000))
    engine.dispose()
    return ws_id, key, token


def start_server(url: str, port: int, *, factory: str = "bench_ingest_http:server_app",
                 workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "BOOSTLOOP_DATABASE_URL": url, "BOOSTLOOP_RUN_SCHEDULER": "false",
           "BOOSTLOOP_RATE_LIMITS_ENABLED": "false", "BOOSTLOOP_LOG_LEVEL": "WARNING",
           "BOOSTLOOP_SECRET_KEY": "bench-" + "x" * 30, "PYTHONPATH": HERE}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", factory, "--workers", str(workers),
                             "--port", str(port), "--log-level", "warning", "--no-access-log"], env=env)
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.terminate()
    raise SystemExit("the server did not start")


def start_profiler(pid: int, out: str) -> subprocess.Popen:
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                             "--output", out])


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly; py-spy writes its output
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_interleaved(base: str, ws_id: uuid.UUID, token: str, url: str, key: bytes, n: int) -> tuple[float, float]:
    """Seconds spent by ours and by the peer on ``n`` events each, batch by batch in turn (one HTTP batch,
    then one COPY batch of other rows), so that both meet the same machine load and the same table size."""
    ours, theirs = events(n, f"h{n}"), events(n, f"c{n}")
    bodies = [json.dumps({"events": ours[i:i + BATCH]}).encode() for i in range(0, n, BATCH)]

    def h(v: str) -> str:
        return hmac.new(key, v.encode(), hashlib.sha256).hexdigest()

    now = datetime.now(UTC)
    copy_rows = [(uuid.uuid4(), ws_id, e["client_event_id"], h(e["session_id"]), h(e["user_id"]), e["event_type"],
                  e["touchpoint_type"], e["platform"], T0 + timedelta(seconds=i), now) for i, e in enumerate(theirs)]
    cols = ("id, workspace_id, client_event_id, session_id_hash, user_id_hash, event_type, touchpoint_type, "
            "platform, occurred_at, created_at")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = f"/api/v1/workspaces/{ws_id}/ingest/events"
    http_s = copy_s = 0.0
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client, psycopg.connect(url) as c:
        for b, body in enumerate(bodies):
            t = time.perf_counter()
            r = client.post(path, content=body)
            http_s += time.perf_counter() - t
            assert r.status_code == 200 and r.json()["inserted"] == min(BATCH, n - b * BATCH), r.text
            t = time.perf_counter()
            with c.cursor().copy(f"COPY boost_attribution_events ({cols}) FROM STDIN") as cp:
                for row in copy_rows[b * BATCH:(b + 1) * BATCH]:
                    cp.write_row(row)
            c.commit()
            copy_s += time.perf_counter() - t
    return http_s, copy_s


def truncate(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("TRUNCATE boost_attribution_events")
        c.execute("VACUUM ANALYZE boost_attribution_events")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, nargs="+", default=[50_000, 200_000])
    ap.add_argument("--port", type=int, default=18793)
    ap.add_argument("--profile", default=None, help="directory for py-spy output of the server")
    args = ap.parse_args()
    with scratch_postgres(ADMIN, "bench_ingest_http") as url:
        plain = url.replace("+psycopg", "")
        server = profiler = None
        try:
            ws_id, key, token = setup(url)
            server = start_server(url, args.port)
            base = f"http://127.0.0.1:{args.port}"
            run_interleaved(base, ws_id, token, plain, key, 2 * BATCH)  # imports, first connections, plan caches
            if args.profile:
                profiler = start_profiler(server.pid, os.path.join(args.profile, "ingest-server.txt"))
                time.sleep(1)
            results = []
            for n in args.events:
                truncate(plain)
                http_s, copy_s = run_interleaved(base, ws_id, token, plain, key, n)
                results.append((n, http_s, copy_s))
            print(f"batches of {BATCH:,}; server: uvicorn, one worker, own process; load average "
                  f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            print("| events | HTTP ingest (ours) | events/s | psycopg COPY (peer) | events/s | ratio |")
            print("|---|---|---|---|---|---|")
            for n, http_s, copy_s in results:
                print(f"| {n:,} | {http_s:.2f} s | {n / http_s:,.0f} | {copy_s:.2f} s | {n / copy_s:,.0f} | "
                      f"{copy_s / http_s:.2f} |")
        finally:
            if profiler is not None:
                stop(profiler)
            if server is not None:
                stop(server)


if __name__ == "__main__":
    main()

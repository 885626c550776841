"""Touchpoint event ingest over HTTP in 1,000-event batches into PostgreSQL, next to a plain psycopg COPY of
the same rows (the physical limit). Goal (issue 7): at least a third of COPY's events per second.

Ours: ``POST /api/v1/workspaces/{id}/ingest/events`` through uvicorn on 127.0.0.1 (one worker, in a thread
of this process) with a Bearer token: JSON parsing, validation of every event, HMAC hashing of the person
ids, the idempotency check and the insert (COPY into a temporary table + INSERT ... ON CONFLICT).
Peer: ``COPY boost_attribution_events FROM STDIN`` of the already-hashed rows, one COPY per 1,000 rows.

    cd benchmarks/api && ../../.venv/bin/python bench_ingest_http.py --events 50000
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import uvicorn

from boostloop.enums import Role
from boostloop.server.app import create_app
from boostloop.server.auth import service as auth
from boostloop.server.db.migrate import upgrade
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.settings import Settings
from boostloop.server.workspaces import service as ws_service

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "bench_ingest_http"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
T0 = datetime(2026, 10, 1, tzinfo=UTC)
BATCH = 1000


def fresh_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {DB}")
    upgrade(URL)


def events(n: int, prefix: str) -> list[dict]:
    kinds = ("ORGANIC", "PAID")
    return [{"client_event_id": f"{prefix}-{i}", "event_type": "CONVERSION" if i % 20 == 19 else "VIEW",
             "touchpoint_type": kinds[i % 2], "platform": "FACEBOOK",
             "occurred_at": (T0 + timedelta(seconds=i)).isoformat(), "user_id": f"u-{i % 5000}",
             "session_id": f"s-{i % 9000}"} for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50_000)
    args = ap.parse_args()
    fresh_database()
    engine = create_db_engine(URL)
    with session_scope(engine) as s:
        user = auth.create_user(s, email="bench@example.com")
        ws = ws_service.create_workspace(s, name="Bench", slug="bench")
        ws_service.add_member(s, ws, user, Role.MEMBER)
        _, token = auth.create_token(s, user, name="bench")
        ws_id, key = ws.id, bytes(ws.hash_key)
    app = create_app(Settings(database_url=URL, rate_limits_enabled=False, log_level="WARNING",
                              secret_key="bench-" + "x" * 30), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8765, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    rows = events(args.events, "http")
    with httpx.Client(base_url="http://127.0.0.1:8765", headers={"Authorization": f"Bearer {token}"},
                      timeout=120) as client:
        t = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            r = client.post(f"/api/v1/workspaces/{ws_id}/ingest/events", json={"events": rows[i:i + BATCH]})
            assert r.status_code == 200 and r.json()["inserted"] == len(rows[i:i + BATCH]), r.text
        http_s = time.perf_counter() - t
    server.should_exit = True

    def h(v: str) -> str:
        return hmac.new(key, v.encode(), hashlib.sha256).hexdigest()

    copy_rows = [(uuid.uuid4(), ws_id, f"copy-{i}", h(e["session_id"]), h(e["user_id"]), e["event_type"],
                  e["touchpoint_type"], e["platform"], T0 + timedelta(seconds=i), datetime.now(UTC))
                 for i, e in enumerate(events(args.events, "copy"))]
    cols = ("id, workspace_id, client_event_id, session_id_hash, user_id_hash, event_type, touchpoint_type, "
            "platform, occurred_at, created_at")
    with psycopg.connect(URL.replace("+psycopg", "")) as c:
        t = time.perf_counter()
        for i in range(0, len(copy_rows), BATCH):
            with c.cursor().copy(f"COPY boost_attribution_events ({cols}) FROM STDIN") as cp:
                for row in copy_rows[i:i + BATCH]:
                    cp.write_row(row)
            c.commit()
        copy_s = time.perf_counter() - t
    n = args.events
    print(f"events: {n:,} in batches of {BATCH:,}")
    print(f"HTTP ingest (ours): {http_s:.2f} s = {n / http_s:,.0f} events/s")
    print(f"psycopg COPY (peer): {copy_s:.2f} s = {n / copy_s:,.0f} events/s")
    print(f"ratio ours / COPY: {copy_s / http_s:.2f} (goal >= 0.33)")
    engine.dispose()


if __name__ == "__main__":
    main()

"""Concurrent event ingest into one workspace, with and without the count of input writes
(``effectiveness.input_version.bump``): does the per-workspace row that every batch holding a conversion
upserts serialise concurrent importers?

Each batch of 1,000 events holds 50 conversions (``bench_ingest_http.events``), so every request bumps the
workspace's row, and holds its lock from that upsert (its last statement) to its commit. Peer: the same
server with ``bump`` replaced by a no-op (``BENCH_NO_INPUT_COUNT=1``), i.e. the product before the count.
``--clients`` asyncio clients post their own batches at once to one uvicorn server (``--workers``
processes) on a scratch PostgreSQL database; the two servers run in alternating rounds (``--rounds``), each
round on a freshly started server (one untimed batch per client first) and an emptied event table, so
that both meet the same machine load.

    cd benchmarks/api && ../../.venv/bin/python bench_ingest_concurrent.py [--clients 4] [--batches 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ingest_http import ADMIN, BATCH, events, setup, start_server, stop, truncate  # noqa: E402
from scratch_db import scratch_postgres  # noqa: E402  (benchmarks/, put on the path by bench_ingest_http)


def server_app():  # noqa: ANN201 - uvicorn factory; the peer's server counts nothing
    from boostloop.server.app import create_app

    if os.environ.get("BENCH_NO_INPUT_COUNT") == "1":
        from boostloop.server.effectiveness import input_version

        input_version.bump = lambda session, workspace_id: None
    return create_app()


async def drive(base: str, path: str, token: str, bodies: list[list[bytes]]) -> float:
    """Seconds for every client to post its batches (each client one connection, one batch at a time)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def client(mine: list[bytes]) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as c:
            for body in mine:
                r = await c.post(path, content=body)
                assert r.status_code == 200 and r.json()["inserted"] == BATCH, r.text

    t = time.perf_counter()
    await asyncio.gather(*(client(mine) for mine in bodies))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batches", type=int, default=20, help="per client and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=18795)
    args = ap.parse_args()
    n = args.clients * args.batches * BATCH
    with scratch_postgres(ADMIN, "bench_ingest_concurrent") as url:
        plain = url.replace("+psycopg", "")
        ws_id, _, token = setup(url)
        path = f"/api/v1/workspaces/{ws_id}/ingest/events"
        seconds: dict[str, list[float]] = {"with the count": [], "without (peer)": []}
        for r in range(args.rounds):
            for name in seconds:
                os.environ["BENCH_NO_INPUT_COUNT"] = "1" if name.startswith("without") else "0"
                server = start_server(url, args.port, factory="bench_ingest_concurrent:server_app",
                                      workers=args.workers)
                try:
                    warm = events(args.clients * BATCH, f"w{r}-{name[:4]}")  # imports, connections, plans
                    asyncio.run(drive(f"http://127.0.0.1:{args.port}", path, token, [
                        [json.dumps({"events": warm[k * BATCH:(k + 1) * BATCH]}).encode()] for k in range(args.clients)]))
                    truncate(plain)
                    evs = events(n, f"r{r}-{name[:4]}")
                    batches = [json.dumps({"events": evs[i:i + BATCH]}).encode() for i in range(0, n, BATCH)]
                    bodies = [batches[k * args.batches:(k + 1) * args.batches] for k in range(args.clients)]
                    seconds[name].append(asyncio.run(drive(f"http://127.0.0.1:{args.port}", path, token, bodies)))
                finally:
                    stop(server)
        print(f"{args.clients} clients x {args.batches} batches of {BATCH:,} events per round ({n:,} events), "
              f"{args.workers} uvicorn workers, {args.rounds} rounds; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("| server | median s per round | events/s | rounds (s) |")
        print("|---|---|---|---|")
        for name, ss in seconds.items():
            med = statistics.median(ss)
            print(f"| {name} | {med:.2f} | {n / med:,.0f} | {', '.join(f'{s:.2f}' for s in ss)} |")


if __name__ == "__main__":
    main()

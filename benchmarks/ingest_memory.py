"""Peak memory and time of importing a large Meta Ads Manager CSV, against pandas.read_csv of the same file.

Peer: ``pandas.read_csv`` (parse only, no validation, no database) — what a one-off script would do.
Our importer parses, validates every row, and upserts into SQLite in one transaction, streaming.
Peak Python heap by tracemalloc (both measured in this one process, one after the other), and the
process's peak RSS (``resource.getrusage``) after each.

    .venv/bin/python benchmarks/ingest_memory.py --mb 50
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

HEADER = (
    "Reporting starts,Reporting ends,Day,Campaign name,Campaign ID,Campaign delivery,Objective,Results,"
    "Result type,Reach,Impressions,Link clicks,Purchases,Purchases conversion value,Amount spent (USD)\n"
)


def write_meta_csv(path: Path, target_bytes: int, *, seed: int = 1, bad_last_line: bool = False) -> int:
    """A campaign-level, daily Meta export of about ``target_bytes``; returns the number of rows."""
    import random

    rng = random.Random(seed)
    rows = 0
    start = date(2024, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        size = len(HEADER)
        campaign = 0
        while size < target_bytes:
            campaign += 1
            cid = 120210000000000000 + campaign
            for d in range(365):
                day = (start + timedelta(days=d)).isoformat()
                imps = rng.randint(500, 50000)
                reach = rng.randint(imps // 3, imps)
                line = (
                    f'{day},{day},{day},"Post: ""Campaign number {campaign} for the season""",{cid},completed,'
                    f"OUTCOME_ENGAGEMENT,{rng.randint(0, 900)},Post engagements,{reach},{imps},"
                    f"{rng.randint(0, 900)},{rng.randint(0, 9)},{rng.randint(0, 90000) / 100:.2f},"
                    f"{rng.randint(100, 30000) / 100:.2f}\n"
                )
                f.write(line)
                size += len(line)
                rows += 1
                if size >= target_bytes:
                    break
        if bad_last_line:
            f.write(
                "2024-01-01,2024-01-01,2024-01-01,x,1,completed,OUTCOME_ENGAGEMENT,1,Post engagements,"
                "10,1O,1,0,,1.00\n"
            )
            rows += 1
    return rows


def write_insights_json(path: Path, target_bytes: int, *, seed: int = 1) -> int:
    """A Marketing API insights response (campaign level, daily) of about ``target_bytes``."""
    import json
    import random

    rng = random.Random(seed)
    rows, size = 0, 0
    start = date(2024, 1, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"data": [')
        campaign = 0
        while size < target_bytes:
            campaign += 1
            for d in range(365):
                imps = rng.randint(500, 50000)
                reach = rng.randint(imps // 3, imps)
                day = (start + timedelta(days=d)).isoformat()
                item = {
                    "account_currency": "USD",
                    "campaign_id": str(120210000000000000 + campaign),
                    "campaign_name": f"Post: campaign {campaign}",
                    "impressions": str(imps),
                    "reach": str(reach),
                    "frequency": f"{imps / reach:.6f}",
                    "clicks": str(rng.randint(0, 900)),
                    "spend": f"{rng.randint(100, 30000) / 100:.2f}",
                    "actions": [
                        {"action_type": "link_click", "value": "12"},
                        {"action_type": "purchase", "value": str(rng.randint(0, 9))},
                    ],
                    "action_values": [
                        {"action_type": "purchase", "value": f"{rng.randint(0, 90000) / 100:.2f}"}
                    ],
                    "date_start": day,
                    "date_stop": day,
                }
                text = ("," if rows else "") + json.dumps(item)
                f.write(text)
                size += len(text)
                rows += 1
                if size >= target_bytes:
                    break
        f.write('], "paging": {}}')
    return rows


def prepare_sqlite(db_dir: Path):
    """A migrated SQLite database with one USD workspace; modules imported (not counted in the peak)."""
    import boostloop.server.ingest.importers.meta_ads_csv  # noqa: F401
    from boostloop.server.db import migrate
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.workspaces.service import create_workspace

    url = f"sqlite:///{db_dir / 'bench.db'}"
    migrate.upgrade(url)
    engine = create_db_engine(url)
    with session_scope(engine) as s:
        create_workspace(s, name="Bench", slug="bench", currency="USD", timezone="UTC")
    return engine


def import_into(engine, path: Path, kind: str = "meta-ads-csv"):
    import sqlalchemy as sa

    from boostloop.server.db.models import Workspace
    from boostloop.server.db.session import session_scope
    from boostloop.server.ingest.importers import import_file

    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "bench")).one()
        return import_file(s, ws, kind, path)


def measure(fn, trace: bool = True):
    """(result, CPU seconds, peak traced heap MiB or None, process peak RSS MiB). CPU time, not wall
    time: the benchmark machine is shared, wall time there mostly measures the neighbours."""
    gc.collect()
    if trace:
        tracemalloc.start()
    cpu = time.process_time()
    out = fn()
    elapsed = time.process_time() - cpu
    peak = None
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak /= 2**20
    return out, elapsed, peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--no-trace", action="store_true", help="time only (tracemalloc slows Python ~3x)")
    ap.add_argument("--kind", choices=["meta-ads-csv", "meta-ads-insights"], default="meta-ads-csv")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.kind == "meta-ads-csv":
            path = Path(tmp) / "meta.csv"
            rows = write_meta_csv(path, int(args.mb * 2**20))
        else:
            path = Path(tmp) / "insights.json"
            rows = write_insights_json(path, int(args.mb * 2**20))
        engine = prepare_sqlite(Path(tmp))
        import pandas as pd

        print(
            f"file: {path.stat().st_size / 2**20:.1f} MiB, {rows} rows; RSS before the import (modules "
            f"loaded) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        result, t_ours, peak_ours, rss_ours = measure(
            lambda: import_into(engine, path, args.kind), not args.no_trace
        )
        fmt = lambda p: "n/a" if p is None else f"{p:.1f} MiB"
        print(
            f"boostloop import (parse + validate + upsert into SQLite): {t_ours:.1f} CPU s "
            f"({t_ours / rows * 1e6:.0f} us/row), tracemalloc peak {fmt(peak_ours)}, process peak RSS "
            f"{rss_ours:.0f} MiB; {result.summary()}"
        )
        if args.kind == "meta-ads-csv":
            peer, peer_name = (lambda: pd.read_csv(path)), "pandas.read_csv"
        else:
            import json

            peer, peer_name = (
                (lambda: pd.json_normalize(json.loads(path.read_text())["data"])),
                "json.loads + pandas.json_normalize",
            )
        _, t_pd, peak_pd, rss_pd = measure(peer, not args.no_trace)
        print(
            f"{peer_name} (parse only): {t_pd:.1f} CPU s, tracemalloc peak {fmt(peak_pd)}, "
            f"process peak RSS {rss_pd:.0f} MiB"
        )
        if peak_ours is not None:
            print(f"ratio peak heap ours / peer = {peak_ours / peak_pd:.2f}")
        print(f"ratio CPU time ours / peer = {t_ours / t_pd:.1f}")
        print(f"CPU seconds of the whole run: {time.process_time():.1f}")


if __name__ == "__main__":
    sys.exit(main())

"""The Parquet archive: ``<archive_dir>/<workspace_id>/<kind>/<YYYY-MM-DD>.parquet``, one file per workspace,
kind (``events`` / ``snapshots``) and UTC day, zstd-compressed.

Writes are atomic and idempotent: the day's file is rewritten as the union of what it held and the new rows
(deduplicated by ``id``, sorted), into a temporary file in the same directory that is fsynced and then
renamed over the old one (``os.replace`` is atomic on POSIX). A roll-up that dies after the rename but
before its database commit leaves rows that are both archived and still stored; the next run archives them
again and the union keeps one copy.

Rows hold person identifiers only as the stored keyed hashes (``user_id_hash``, ``session_id_hash``);
:func:`erase_person` rewrites the files that hold a person's rows (privacy erasure reaches the archive).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KINDS = ("events", "snapshots")
# zstd at pyarrow's default level: 68.8 bytes per archived event (hashes, uuids, JSON metadata) in the
# 1M-event run of benchmarks/retention (RESULTS.md, "Retention").
COMPRESSION = "zstd"


def day_path(root: Path, workspace_id: uuid.UUID, kind: str, day: date) -> Path:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return Path(root) / str(workspace_id) / kind / f"{day.isoformat()}.parquet"


def _sort_key(kind: str) -> list[tuple[str, str]]:
    return [("occurred_at" if kind == "events" else "snapshot_at", "ascending"), ("id", "ascending")]


def _atomic_write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh, compression=COMPRESSION)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)


def write_day(root: Path, workspace_id: uuid.UUID, kind: str, day: date, rows: pa.Table) -> Path:
    """Merge ``rows`` (with a string ``id`` column) into the day's file; returns its path."""
    path = day_path(root, workspace_id, kind, day)
    table = rows
    if path.exists():
        old = pq.read_table(path)
        table = pa.concat_tables([old, rows.cast(old.schema)])
        table = table.filter(_first_copies(table.column("id")))  # the archived copy of every id
    table = table.sort_by(_sort_key(kind))
    _atomic_write(table, path)
    return path


def _first_copies(ids: pa.ChunkedArray) -> pa.Array:
    """A mask keeping the first row of every id."""
    seen: set[str] = set()
    mask = []
    for v in ids.to_pylist():
        mask.append(v not in seen)
        seen.add(v)
    return pa.array(mask, pa.bool_())


def files(root: Path, workspace_id: uuid.UUID, kind: str) -> Iterator[Path]:
    base = Path(root) / str(workspace_id) / kind
    if base.is_dir():
        yield from sorted(base.glob("*.parquet"))


def read(root: Path, workspace_id: uuid.UUID, kind: str) -> pa.Table | None:
    """Every archived row of the workspace and kind (None when nothing is archived)."""
    tables = [pq.read_table(p) for p in files(root, workspace_id, kind)]
    return pa.concat_tables(tables) if tables else None


def erase_person(root: Path, workspace_id: uuid.UUID, user_id_hash: str) -> int:
    """Rewrite (atomically) every archived events file of the workspace without the person's rows;
    returns how many rows were removed."""
    removed = 0
    for path in files(root, workspace_id, "events"):
        table = pq.read_table(path)
        mine = pc.fill_null(pc.equal(table.column("user_id_hash"), user_id_hash), False)
        n = pc.sum(mine.cast(pa.int64())).as_py() or 0
        if n:
            _atomic_write(table.filter(pc.invert(mine)), path)
            removed += n
    return removed

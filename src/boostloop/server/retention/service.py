"""Retention use cases (docs/retention.md): roll a workspace's old touchpoint events and snapshots up into
daily aggregates and the Parquet archive, and give the analytics what was rolled up.

Two watermarks per workspace (``retention_states``), both at UTC midnights:

* ``rolled_until`` (R): every journey that ended before R is in ``attribution_path_aggregates`` (by the
  day it ended) and live analysis leaves it out (its ``since`` is at least R). Roll-up advances R up to the
  cutoff C = midnight UTC of (now - retention_days).
* ``events_deleted_until`` = R - W, with W = the widest lookback window (max of the workspace's click and
  view windows, whole days): raw events before it are archived, counted into ``event_daily_aggregates``
  and deleted. A journey ending at or after R only counts touches at most W before its end, so every touch
  it can count is still stored; raw events therefore live W days longer than ``retention_days``.

Each UTC day is one step in one transaction: the path aggregates of the journeys that ended that day, the
events that fall out of the W-day margin (archived, aggregated, deleted), the thinning of that day's
snapshots (the last per boost per day is kept; snapshot metrics are cumulative, so totals survive), and the
watermarks. The caller's ``commit`` runs after each step; an error rolls back only the step it was in (the
archive file of a failed step may already hold its rows: archive writes are idempotent unions).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from boostloop.analytics import retention as paths
from boostloop.analytics.attribution.engines import Engine, default_engine
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.db.models import Workspace
from boostloop.server.effectiveness import input_version
from boostloop.server.retention import archive
from boostloop.server.retention import repository as repo
from boostloop.server.settings import get_settings

EPOCH = attribution_repo.EPOCH
DAY = timedelta(days=1)


def archive_root() -> Path:
    return Path(get_settings().archive_dir)


def midnight(t: datetime) -> datetime:
    t = t.astimezone(UTC)
    return datetime(t.year, t.month, t.day, tzinfo=UTC)


def margin_days(workspace: Workspace) -> int:
    """W: the widest lookback window in whole days (a touch older than this before a journey's end is
    never counted in it, journeys module)."""
    return int(math.ceil(max(workspace.click_window_days, workspace.view_window_days)))


def cutoff(workspace: Workspace, now: datetime) -> datetime:
    """C: journeys ending and snapshots taken before it are rolled up (midnight UTC of now - retention)."""
    return midnight(now - timedelta(days=workspace.retention_days))


@dataclass
class RollupResult:
    days: int = 0
    journeys_paths: int = 0  # path aggregate rows written
    conversions: int = 0  # conversions moved into path aggregates
    events_archived: int = 0
    event_aggregates: int = 0
    snapshots_archived: int = 0
    rolled_until: datetime | None = None
    files: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        return {"days": self.days, "path_rows": self.journeys_paths, "conversions": self.conversions,
                "events_archived": self.events_archived, "event_aggregates": self.event_aggregates,
                "snapshots_archived": self.snapshots_archived}


EVENT_AGGREGATE_SQL = """
SELECT CAST(occurred_at AS DATE) AS day, boost_campaign_id, post_id, platform, touchpoint_type, event_type,
       json_extract_string(event_metadata, '$.utm_source') AS source,
       COUNT(*) AS events,
       COUNT(DISTINCT COALESCE(user_id_hash, session_id_hash)) AS people,
       CAST(COALESCE(SUM(event_value_cents), 0) AS BIGINT) AS value_cents
FROM rows
GROUP BY ALL
ORDER BY ALL
"""


def _query_rows(con: duckdb.DuckDBPyConnection, rows: pa.Table, sql: str) -> list[dict]:
    """``sql`` run on ``rows`` (registered as the table ``rows``), as Python dicts."""
    con.register("rows", rows)
    try:
        return con.sql(sql).to_arrow_table().to_pylist()
    finally:
        con.unregister("rows")


def _event_aggregates(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> list[dict]:
    """Daily aggregates of archived event rows (UTC days; ``source`` = metadata's utm_source)."""
    out = _query_rows(con, rows, EVENT_AGGREGATE_SQL)
    for r in out:
        for k in ("boost_campaign_id", "post_id"):
            r[k] = None if r[k] is None else uuid.UUID(r[k])
        r["source"] = None if r["source"] is None else r["source"][:128]
    return out


# The people behind the overlap split's tracked-people counts (attribution.repository.tracked_people): each
# person's first ORGANIC / PAID touch (any event but a conversion) of each boost in the rows.
TRACKED_PEOPLE_SQL = """
SELECT boost_campaign_id, touchpoint_type, COALESCE(user_id_hash, session_id_hash) AS person_hash,
       MIN(occurred_at) AS first_touch_at
FROM rows
WHERE boost_campaign_id IS NOT NULL AND event_type <> 'CONVERSION' AND touchpoint_type IN ('ORGANIC', 'PAID')
  AND COALESCE(user_id_hash, session_id_hash) IS NOT NULL
GROUP BY 1, 2, 3
"""


def _tracked_people(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> list[dict]:
    out = _query_rows(con, rows, TRACKED_PEOPLE_SQL)
    for r in out:
        r["boost_campaign_id"] = uuid.UUID(r["boost_campaign_id"])
    return out


def _day_of(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.date32())


def _archive_by_day(root: Path, workspace_id: uuid.UUID, kind: str, rows: pa.Table, time_col: str) -> list[str]:
    written = []
    days = _day_of(rows.column(time_col))
    for day in sorted(set(days.to_pylist())):
        written.append(str(archive.write_day(root, workspace_id, kind, day, rows.filter(pc.equal(days, day)))))
    return written


def _snapshots_to_thin(rows: pa.Table) -> pa.Table:
    """All but the last snapshot of every boost and UTC day."""
    if rows.num_rows == 0:
        return rows
    boost = rows.column("boost_campaign_id").to_pylist()
    at = rows.column("snapshot_at").to_pylist()
    last: dict[tuple[str, date], datetime] = {}
    for b, t in zip(boost, at, strict=True):
        key = (b, t.astimezone(UTC).date())
        if key not in last or t > last[key]:
            last[key] = t
    keep = [last[(b, t.astimezone(UTC).date())] != t for b, t in zip(boost, at, strict=True)]
    return rows.filter(pa.array(keep, pa.bool_()))


def roll_up(
    session: Session,
    workspace: Workspace,
    now: datetime,
    *,
    commit: Callable[[], None] = lambda: None,
    root: Path | None = None,
    engine: Engine | None = None,
    max_days: int | None = None,
    _before_delete: Callable[[date], None] | None = None,
) -> RollupResult:
    """Advance the workspace's roll-up to :func:`cutoff` one UTC day per step (see the module docstring);
    ``commit`` is called after every step (the job passes ``session.commit``; tests may pass nothing and
    commit once). ``max_days`` bounds the steps of one call. ``_before_delete`` is a test hook called in
    each step after the aggregates and archive are written and before the raw rows are deleted."""
    root = archive_root() if root is None else Path(root)
    result = RollupResult()
    c = cutoff(workspace, now)
    st = repo.state(session, workspace.id)
    if st is not None:
        start = st.rolled_until
    else:
        first = repo.earliest_activity(session, workspace.id)
        if first is None:
            return result
        start = midnight(first)
    result.rolled_until = start
    if start >= c:
        return result
    w = timedelta(days=margin_days(workspace))
    # Every journey ending in [start, C), in one pass over the stored events (all of them: whether an
    # apparently open journey is closed later depends on the person's later events).
    from boostloop.server.attribution.service import journey_config  # here: attribution imports this module

    events = attribution_repo.load_events(session, workspace.id)
    journeys = (engine or default_engine()).run(
        paths.rollup_paths_sql(journey_config(workspace, "touchpoint_type"), attribution_repo.to_us(start), attribution_repo.to_us(c)), events
    ) if events.num_rows else None
    del events
    snap_since = None if st is None else start

    # One in-process DuckDB for the run's daily aggregates (a connection costs ~0.1 s on the reference machine).
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        day_col = None if journeys is None else journeys.column("day_no")
        d0 = start
        while d0 < c and (max_days is None or result.days < max_days):
            d1 = d0 + DAY
            day = d0.date()
            # 1. journeys that ended on this day
            if journeys is not None:
                mine = journeys.filter(pc.equal(day_col, (d0 - EPOCH).days)).to_pylist()
                repo.insert_path_aggregates(session, workspace.id, day, [
                    {"path": r["path"], "conversions": r["conversions"], "value_cents": r["value_cents"],
                     "nulls": r["nulls"]} for r in mine
                ])
                result.journeys_paths += len(mine)
                result.conversions += sum(r["conversions"] for r in mine)
            # 2. raw events out of the margin: archive, aggregate, delete
            old = repo.events_before(session, workspace.id, d1 - w)
            aggregates = _event_aggregates(con, old) if old.num_rows else []
            repo.insert_event_aggregates(session, workspace.id, aggregates)
            if old.num_rows:  # days go in time order, so a person's first stored touch is their earliest
                repo.insert_tracked_people(session, workspace.id, _tracked_people(con, old))
            # 3. snapshots of the day (and any older ones not thinned yet): keep the last per boost per day
            thin = _snapshots_to_thin(repo.snapshots_between(session, workspace.id, snap_since, d1))
            snap_since = d1
            if old.num_rows:
                result.files += _archive_by_day(root, workspace.id, "events", old, "occurred_at")
            if thin.num_rows:
                result.files += _archive_by_day(root, workspace.id, "snapshots", thin, "snapshot_at")
            if _before_delete is not None:
                _before_delete(day)
            repo.delete_by_ids(session, repo.EVENTS, workspace.id, old.column("id").to_pylist())
            repo.delete_by_ids(session, repo.SNAPSHOTS, workspace.id, thin.column("id").to_pylist())
            repo.save_state(session, workspace.id, d1, d1 - w)
            if old.num_rows:  # the raw conversions counted by the effectiveness inputs marks went
                input_version.bump(session, workspace.id)
            commit()
            result.days += 1
            result.events_archived += old.num_rows
            result.event_aggregates += len(aggregates)
            result.snapshots_archived += thin.num_rows
            result.rolled_until = d1
            d0 = d1
    finally:
        con.close()
    return result


# ------------------------------------------------------------------ what the analytics read
def live_since(session: Session, workspace_id: uuid.UUID, since: datetime | None) -> datetime | None:
    """The ``since`` for live journey analysis: journeys that ended before the workspace's ``rolled_until``
    are in the archived path aggregates and must not be counted twice."""
    rolled = repo.rolled_until(session, workspace_id)
    if rolled is None:
        return since
    return rolled if since is None else max(since, rolled)


def _days(since: datetime | None, until: datetime | None) -> tuple[date | None, date | None]:
    # Day granularity: an archived day counts if it overlaps [since, until].
    return (None if since is None else since.astimezone(UTC).date(),
            None if until is None else until.astimezone(UTC).date())


def archived_journeys(
    session: Session, workspace_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None,
) -> pa.Table:
    """The archived journeys that ended on a UTC day overlapping ``[since, until]``, as detailed path rows
    (``path, conversions, value_cents, nulls``; none before the first roll-up). Attribution reads them once
    and projects them to its channel dimension (:func:`boostloop.analytics.retention.project_paths`, added
    to the live rows by ``merge_path_rows``) and, for time decay, to timed paths
    (:func:`boostloop.analytics.retention.timed_paths`)."""
    if repo.rolled_until(session, workspace_id) is None:
        return paths.PATH_SCHEMA.empty_table()
    return repo.archived_paths(session, workspace_id, *_days(since, until))


def archived_boost_splits(
    session: Session, workspace_id: uuid.UUID, boost_ids: list[uuid.UUID], until: datetime | None = None,
) -> dict[uuid.UUID, dict[str, int]]:
    """Per boost, the archived converting journeys (ended on a day up to ``until``'s) split organic / paid
    / overlap / unknown, with values (:func:`boostloop.analytics.retention.boost_splits`)."""
    if not boost_ids or repo.rolled_until(session, workspace_id) is None:
        return {}
    rows = repo.archived_paths(session, workspace_id, None, _days(None, until)[1], touching=boost_ids)
    got = paths.boost_splits(rows, [str(b) for b in boost_ids])
    return {uuid.UUID(b): v for b, v in got.items()}


def erase_person_archive(workspace_id: uuid.UUID, user_id_hash: str, root: Path | None = None) -> int:
    """Remove the person's rows from the workspace's archived event files; returns how many."""
    return archive.erase_person(archive_root() if root is None else Path(root), workspace_id, user_id_hash)

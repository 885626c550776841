"""Every retention query, each filtered by workspace (DESIGN.md, Tenancy)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from boostloop.enums import AttributionEventType, TouchpointType
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.boosts import snapshot_repository as snaps
from boostloop.server.db.models import (
    AttributionPathAggregate,
    BoostAttributionEvent,
    BoostPerformanceSnapshot,
    BoostTrackedPerson,
    EventDailyAggregate,
    RetentionState,
)
from boostloop.server.db.types import UTCDateTime

EVENTS = BoostAttributionEvent.__table__
SNAPSHOTS = BoostPerformanceSnapshot.__table__
CHUNK = attribution_repo.CHUNK  # IN-list chunk (bound-parameter limits; attribution repository)


# ------------------------------------------------------------------ rows <-> Arrow (the archive's schema)
def _arrow_type(column: sa.Column) -> pa.DataType:
    t = column.type
    if isinstance(t, sa.Uuid):
        return pa.string()
    if isinstance(t, UTCDateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):  # BigInteger too
        return pa.int64()
    if isinstance(t, sa.Float):
        return pa.float64()
    return pa.string()  # strings, enums, JSON (as its JSON text)


def arrow_schema(table: sa.Table) -> pa.Schema:
    """The archive schema of a table: every column, uuids as text, times as UTC microseconds, JSON as text."""
    return pa.schema([(c.name, _arrow_type(c)) for c in table.columns])


def _cell(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):  # enums
        return value.value
    if pa.types.is_timestamp(kind):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if pa.types.is_string(kind) and isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def _select_arrow(session: Session, table: sa.Table, where: Any) -> pa.Table:
    schema = arrow_schema(table)
    cols: list[list[Any]] = [[] for _ in schema]
    types = [f.type for f in schema]
    for row in session.execute(sa.select(*table.columns).where(where)):
        for i, v in enumerate(row):
            cols[i].append(_cell(v, types[i]))
    return pa.table(dict(zip(schema.names, cols, strict=True)), schema=schema)


# ------------------------------------------------------------------ state
def state(session: Session, workspace_id: uuid.UUID) -> RetentionState | None:
    return session.get(RetentionState, workspace_id)


def rolled_until(session: Session, workspace_id: uuid.UUID) -> datetime | None:
    return session.scalar(sa.select(RetentionState.rolled_until).where(RetentionState.workspace_id == workspace_id))


def save_state(session: Session, workspace_id: uuid.UUID, rolled: datetime, deleted: datetime) -> None:
    st = state(session, workspace_id)
    if st is None:
        session.add(RetentionState(workspace_id=workspace_id, rolled_until=rolled, events_deleted_until=deleted))
    else:
        st.rolled_until = rolled
        st.events_deleted_until = max(st.events_deleted_until, deleted)
    session.flush()


def earliest_activity(session: Session, workspace_id: uuid.UUID) -> datetime | None:
    """The earliest stored event or snapshot time of the workspace."""
    first = [
        session.scalar(sa.select(sa.func.min(EVENTS.c.occurred_at)).where(EVENTS.c.workspace_id == workspace_id)),
        session.scalar(sa.select(sa.func.min(SNAPSHOTS.c.snapshot_at)).where(SNAPSHOTS.c.workspace_id == workspace_id)),
    ]
    found = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in first if t is not None]
    return min(found) if found else None


# ------------------------------------------------------------------ events
def events_before(session: Session, workspace_id: uuid.UUID, before: datetime) -> pa.Table:
    """Every stored event of the workspace that occurred before ``before``, all columns (archive schema)."""
    return _select_arrow(session, EVENTS, sa.and_(EVENTS.c.workspace_id == workspace_id, EVENTS.c.occurred_at < before))


def delete_by_ids(session: Session, table: sa.Table, workspace_id: uuid.UUID, ids: Sequence[str]) -> int:
    n = 0
    for i in range(0, len(ids), CHUNK):
        chunk = [uuid.UUID(x) for x in ids[i : i + CHUNK]]
        n += int(session.execute(
            sa.delete(table).where(table.c.workspace_id == workspace_id, table.c.id.in_(chunk))
        ).rowcount or 0)
    return n


def insert_event_aggregates(session: Session, workspace_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(EventDailyAggregate), [
            {"id": uuid.uuid4(), "workspace_id": workspace_id, **r} for r in rows
        ])


def insert_tracked_people(session: Session, workspace_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
    """Add each (boost, touchpoint type, person) not stored yet; an existing row (an earlier touch) stays."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(BoostTrackedPerson).on_conflict_do_nothing(
        index_elements=["boost_campaign_id", "touchpoint_type", "person_hash"]
    )
    for i in range(0, len(rows), CHUNK):
        session.execute(stmt, [{"workspace_id": workspace_id, **r} for r in rows[i : i + CHUNK]])


def insert_path_aggregates(session: Session, workspace_id: uuid.UUID, day: date, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(AttributionPathAggregate), [
            {"id": uuid.uuid4(), "workspace_id": workspace_id, "day": day, **r} for r in rows
        ])


# ------------------------------------------------------------------ snapshots
def snapshots_between(session: Session, workspace_id: uuid.UUID, since: datetime | None, before: datetime) -> pa.Table:
    """The workspace's snapshots taken in ``[since, before)`` (all before ``before`` if ``since`` is None)."""
    where = sa.and_(SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.snapshot_at < before)
    if since is not None:
        where = sa.and_(where, SNAPSHOTS.c.snapshot_at >= since)
    return _select_arrow(session, SNAPSHOTS, where)


# ------------------------------------------------------------------ reads for the analytics
def archived_paths(
    session: Session, workspace_id: uuid.UUID, first_day: date | None, last_day: date | None,
    touching: Sequence[uuid.UUID] | None = None,
) -> pa.Table:
    """Archived detailed path rows of journeys that ended on a day in ``[first_day, last_day]``; with
    ``touching``, only the paths that name one of those boosts (a boost id is text in the path)."""
    a = AttributionPathAggregate
    q = sa.select(a.path, a.conversions, a.value_cents, a.nulls).where(a.workspace_id == workspace_id)
    if touching is not None:
        q = q.where(sa.or_(*(a.path.contains(str(b)) for b in touching)))
    if first_day is not None:
        q = q.where(a.day >= first_day)
    if last_day is not None:
        q = q.where(a.day <= last_day)
    cols: list[list[Any]] = [[], [], [], []]
    for row in session.execute(q):
        for i in range(4):
            cols[i].append(row[i])
    return pa.table({"path": cols[0], "conversions": cols[1], "value_cents": cols[2], "nulls": cols[3]},
                    schema=pa.schema([("path", pa.string()), ("conversions", pa.int64()),
                                      ("value_cents", pa.int64()), ("nulls", pa.int64())]))


def archived_conversion_days(
    session: Session, workspace_id: uuid.UUID, targets: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
) -> dict[uuid.UUID, list[tuple[date, bool, int, int]]]:
    """For each ``(boost, post, until)``: the post's archived conversions on days up to ``until``'s UTC day,
    per day and side, as ``(day, on an ORGANIC touchpoint, conversions, value_cents)`` rows; boosts with none
    are left out."""
    e = EventDailyAggregate
    out: dict[uuid.UUID, list[tuple[date, bool, int, int]]] = {}
    days = [(b, p, until.astimezone(UTC).date()) for b, p, until in targets]
    organic = e.touchpoint_type == TouchpointType.ORGANIC
    for part in snaps.chunks(days):
        t = snaps.values_table("t", [("boost_id", sa.Uuid()), ("post_id", sa.Uuid()), ("until_day", sa.Date())], part)
        q = (
            sa.select(t.c.boost_id, e.day, organic, sa.func.sum(e.events), sa.func.sum(e.value_cents))
            .join(e, sa.and_(e.post_id == t.c.post_id, e.day <= t.c.until_day))
            .where(e.workspace_id == workspace_id, e.event_type == AttributionEventType.CONVERSION)
            .group_by(t.c.boost_id, e.day, organic)
        )
        for boost_id, day, is_organic, n, value in session.execute(q):
            out.setdefault(boost_id, []).append((day, bool(is_organic), int(n or 0), int(value or 0)))
    return out

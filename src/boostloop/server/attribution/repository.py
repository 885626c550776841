"""Every attribution query; each is filtered by workspace (DESIGN.md, Tenancy)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.analytics.attribution.journeys import EVENT_SCHEMA
from boostloop.enums import AttributionEventType, TouchpointType
from boostloop.server.db.models import BoostAttributionEvent, BoostCampaign, PrivacyOptOut, SocialPost

EVENTS = BoostAttributionEvent.__table__
# Columns a batch insert writes, in COPY order.
INSERT_COLUMNS = (
    "id", "workspace_id", "boost_campaign_id", "post_id", "client_event_id", "session_id_hash", "user_id_hash",
    "event_type", "touchpoint_type", "platform", "event_value_cents", "event_metadata", "occurred_at", "created_at",
)
# IN-list chunk: well under SQLite's 32,766 bound-parameter limit and PostgreSQL's 65,535.
CHUNK = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def get_boost(session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID) -> BoostCampaign | None:
    return session.scalar(
        sa.select(BoostCampaign).where(BoostCampaign.workspace_id == workspace_id, BoostCampaign.id == boost_id)
    )


def existing_ids(session: Session, workspace_id: uuid.UUID, model: type, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are rows of ``model`` (BoostCampaign / SocialPost) in this workspace."""
    wanted = sorted(set(ids))
    found: set[uuid.UUID] = set()
    for chunk in _chunks(wanted):
        found.update(session.scalars(sa.select(model.id).where(model.workspace_id == workspace_id, model.id.in_(chunk))))
    return found


def existing_boost_ids(session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return existing_ids(session, workspace_id, BoostCampaign, ids)


def existing_post_ids(session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return existing_ids(session, workspace_id, SocialPost, ids)


def existing_client_event_ids(session: Session, workspace_id: uuid.UUID, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(session.scalars(
            sa.select(EVENTS.c.client_event_id).where(
                EVENTS.c.workspace_id == workspace_id, EVENTS.c.client_event_id.in_(chunk)
            )
        ))
    return found


def opted_out_hashes(session: Session, workspace_id: uuid.UUID, hashes: Iterable[str]) -> set[str]:
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(session.scalars(
            sa.select(PrivacyOptOut.user_id_hash).where(
                PrivacyOptOut.workspace_id == workspace_id, PrivacyOptOut.user_id_hash.in_(chunk)
            )
        ))
    return found


def add_opt_out(session: Session, workspace_id: uuid.UUID, user_id_hash: str) -> bool:
    """Record the opt-out (once); True if it is new."""
    if opted_out_hashes(session, workspace_id, [user_id_hash]):
        return False
    session.add(PrivacyOptOut(workspace_id=workspace_id, user_id_hash=user_id_hash))
    session.flush()
    return True


def delete_person_events(session: Session, workspace_id: uuid.UUID, user_id_hash: str) -> int:
    result = session.execute(
        sa.delete(EVENTS).where(EVENTS.c.workspace_id == workspace_id, EVENTS.c.user_id_hash == user_id_hash)
    )
    return int(result.rowcount or 0)


def insert_events(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts keyed by :data:`INSERT_COLUMNS`), skipping any whose
    ``(workspace_id, client_event_id)`` is already stored; returns how many were inserted.

    PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
    (COPY is PostgreSQL's bulk path; the conflict clause keeps concurrent retries idempotent).
    Other engines: one executemany ``INSERT`` of the rows not yet stored.
    Either way it runs in the caller's transaction: nothing is committed here.
    """
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_insert(connection, rows)
    new_ids = {r["client_event_id"] for r in rows} - existing_client_event_ids(
        session, rows[0]["workspace_id"], [r["client_event_id"] for r in rows]
    )
    fresh = [r for r in rows if r["client_event_id"] in new_ids]
    if fresh:
        session.execute(sa.insert(EVENTS), fresh)
    return len(fresh)


def _copy_insert(connection: sa.Connection, rows: list[dict[str, Any]]) -> int:
    from psycopg.types.json import Jsonb

    raw = connection.connection.driver_connection  # the psycopg connection inside this transaction
    cols = ", ".join(INSERT_COLUMNS)
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _boostloop_ingest_events "
            "(LIKE boost_attribution_events INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        cur.execute("TRUNCATE _boostloop_ingest_events")
        with cur.copy(f"COPY _boostloop_ingest_events ({cols}) FROM STDIN") as copy:
            for r in rows:
                values = [r[c] for c in INSERT_COLUMNS]
                meta = r["event_metadata"]
                values[INSERT_COLUMNS.index("event_metadata")] = None if meta is None else Jsonb(meta)
                copy.write_row(values)
        cur.execute(
            f"INSERT INTO boost_attribution_events ({cols}) SELECT {cols} FROM _boostloop_ingest_events "
            "ON CONFLICT (workspace_id, client_event_id) DO NOTHING"
        )
        inserted = cur.rowcount
        cur.execute("TRUNCATE _boostloop_ingest_events")
    return int(inserted)


def _to_us(ts: datetime) -> int:
    """Exact integer microseconds since the Unix epoch (UTC)."""
    if ts.tzinfo is None:  # SQLite hands back naive UTC when a raw column is selected
        ts = ts.replace(tzinfo=UTC)
    return (ts - EPOCH) // timedelta(microseconds=1)


def _events_query(
    workspace_id: uuid.UUID, since: datetime | None, until: datetime | None,
    people_touching_boosts: Sequence[uuid.UUID] | None, columns: Sequence[Any],
) -> sa.Select:
    person = sa.func.coalesce(EVENTS.c.user_id_hash, EVENTS.c.session_id_hash)
    query = sa.select(person.label("person"), *columns).where(EVENTS.c.workspace_id == workspace_id)
    if since is not None:
        query = query.where(EVENTS.c.occurred_at >= since)
    if until is not None:
        query = query.where(EVENTS.c.occurred_at <= until)
    if people_touching_boosts is not None:
        touched = sa.select(person).where(
            EVENTS.c.workspace_id == workspace_id, EVENTS.c.boost_campaign_id.in_(list(people_touching_boosts))
        )
        if until is not None:
            touched = touched.where(EVENTS.c.occurred_at <= until)
        query = query.where(person.in_(touched))
    return query


def load_events(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    people_touching_boosts: Sequence[uuid.UUID] | None = None,
) -> pa.Table:
    """The workspace's events in ``[since, until]`` as an Arrow table of
    :data:`~boostloop.analytics.attribution.journeys.EVENT_SCHEMA` (person = user hash, else session hash).

    ``people_touching_boosts``: only the events of people who have at least one event of one of those boosts
    (their journeys are then complete, and nobody else's journey can touch the boosts).

    PostgreSQL: one ``COPY (SELECT ...) TO STDOUT`` in CSV, parsed by Arrow's CSV reader (no Python object
    per row); other engines: SQLAlchemy rows (:func:`load_events_rows`). Both give the same table
    (tests/server/attribution); speed in benchmarks/RESULTS.md, "Attribution".
    """
    if session.connection().dialect.name == "postgresql":
        return _load_events_copy(session, workspace_id, since, until, people_touching_boosts)
    return load_events_rows(session, workspace_id, since=since, until=until,
                            people_touching_boosts=people_touching_boosts)


def load_events_rows(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    people_touching_boosts: Sequence[uuid.UUID] | None = None,
) -> pa.Table:
    """:func:`load_events` through SQLAlchemy rows (any engine; the SQLite path)."""
    query = _events_query(workspace_id, since, until, people_touching_boosts, [
        EVENTS.c.client_event_id, EVENTS.c.event_type, EVENTS.c.touchpoint_type, EVENTS.c.platform,
        EVENTS.c.boost_campaign_id, EVENTS.c.occurred_at, EVENTS.c.event_value_cents,
    ])
    cols: list[list[Any]] = [[] for _ in range(8)]
    for row in session.execute(query):
        cols[0].append(row[0])
        cols[1].append(row[1])
        cols[2].append(str(row[2].value if hasattr(row[2], "value") else row[2]))
        cols[3].append(str(row[3].value if hasattr(row[3], "value") else row[3]))
        cols[4].append(str(row[4].value if hasattr(row[4], "value") else row[4]))
        cols[5].append(None if row[5] is None else str(row[5]))
        cols[6].append(_to_us(row[6]))
        cols[7].append(row[7])
    return pa.table(dict(zip(EVENT_SCHEMA.names, cols)), schema=EVENT_SCHEMA)


def _load_events_copy(
    session: Session, workspace_id: uuid.UUID, since: datetime | None, until: datetime | None,
    people_touching_boosts: Sequence[uuid.UUID] | None,
) -> pa.Table:
    import io

    import psycopg
    from pyarrow import csv as pacsv
    from sqlalchemy.dialects import postgresql

    text = sa.Text()
    query = _events_query(workspace_id, since, until, people_touching_boosts, [
        EVENTS.c.client_event_id.label("event_id"),
        sa.cast(EVENTS.c.event_type, text).label("event_type"),
        sa.cast(EVENTS.c.touchpoint_type, text).label("touchpoint_type"),
        sa.cast(EVENTS.c.platform, text).label("platform"),
        sa.cast(EVENTS.c.boost_campaign_id, text).label("boost_id"),
        # exact integer microseconds: EXTRACT(EPOCH ...) is numeric (not float) since PostgreSQL 14
        sa.cast(sa.func.extract("epoch", EVENTS.c.occurred_at) * 1_000_000, sa.BigInteger).label("t_us"),
        EVENTS.c.event_value_cents.label("value_cents"),
    ])
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    raw = session.connection().connection.driver_connection  # psycopg, inside the caller's transaction
    # COPY takes no bind parameters: psycopg renders them client-side, with its own quoting.
    sql = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    buf = io.BytesIO()
    with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for chunk in copy:
            buf.write(chunk)
    if buf.tell() == 0:
        return EVENT_SCHEMA.empty_table()
    buf.seek(0)
    # CSV NULL is an unquoted empty field; an empty string is quoted ("").
    return pacsv.read_csv(
        buf,
        read_options=pacsv.ReadOptions(column_names=EVENT_SCHEMA.names),
        convert_options=pacsv.ConvertOptions(
            column_types=EVENT_SCHEMA, strings_can_be_null=True, quoted_strings_can_be_null=False,
        ),
    )


def tracked_people(
    session: Session, workspace_id: uuid.UUID, targets: Sequence[tuple[Any, uuid.UUID, datetime]]
) -> dict[Any, tuple[int, int]]:
    """For each ``(key, boost, until)`` (keys unique): how many distinct people (user hash, else session
    hash) have at least one ORGANIC, and at least one PAID, touch (any event but a conversion) of the boost
    at or before ``until``. The ``tracked_*`` of :class:`~boostloop.analytics.attribution.overlap_split.ReachFigures`."""
    from boostloop.server.boosts.snapshot_repository import chunks, values_table
    from boostloop.server.db.types import UTCDateTime

    out: dict[Any, tuple[int, int]] = {key: (0, 0) for key, _, _ in targets}
    keys = {i: key for i, (key, _, _) in enumerate(targets)}
    person = sa.func.coalesce(EVENTS.c.user_id_hash, EVENTS.c.session_id_hash)
    rows = [(i, b, until) for i, (_, b, until) in enumerate(targets)]
    for part in chunks(rows):
        t = values_table("t", [("k", sa.Integer()), ("boost_id", sa.Uuid()), ("at", UTCDateTime())], part)
        # The workspace filter goes through the boost (as snapshot_repository does), so that SQLite uses the
        # (boost_campaign_id, occurred_at) index.
        q = (
            sa.select(t.c.k, EVENTS.c.touchpoint_type, sa.func.count(sa.distinct(person)))
            .join(EVENTS, sa.and_(EVENTS.c.boost_campaign_id == t.c.boost_id, EVENTS.c.occurred_at <= t.c.at))
            .join(BoostCampaign, sa.and_(BoostCampaign.id == EVENTS.c.boost_campaign_id,
                                         BoostCampaign.workspace_id == workspace_id))
            .where(EVENTS.c.event_type != AttributionEventType.CONVERSION,
                   EVENTS.c.touchpoint_type.in_([TouchpointType.ORGANIC, TouchpointType.PAID]))
            .group_by(t.c.k, EVENTS.c.touchpoint_type)
        )
        for k, touch, n in session.execute(q):
            o, p = out[keys[k]]
            is_org = (touch.value if hasattr(touch, "value") else touch) == TouchpointType.ORGANIC.value
            out[keys[k]] = (int(n), p) if is_org else (o, int(n))
    return out

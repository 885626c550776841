"""Every attribution query; each is filtered by workspace (DESIGN.md, Tenancy)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.analytics.attribution.journeys import EVENT_SCHEMA
from boostloop.enums import AttributionEventType, TouchpointType
from boostloop.server.db.models import (
    BoostAttributionEvent,
    BoostCampaign,
    BoostTrackedPerson,
    PrivacyOptOut,
    RetentionState,
    SocialPost,
)
from boostloop.server.effectiveness import input_version

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
    """Erase the person's events (returns how many) and their rows in the rolled-up tracked people."""
    result = session.execute(
        sa.delete(EVENTS).where(EVENTS.c.workspace_id == workspace_id, EVENTS.c.user_id_hash == user_id_hash)
    )
    session.execute(sa.delete(BoostTrackedPerson).where(BoostTrackedPerson.workspace_id == workspace_id,
                                                        BoostTrackedPerson.person_hash == user_id_hash))
    deleted = int(result.rowcount or 0)
    if deleted:  # conversions among them change the effectiveness inputs
        input_version.bump(session, workspace_id)
    return deleted


def insert_events(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts keyed by :data:`INSERT_COLUMNS`; ``id`` may be left out and is then generated),
    skipping any whose ``(workspace_id, client_event_id)`` is already stored; returns how many were inserted.

    PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
    (COPY is PostgreSQL's bulk path; the conflict clause keeps concurrent retries idempotent).
    Other engines: one executemany ``INSERT`` of the rows not yet stored.
    Either way it runs in the caller's transaction: nothing is committed here.
    """
    return insert_events_except_opted_out(session, rows, drop_opted_out=False)[0]


def insert_events_except_opted_out(
    session: Session, rows: list[dict[str, Any]], *, drop_opted_out: bool = True
) -> tuple[int, int]:
    """:func:`insert_events`, leaving out the rows whose ``user_id_hash`` is on their workspace's opt-out
    list; returns ``(inserted, opted_out)`` (the rest of ``rows`` were already stored).

    On PostgreSQL the opt-out filter is an anti-join inside the same ``INSERT ... SELECT`` from the COPY
    staging table (one statement; measured at ~18 % of the ingest server's time as a separate ``IN`` lookup
    of the batch's hashes, most of it SQLAlchemy rendering the 1,000-value ``IN`` list).
    """
    if not rows:
        return 0, 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        inserted, opted_out = _copy_insert(connection, rows, drop_opted_out=drop_opted_out)
    else:
        inserted, opted_out = _executemany_insert(session, rows, drop_opted_out=drop_opted_out)
    # The posts' conversions are inputs of the stored effectiveness results (other event types are not).
    if inserted and any(r["event_type"] == AttributionEventType.CONVERSION for r in rows):
        _bump_input_versions(session, rows)
    return inserted, opted_out


def _bump_input_versions(session: Session, rows: list[dict[str, Any]]) -> None:
    for workspace_id in sorted({r["workspace_id"] for r in rows}):  # one in practice; sorted: lock order
        input_version.bump(session, workspace_id)


def _executemany_insert(session: Session, rows: list[dict[str, Any]], *, drop_opted_out: bool) -> tuple[int, int]:
    workspace_id = rows[0]["workspace_id"]
    opted: set[str] = set()
    if drop_opted_out:
        hashes = {r["user_id_hash"] for r in rows if r["user_id_hash"] is not None}
        opted = opted_out_hashes(session, workspace_id, hashes) if hashes else set()
    kept = [r for r in rows if r["user_id_hash"] not in opted] if opted else rows
    new_ids = {r["client_event_id"] for r in kept} - existing_client_event_ids(
        session, workspace_id, [r["client_event_id"] for r in kept]
    )
    fresh = [r if "id" in r else {**r, "id": uuid.uuid4()} for r in kept if r["client_event_id"] in new_ids]
    if fresh:
        session.execute(sa.insert(EVENTS), fresh)
    return len(fresh), len(rows) - len(kept)


# The staging table: the insert columns without constraints (``id`` may be NULL there, and is then generated
# by ``gen_random_uuid()``, built into PostgreSQL 13+, instead of one ``uuid4()`` per row in Python: ~5 % of
# the ingest server's time). It lives as long as the pooled connection (``ON COMMIT DELETE ROWS``), so a
# request does not create and drop a catalog entry each time; it is emptied after each use, so it is empty
# at the start of every use even when one transaction inserts several batches.
_STAGE = "_boostloop_ingest_events"
_STAGE_DDL = (f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS "
              f"SELECT {', '.join(INSERT_COLUMNS)} FROM boost_attribution_events WITH NO DATA")
_SELECT_STAGED = ", ".join("coalesce(id, gen_random_uuid())" if c == "id" else c for c in INSERT_COLUMNS)
_COLS = ", ".join(INSERT_COLUMNS)
_INSERT_STAGED = (f"INSERT INTO boost_attribution_events ({_COLS}) SELECT {_SELECT_STAGED} FROM {_STAGE} "
                  "ON CONFLICT (workspace_id, client_event_id) DO NOTHING")
# The same with the opt-out anti-join; counts (inserted, opted out) come back in the one round trip.
_INSERT_STAGED_EXCEPT_OPTED_OUT = f"""
WITH staged AS (
    SELECT s.*, EXISTS (
        SELECT 1 FROM privacy_opt_outs o WHERE o.workspace_id = s.workspace_id AND o.user_id_hash = s.user_id_hash
    ) AS opted_out
    FROM {_STAGE} s
), inserted AS (
    INSERT INTO boost_attribution_events ({_COLS}) SELECT {_SELECT_STAGED} FROM staged WHERE NOT opted_out
    ON CONFLICT (workspace_id, client_event_id) DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM staged WHERE opted_out)"""


def _copy_insert(connection: sa.Connection, rows: list[dict[str, Any]], *, drop_opted_out: bool) -> tuple[int, int]:
    from psycopg.types.json import Jsonb

    raw = connection.connection.driver_connection  # the psycopg connection inside this transaction
    cols = INSERT_COLUMNS if "id" in rows[0] else INSERT_COLUMNS[1:]
    values = operator.itemgetter(*cols)
    meta_at = cols.index("event_metadata")
    with raw.cursor() as cur:
        cur.execute(_STAGE_DDL)
        with cur.copy(f"COPY {_STAGE} ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                v = values(r)
                if v[meta_at] is not None:
                    v = (*v[:meta_at], Jsonb(v[meta_at]), *v[meta_at + 1:])
                copy.write_row(v)
        if drop_opted_out:
            cur.execute(_INSERT_STAGED_EXCEPT_OPTED_OUT)
            inserted, opted_out = cur.fetchone()
        else:
            cur.execute(_INSERT_STAGED)
            inserted, opted_out = cur.rowcount, 0
        cur.execute(f"TRUNCATE {_STAGE}")
    return int(inserted), int(opted_out)


def to_us(ts: datetime) -> int:
    """Exact integer microseconds since the Unix epoch (UTC): the journeys' time unit (``t_us``)."""
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
        return _load_events_copy(session, workspace_id, _as_utc(since), _as_utc(until), people_touching_boosts)
    return load_events_rows(session, workspace_id, since=since, until=until,
                            people_touching_boosts=people_touching_boosts)


def _as_utc(t: datetime | None) -> datetime | None:
    """``t`` in UTC: COPY's query is rendered as text, and PostgreSQL refuses a literal whose UTC offset is
    beyond +-15:59 (Python allows up to +-23:59; found by schemathesis). A time whose UTC value falls
    past the ends of the calendar (0001-01-01 at +05:00) is clamped to them instead of overflowing."""
    if t is None:
        return None
    try:
        return t.astimezone(UTC)
    except OverflowError:
        return (datetime.min if t.year == 1 else datetime.max).replace(tzinfo=UTC)


def load_events_rows(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    people_touching_boosts: Sequence[uuid.UUID] | None = None,
) -> pa.Table:
    """:func:`load_events` through SQLAlchemy rows (any engine; the SQLite path)."""
    query = _events_query(workspace_id, _as_utc(since), _as_utc(until), people_touching_boosts, [
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
        cols[6].append(to_us(row[6]))
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
    # After a retention roll-up, the people of deleted events are in boost_tracked_people (server/retention).
    rolled = session.get(RetentionState, workspace_id) is not None
    tracked = BoostTrackedPerson.__table__
    for part in chunks(rows):
        t = values_table("t", [("k", sa.Integer()), ("boost_id", sa.Uuid()), ("at", UTCDateTime())], part)
        # The workspace filter goes through the boost (as snapshot_repository does), so that SQLite uses the
        # (boost_campaign_id, occurred_at) index.
        def touches(*columns):  # noqa: ANN002, ANN202
            return (
                sa.select(*columns)
                .join(EVENTS, sa.and_(EVENTS.c.boost_campaign_id == t.c.boost_id, EVENTS.c.occurred_at <= t.c.at))
                .join(BoostCampaign, sa.and_(BoostCampaign.id == EVENTS.c.boost_campaign_id,
                                             BoostCampaign.workspace_id == workspace_id))
                .where(EVENTS.c.event_type != AttributionEventType.CONVERSION,
                       EVENTS.c.touchpoint_type.in_([TouchpointType.ORGANIC, TouchpointType.PAID]))
            )

        if rolled:  # UNION (not UNION ALL): a person both archived and live counts once
            archived = (
                sa.select(t.c.k, tracked.c.touchpoint_type.label("touch"), tracked.c.person_hash.label("person"))
                .join(tracked, sa.and_(tracked.c.boost_campaign_id == t.c.boost_id, tracked.c.first_touch_at <= t.c.at))
                .where(tracked.c.workspace_id == workspace_id)
            )
            live = touches(t.c.k, EVENTS.c.touchpoint_type.label("touch"), person.label("person")).where(
                person.isnot(None))  # as COUNT(DISTINCT person) below, a touch without a person is nobody
            u = sa.union(live, archived).subquery()
            q = sa.select(u.c.k, u.c.touch, sa.func.count()).group_by(u.c.k, u.c.touch)
        else:
            q = touches(t.c.k, EVENTS.c.touchpoint_type, sa.func.count(sa.distinct(person))).group_by(
                t.c.k, EVENTS.c.touchpoint_type)
        for k, touch, n in session.execute(q):
            o, p = out[keys[k]]
            is_org = (touch.value if hasattr(touch, "value") else touch) == TouchpointType.ORGANIC.value
            out[keys[k]] = (int(n), p) if is_org else (o, int(n))
    return out


def boost_event_marks(session: Session, workspace_id: uuid.UUID,
                      boost_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, datetime | None]]:
    """For each boost: how many events carry it and the latest ``occurred_at`` among them (one grouped
    statement per chunk over the ``(boost_campaign_id, occurred_at)`` index, an index-only count). A new,
    late-imported or erased event of the boost changes it. The boosts are the workspace's own (callers
    read them by workspace); as in ``tracked_people`` the filter goes through the boost so that SQLite
    keeps the per-boost index."""
    out: dict[uuid.UUID, tuple[int, datetime | None]] = {}
    for part in _chunks(sorted(set(boost_ids))):
        q = (sa.select(EVENTS.c.boost_campaign_id, sa.func.count(), sa.func.max(EVENTS.c.occurred_at))
             .join(BoostCampaign, sa.and_(BoostCampaign.id == EVENTS.c.boost_campaign_id,
                                          BoostCampaign.workspace_id == workspace_id))
             .where(EVENTS.c.boost_campaign_id.in_(part)).group_by(EVENTS.c.boost_campaign_id))
        out.update({r[0]: (int(r[1]), r[2]) for r in session.execute(q)})
    return out

"""Write a simulated workspace into a Boostloop database, in one transaction (all or nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from boostloop.server.attribution.hashing import person_hash
from boostloop.server.attribution.repository import insert_events
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostCampaign,
    BoostExperiment,
    BoostExperimentVariant,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
)
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import create_workspace
from boostloop.simulate.generate import SimulatedWorkspace

CHUNK = 20_000


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _with_ids(rows: Iterable[dict], rng: np.random.Generator) -> list[dict]:
    out = []
    for r in rows:
        if "id" not in r:
            r = {**r, "id": uuid.UUID(bytes=rng.bytes(16), version=4)}
        out.append(r)
    return out


def _insert(conn: Connection, model: type, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        conn.execute(sa.insert(model), chunk)


def _event_rows(sim: SimulatedWorkspace, workspace_id: uuid.UUID, key: bytes) -> Iterator[dict]:
    rng = np.random.default_rng([sim.seed, 0xE7])
    ids = rng.bytes(16 * sim.events.num_rows)
    # Hash each distinct identifier once (people recur across many events).
    cache: dict[str, str] = {}

    def h(v: str | None) -> str | None:
        if v is None:
            return None
        got = cache.get(v)
        if got is None:
            got = cache[v] = person_hash(key, v)
        return got

    # One slice of the table at a time as Python objects: all 10M events at once would take ~10 GB.
    i = 0
    for batch in sim.events.to_batches(max_chunksize=CHUNK):
        ev = batch.to_pydict()
        for j in range(batch.num_rows):
            boost = ev["boost_campaign_id"][j]
            post = ev["post_id"][j]
            yield {
                "id": uuid.UUID(bytes=ids[16 * i : 16 * i + 16], version=4),
                "workspace_id": workspace_id,
                "boost_campaign_id": uuid.UUID(boost) if boost else None,
                "post_id": uuid.UUID(post) if post else None,
                "client_event_id": ev["client_event_id"][j],
                "session_id_hash": h(ev["session_id"][j]),
                "user_id_hash": h(ev["user_id"][j]),
                "event_type": ev["event_type"][j],
                "touchpoint_type": ev["touchpoint_type"][j],
                "platform": ev["platform"][j],
                "event_value_cents": ev["event_value_cents"][j],
                "event_metadata": None,
                "occurred_at": ev["occurred_at"][j],
                "created_at": sim.end,
            }
            i += 1


def load_into_database(
    sim: SimulatedWorkspace, engine: Engine, *, slug: str | None = None, name: str | None = None
) -> uuid.UUID:
    """Create the workspace and every row of ``sim``; returns the new workspace's id.

    The simulator's own ids are kept, except the workspace's (a database may hold several simulated
    workspaces); ``slug`` / ``name`` default to the world's.
    """
    with session_scope(engine) as session:
        ws = create_workspace(
            session, name=name or sim.workspace["name"], slug=slug or sim.workspace["slug"],
            currency=sim.workspace["currency"], timezone=sim.workspace["timezone"],
        )
        ws_id, key = ws.id, ws.hash_key
        conn = session.connection()
        rng = np.random.default_rng([sim.seed, 0x1D])

        def rows(items: list[dict]) -> list[dict]:
            return _with_ids(({**r, "workspace_id": ws_id} for r in items), rng)

        now: datetime = sim.end
        stamp = {"created_at": now, "updated_at": now}
        _insert(conn, SocialAccount, [{**r, **stamp} for r in rows(sim.accounts)])
        _insert(conn, SocialPost, [{**r, **stamp} for r in rows(sim.posts)])
        _insert(conn, OrganicPostMetric, [{**r, "created_at": now} for r in rows(sim.organic_metrics)])
        _insert(conn, AdCampaign, [{**r, **stamp} for r in rows(sim.campaigns)])
        _insert(conn, AdCampaignMetric, [{**r, "created_at": now} for r in rows(sim.campaign_metrics)])
        _insert(conn, BoostExperiment, [{**r, **stamp} for r in rows(sim.experiments)])
        _insert(conn, BoostExperimentVariant, [{**r, "created_at": now} for r in rows(sim.variants)])
        _insert(conn, BoostCampaign, [{**r, **stamp} for r in rows(sim.boosts)])
        # The product's own bulk path: COPY on PostgreSQL, executemany elsewhere.
        batch: list[dict] = []
        for row in _event_rows(sim, ws_id, key):
            batch.append(row)
            if len(batch) >= CHUNK:
                insert_events(session, batch)
                batch = []
        insert_events(session, batch)
    return ws_id

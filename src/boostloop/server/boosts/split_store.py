"""Stored attribution splits of the boost detail (table ``boost_attribution_splits``): each boost's
``attribution.service.boost_split`` (every conversion so far, reach-corrected, with its interval) is
computed by the hourly ``snapshots`` job and read by the boost detail, instead of loading the events of
every person who touched the boost on each request (0.4-1.2 s of SQL, Arrow and DuckDB per boost at 9.3M
events, benchmarks/RESULTS.md "api (dashboard reads ...)").

The stored split is the one the detail computed before, as of its ``as_of`` (same function, same seed:
``boost_splits_keyed`` seeds every boost's draws alike, so a split computed in the job's batch equals the
one computed alone). A read finds it current (and reuses it) when:
- its inputs mark is unchanged (``marks``): the workspace's click / view windows and retention watermark,
  the boost row (``updated_at``: a campaign linked later changes the paid reach), the effectiveness inputs
  of the boost (``effectiveness.repository.input_marks``: its post's organic captures, its campaign's
  delivery, its post's conversion events: the reach figures and the post's conversions), and the events
  that carry the boost (count and latest time, ``attribution.repository.boost_event_marks``);
- and either the boost's attribution window had closed at ``as_of`` (boost end + the longer of the click
  and view windows: a later touch of the boost would be an event carrying it, which changes the mark; a
  later conversion is outside every window of its touches), or the split is younger than
  ``STALE_AFTER`` (the effectiveness results' bound, the hourly job refreshes it).
Not covered by the mark: an event of a person who touched the boost that carries neither the boost nor
its post (e.g. a conversion on another post, imported late with an old time); such a change is picked up
within ``STALE_AFTER`` while the window is open, and by a forced refresh (``refresh(force=True)``) after.

Otherwise the read computes the split (as before) and stores it. Writes replace a boost's row in a
savepoint, inside the caller's transaction (the job's, or the request's): a job that dies writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.errors import NotFound
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.attribution import service as attribution
from boostloop.server.attribution.schemas import BoostSplit
from boostloop.server.db.models import BoostAttributionSplit, Workspace
from boostloop.server.effectiveness import repository as eff_repo
from boostloop.server.effectiveness.store import STALE_AFTER, replace_boost_rows
from boostloop.server.retention import service as retention

# Boosts per event load in ``refresh``: the events of the people who touched them are loaded at once
# (a few thousand per boost at 9.3M events), so a batch bounds the job's memory.
BATCH = 50


def window_limit(b: eff_repo.BoostKey, ws: Workspace) -> datetime:
    """The end of a boost's attribution window: its scheduled end plus the longer attribution window."""
    return b.boosted_at + timedelta(days=b.duration_days) + timedelta(
        days=max(ws.click_window_days, ws.view_window_days))


def marks(session: Session, ws: Workspace, boosts: Sequence[eff_repo.BoostKey]) -> dict[uuid.UUID, str]:
    """The inputs mark of each boost's split (module docstring). A handful of grouped statements."""
    if not boosts:
        return {}
    live = retention.live_since(session, ws.id, None)
    settings = hashlib.sha256(json.dumps(
        [ws.click_window_days, ws.view_window_days, live.isoformat() if live else None]).encode()).hexdigest()[:16]
    eff = eff_repo.input_marks(session, ws.id, boosts)
    events = attribution_repo.boost_event_marks(session, ws.id, [b.id for b in boosts])
    out = {}
    for b in boosts:
        n, last = events.get(b.id, (0, None))
        out[b.id] = f"{settings}|{eff[b.id]}|e{n}@{last.isoformat() if last else '-'}|u{b.updated_at.isoformat()}"
    return out


def _stored(session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID] | None,
            with_split: bool) -> dict[uuid.UUID, tuple]:
    t = BoostAttributionSplit
    cols = (t.boost_campaign_id, t.as_of, t.inputs_mark) + ((t.split,) if with_split else ())
    q = sa.select(*cols).where(t.workspace_id == workspace_id)
    if boost_ids is not None:
        q = q.where(t.boost_campaign_id.in_(list(boost_ids)))
    return {r[0]: tuple(r) for r in session.execute(q)}


def _is_current(stored: tuple | None, b: eff_repo.BoostKey, ws: Workspace, mark: str, now: datetime) -> bool:
    if stored is None or stored[2] != mark:
        return False
    as_of = stored[1]
    return window_limit(b, ws) <= as_of or now - as_of < STALE_AFTER


def _write(session: Session, workspace_id: uuid.UUID, splits: dict[uuid.UUID, BoostSplit], now: datetime,
           mark: dict[uuid.UUID, str]) -> int:
    """Replace the stored splits of these boosts (``effectiveness.store.replace_boost_rows``: in a savepoint,
    a concurrent writer of the same boost wins)."""
    rows = [{"id": uuid.uuid4(), "workspace_id": workspace_id, "boost_campaign_id": b, "as_of": now,
             "inputs_mark": mark[b], "split": s.model_dump(mode="json")} for b, s in splits.items()]
    return replace_boost_rows(session, BoostAttributionSplit.__table__, workspace_id, rows)


def refresh(session: Session, workspace_id: uuid.UUID, *, now: datetime,
            boost_ids: Sequence[uuid.UUID] | None = None, force: bool = False) -> int:
    """Compute and store the split of every boost of the workspace (or ``boost_ids``) whose stored split is
    missing or not current (every one with ``force``), ``BATCH`` boosts per event load. Returns how many
    were written. Does not commit (the snapshots job's transaction does)."""
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    boosts = eff_repo.boost_keys(session, workspace_id, boost_ids)
    have = _stored(session, workspace_id, boost_ids, False)
    mark = marks(session, ws, boosts)
    todo = [b for b in boosts if force or not _is_current(have.get(b.id), b, ws, mark[b.id], now)]
    written = 0
    for i in range(0, len(todo), BATCH):
        ids = [b.id for b in todo[i:i + BATCH]]
        splits = attribution.boost_splits_keyed(session, ws, [(b, b, None) for b in ids])
        written += _write(session, workspace_id, splits, now, mark)
    return written


def current(session: Session, ws: Workspace, boost_id: uuid.UUID, *, now: datetime) -> BoostSplit:
    """The boost's split (``attribution.service.boost_split``, every conversion so far): the stored one when
    current, else computed now and stored. ``NotFound`` for a boost of another workspace."""
    keys = eff_repo.boost_keys(session, ws.id, [boost_id])
    if not keys:
        raise NotFound(f"boost {boost_id} not found")
    b = keys[0]
    stored = _stored(session, ws.id, [boost_id], True).get(boost_id)
    mark = marks(session, ws, [b])
    if _is_current(stored, b, ws, mark[boost_id], now):
        return BoostSplit.model_validate(stored[3])
    split = attribution.boost_splits_keyed(session, ws, [(boost_id, boost_id, None)])[boost_id]
    _write(session, ws.id, {boost_id: split}, now, mark)
    return split

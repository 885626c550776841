"""Stored attribution splits (``boosts.split_store``), SQLite and PostgreSQL: the snapshots job's batch
stores for each boost the split the boost detail computed alone (intervals included); a read reuses it
while current and recomputes it when the boost's events, its inputs or (open window) the clock move on."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from boostloop.errors import NotFound
from boostloop.server.attribution import service as attribution
from boostloop.server.boosts import split_store
from boostloop.server.db.models import BoostAttributionSplit, SocialPost
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import create_workspace

from ..attribution.test_service import T0, _boost, _journeys, ev
from . import factories as f

H = timedelta(hours=1)
# b1 and b2 run 7 days from T0; the longer attribution window is 7 days: closed after T0 + 14 days.
CLOSED = T0 + timedelta(days=30)


def _world(s):
    """Three boosts; b1 and b2 with reach figures (so their splits have drawn intervals), b3 without events."""
    ws = create_workspace(s, name="Acme", slug="acme")
    boosts = [_boost(s, ws, n) for n in (1, 2, 3)]
    for i, b in enumerate(boosts[:2]):
        c = f.campaign(s, ws)
        b.campaign_id = c.id
        f.organic(s, s.get(SocialPost, b.original_post_id), T0 + 2 * H, 1300, 1000 + 100 * i, total_reach=2600)
        f.paid(s, c, T0, impressions=3000, reach=2000)
    s.flush()
    b1, b2, b3 = (b.id for b in boosts)
    attribution.ingest_events(s, ws, _journeys(b1, b2))
    return ws, b1, b2, b3


def _as_of(s, boost_id):
    return s.scalar(sa.select(BoostAttributionSplit.as_of).where(BoostAttributionSplit.boost_campaign_id == boost_id))


def test_the_job_stores_what_the_detail_computed_alone(engine) -> None:
    with session_scope(engine) as s:
        ws, b1, b2, b3 = _world(s)
        alone = {b: attribution.boost_split(s, ws, b) for b in (b1, b2, b3)}
        assert split_store.refresh(s, ws.id, now=CLOSED) == 3
        stored = {b: split_store.current(s, ws, b, now=CLOSED) for b in (b1, b2, b3)}
        # The same content, intervals included (b2 is second in the job's batch: its draws are seeded as
        # when computed alone).
        assert stored == alone
        assert stored[b2].interval_level == 0.9 and stored[b2].overlap_conversions_high is not None
        assert (stored[b1].observed_organic_conversions, stored[b1].observed_paid_conversions,
                stored[b1].observed_overlap_conversions) == (1, 1, 1)
        assert stored[b3].conversions == 0
        # Current: the next run writes nothing; a read much later reuses it (window closed).
        assert split_store.refresh(s, ws.id, now=CLOSED + H) == 0
        assert split_store.current(s, ws, b1, now=CLOSED + timedelta(days=100)) == alone[b1]
        assert _as_of(s, b1) == CLOSED
        assert split_store.refresh(s, ws.id, now=CLOSED, force=True) == 3


def test_a_new_event_of_the_boost_makes_its_split_stale(engine) -> None:
    with session_scope(engine) as s:
        ws, b1, b2, _ = _world(s)
        split_store.refresh(s, ws.id, now=CLOSED)
        # u5: a paid click of b1 and a conversion, imported late (inside the closed window)
        attribution.ingest_events(s, ws, [ev("12", "CLICK", "PAID", 1, user="u5", boost=b1),
                                          ev("13", "CONVERSION", "UNKNOWN", 2, user="u5", value=100)])
        later = CLOSED + H
        got = split_store.current(s, ws, b1, now=later)
        assert got.observed_paid_conversions == 2 and got == attribution.boost_split(s, ws, b1)
        assert _as_of(s, b1) == later  # recomputed and stored
        assert split_store.refresh(s, ws.id, now=later) == 0  # b2's events did not change
        # A workspace setting the split depends on: every split is stale.
        ws.click_window_days = 3
        s.flush()
        assert split_store.refresh(s, ws.id, now=later) == 3


def test_an_open_window_split_expires_after_the_stale_bound(engine) -> None:
    with session_scope(engine) as s:
        ws, b1, _, _ = _world(s)
        open_at = T0 + timedelta(days=2)
        split_store.current(s, ws, b1, now=open_at)
        split_store.current(s, ws, b1, now=open_at + split_store.STALE_AFTER - H)
        assert _as_of(s, b1) == open_at
        split_store.current(s, ws, b1, now=open_at + split_store.STALE_AFTER)
        assert _as_of(s, b1) == open_at + split_store.STALE_AFTER


def test_another_workspaces_boost_is_not_found(engine) -> None:
    with session_scope(engine) as s:
        ws, b1, _, _ = _world(s)
        other = create_workspace(s, name="Other", slug="other")
        with pytest.raises(NotFound):
            split_store.current(s, other, b1, now=CLOSED)
        with pytest.raises(NotFound):
            split_store.current(s, ws, uuid.uuid4(), now=CLOSED)
        assert split_store.refresh(s, other.id, now=CLOSED) == 0
        with pytest.raises(ValueError, match="now"):
            split_store.refresh(s, ws.id, now=datetime(2026, 1, 1))

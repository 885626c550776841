"""Snapshot back-fill: the same rows as collecting hour by hour, batched, idempotent, for boosts of any
status (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from boostloop.enums import AttributionEventType as ET
from boostloop.enums import BoostStatus
from boostloop.enums import TouchpointType as TP
from boostloop.server.boosts import service
from boostloop.server.boosts.snapshots import backfill_snapshots, collect_snapshots
from boostloop.server.db.models import BoostCampaign, BoostPerformanceSnapshot
from boostloop.server.db.session import session_scope

from . import factories as f
from .factories import T0

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
SKIP = {"id", "created_at", "workspace_id", "boost_campaign_id"}
NOW = T0 + 30 * H
CANCEL_AT = T0 + 3 * H + 30 * MIN


def _world(s, slug):
    """Three boosts on one post each: hourly cadence over a day, a 5-hour cadence (end off the grid), and
    one cancelled after 3.5 hours; hourly organic captures, paid delivery and events."""
    ws = f.workspace(s, slug)
    acc = f.account(s, ws, followers=5000)
    out = []
    for i, (cadence, name) in enumerate(((1, "hourly"), (5, "five"), (1, "cancelled"))):
        p, c = f.post(s, acc), f.campaign(s, ws)
        for k in range(-2, 40):
            f.organic(s, p, T0 + k * H + 10 * MIN, 1000 + 40 * k + i, 800 + 30 * k, 50 + k,
                      total_reach=900 + 60 * k if k > 0 else None)
        b = service.create_boost(s, ws.id, post_id=p.id, campaign_id=c.id, boosted_at=T0, boosted_by="alice",
                                 reason="r", strategy="S", targeting=None, budget_cents=20_000, duration_days=1,
                                 cadence_hours=cadence)
        for k in range(24):
            f.paid(s, c, T0 + k * H, impressions=500 + k, clicks=5 + k % 3, conversions=k % 2, value=1000 * (k % 2),
                   spend=300 + i, reach=400)
        for k in range(0, 24, 2):
            f.event(s, ws.id, b.id, T0 + k * H + 5 * MIN, TP.ORGANIC if k % 4 else TP.PAID, user=f"u{k}")
            f.event(s, ws.id, b.id, T0 + k * H + 50 * MIN, TP.PAID, ET.CONVERSION, user=f"u{k}", value=2500)
        out.append((name, b.id))
    return ws.id, dict(out)


def _rows(s, ws_id, ids):
    t = BoostPerformanceSnapshot.__table__
    name = {v: k for k, v in ids.items()}
    rows = s.execute(sa.select(t).where(t.c.workspace_id == ws_id)).mappings().all()
    return sorted((name[r["boost_campaign_id"]], *(r[c.name] for c in t.columns if c.name not in SKIP)) for r in rows)


def _status(s, ids):
    return {k: (s.get(BoostCampaign, v).status, s.get(BoostCampaign, v).ended_at) for k, v in ids.items()}


def test_backfill_then_collect_equals_hour_by_hour(engine) -> None:
    with session_scope(engine) as s:
        hourly_ws, hourly_ids = _world(s, "hourly")
        filled_ws, filled_ids = _world(s, "filled")
    # A: the job ran every hour (a minute past), and the third boost was cancelled at 12:30.
    t = T0
    while t <= NOW:
        with session_scope(engine) as s:
            if t >= CANCEL_AT and s.get(BoostCampaign, hourly_ids["cancelled"]).status == BoostStatus.ACTIVE:
                service.change_status(s, hourly_ws, hourly_ids["cancelled"], BoostStatus.CANCELLED, at=CANCEL_AT)
            collect_snapshots(s, hourly_ws, now=t + MIN)
        t += H
    # B: nothing collected while it ran; back-filled afterwards, then one ordinary collection.
    with session_scope(engine) as s:
        service.change_status(s, filled_ws, filled_ids["cancelled"], BoostStatus.CANCELLED, at=CANCEL_AT)
        r = backfill_snapshots(s, filled_ws, NOW + MIN, batch_size=7)  # small batches: several rounds
        # 23 hourly points + the end; 4 five-hourly points + the end; 3 hourly points + the cancellation
        assert (r.boosts, r.due, r.created, r.skipped_existing) == (3, 24 + 5 + 4, 33, 0)
        again = backfill_snapshots(s, filled_ws, NOW + MIN)
        assert (again.created, again.skipped_existing) == (0, 33)
        c = collect_snapshots(s, filled_ws, now=NOW + MIN)
        assert c.created == 0
    with session_scope(engine) as s:
        a, b = _rows(s, hourly_ws, hourly_ids), _rows(s, filled_ws, filled_ids)
        assert len(a) == 33
        assert a == b
        assert _status(s, hourly_ids) == _status(s, filled_ids)
        assert _status(s, filled_ids)["hourly"] == (BoostStatus.COMPLETED, T0 + 24 * H)


def test_backfill_limited_to_some_boosts_and_to_now(engine) -> None:
    with session_scope(engine) as s:
        ws_id, ids = _world(s, "acme")
        r = backfill_snapshots(s, ws_id, T0 + 5 * H + MIN, boost_ids=[ids["five"]])
        assert (r.boosts, r.due, r.created) == (1, 1, 1)  # only T0 + 5 h so far
        r = backfill_snapshots(s, ws_id, T0 + 5 * H)  # the grid point equal to now counts
        assert (r.boosts, r.due, r.created, r.skipped_existing) == (3, 11, 10, 1)
        statuses = {s.get(BoostCampaign, v).status for v in ids.values()}
    assert statuses == {BoostStatus.ACTIVE}  # back-fill never changes a status


def test_backfill_asks_a_per_boost_provider_once_per_time(engine) -> None:
    from boostloop.server.boosts.attribution_provider import AttributedSplit, PerBoostSplit

    calls = []

    def split(session, workspace_id, boost_id, until):
        calls.append((boost_id, until))
        hours = (until - T0) / H
        return AttributedSplit(organic=hours, paid=2 * hours, overlap=0.0, value_cents=int(100 * hours))

    with session_scope(engine) as s:
        ws_id, ids = _world(s, "acme")
        r = backfill_snapshots(s, ws_id, T0 + 3 * H, boost_ids=[ids["hourly"]], attribution=PerBoostSplit(split))
        got = s.execute(sa.select(BoostPerformanceSnapshot.snapshot_at, BoostPerformanceSnapshot.attributed_organic,
                                  BoostPerformanceSnapshot.attributed_paid)
                        .order_by(BoostPerformanceSnapshot.snapshot_at)).all()
    assert r.created == 3 and sorted(calls) == [(ids["hourly"], T0 + k * H) for k in (1, 2, 3)]
    assert [tuple(g) for g in got] == [(T0 + k * H, float(k), 2.0 * k) for k in (1, 2, 3)]

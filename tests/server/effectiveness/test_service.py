"""Effectiveness service and endpoints on hand-made rows (SQLite and PostgreSQL): what is read from the
database, tenancy (another workspace's boost is not found), and the edge cases (no snapshots, no
campaign, zero spend, no organic history) giving defined values."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
import sqlalchemy as sa

from boostloop.enums import AttributionEventType as ET
from boostloop.enums import TouchpointType as TP
from boostloop.errors import NotFound
from boostloop.server.boosts import service as boosts
from boostloop.server.db.models import Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.effectiveness import service

from ..boosts import factories as f
from ..boosts.factories import T0

H = timedelta(hours=1)


def _boost(s, ws, post, campaign=None, **kw):
    args = {"post_id": post.id, "campaign_id": campaign.id if campaign else None, "boosted_at": T0,
            "boosted_by": "alice", "reason": "r", "strategy": "S", "targeting": None, "budget_cents": 10_000,
            "duration_days": 1}
    return boosts.create_boost(s, ws.id, **(args | kw))


def _no_nan(obj) -> None:
    json.dumps(obj, allow_nan=False)  # raises on NaN / inf anywhere


def _world(s):
    """One boosted post with captures every 2 hours for 3 days, 10 unboosted controls on the same
    platform, a campaign delivering 4 hours, and conversion events of the post."""
    ws = f.workspace(s)
    acc = f.account(s, ws, followers=10_000)
    pub = T0 - 6 * H
    target = f.post(s, acc, published_at=pub)
    controls = [f.post(s, acc, published_at=pub - (i + 1) * H) for i in range(10)]
    for i, p in enumerate([target, *controls]):
        scale = 1000 + 50 * i
        for k in range(1, 37):
            at = p.published_at + 2 * k * H
            grown = scale * (1 - math.exp(-2 * k / 10))
            f.organic(s, p, at, int(grown * 1.5), int(grown), int(grown * 0.05))
    c = f.campaign(s, ws)
    b = _boost(s, ws, target, c)
    for h in range(4):
        f.paid(s, c, T0 + h * H, impressions=1000, clicks=20, conversions=1, value=5000, spend=2500, reach=800)
    ev = lambda *a, **k: f.event(s, ws.id, b.id, *a, **k)
    for j in range(6):
        e = ev(T0 + (j + 1) * H, TP.PAID if j < 4 else TP.ORGANIC, ET.CONVERSION, user=f"u{j}", value=4000)
        e.post_id = target.id
    late = ev(T0 + 20 * 24 * H, TP.PAID, ET.CONVERSION, user="late", value=99_999)  # after the window
    late.post_id = target.id
    s.flush()
    return ws, b, target


def test_boost_analysis_from_the_database(engine) -> None:
    now = T0 + 30 * 24 * H
    with session_scope(engine) as s:
        ws, b, post = _world(s)
        (a,) = service.analyze(s, ws.id, now=now)
        out = service.boost_effectiveness(s, ws.id, b.id, now=now).model_dump(mode="json")
    # Window: last capture at or before the boost (age 6 h, the 3rd capture), last capture within
    # boosted_at + 1 day + 7-day click window (the post's last capture at age 72 h).
    assert (a.inputs.a, a.inputs.end_age) == (6.0, 72.0)
    assert a.window_start == T0 and a.window_end == post.published_at + 72 * H
    o = a.inputs.obs
    assert (o.spend_cents, o.paid_impressions, o.paid_clicks, o.days_observed) == (10_000, 4000, 80, 4 / 24)
    assert (o.conversions, o.organic_conversions, o.value_cents) == (6, 2, 24_000)  # the late one is out
    # Overlap term inputs. Every paid conversion (T0 + 1..4 h) precedes both organic ones (T0 + 5, 6 h):
    # paid-first share 1. No combined reach captured: independence within the account's 10,000 followers,
    # organic reach 999 at 72 h, paid reach min(4 x 800, 4000) = 3200: incremental round(3200 (1 - 999 /
    # 10000)) = 2880, overlap 320, s = 320 / 3200 = 0.1.
    assert o.paid_first == 1.0
    assert o.share_paid_also_organic == pytest.approx(0.1)
    assert len(a.inputs.selection.post_ids) == 10
    assert out["spend_cents"] == 10_000 and out["conversions"] == 6
    assert out["total_roi"] == pytest.approx((24_000 - 10_000) / 10_000)
    inc = out["incremental_conversions"]
    assert inc["lower"] <= inc["estimate"] <= inc["upper"] <= 6
    assert 0 <= out["score"]["score"] <= 100 and len(out["score"]["components"]) == 4
    assert out["confidence"]["level"] == "LOW"  # 4 hours of delivery, 6 conversions
    assert "no_snapshots" in out["flags"]
    _no_nan(out)


def test_another_workspaces_boost_is_not_found(engine) -> None:
    with session_scope(engine) as s:
        _, b, _ = _world(s)
        other = f.workspace(s, "other")
        with pytest.raises(NotFound):
            service.boost_effectiveness(s, other.id, b.id, now=T0 + 48 * H)
        assert service.analyze(s, other.id, now=T0 + 48 * H) == []
        ov = service.overview(s, other.id, now=T0 + 48 * H)
    assert (ov.total_boosts, ov.total_spend_cents, ov.average_roi, ov.cost_per_incremental_conversion_cents) == (
        0, 0, None, None)


def test_no_snapshots_no_campaign_no_history_zero_spend(engine) -> None:
    now = T0 + 3 * 24 * H
    with session_scope(engine) as s:
        ws = f.workspace(s)
        acc = f.account(s, ws)
        bare = _boost(s, ws, f.post(s, acc))  # no campaign, no captures, no events
        c = f.campaign(s, ws)
        p2 = f.post(s, acc)
        f.organic(s, p2, T0 - H, 100, 80)
        free = _boost(s, ws, p2, c)
        f.paid(s, c, T0, impressions=500, clicks=5, spend=0, reach=400)  # delivered for free
        outs = {b.id: service.boost_effectiveness(s, ws.id, b.id, now=now).model_dump(mode="json")
                for b in (bare, free)}
        cmp = service.comparison(s, ws.id, now=now).model_dump(mode="json")
        ov = service.overview(s, ws.id, now=now).model_dump(mode="json")
    o = outs[bare.id]
    assert o["spend_cents"] == 0 and o["conversions"] == 0
    # the core's definition for zero spend: nothing spent per result (0), ROI / ROAS undefined
    assert o["total_roi"] is None and o["incremental_roi"]["estimate"] is None
    assert o["cost_per_incremental_result_cents"] == {"estimate": 0.0, "lower": 0.0, "upper": 0.0}
    assert o["incremental_conversions"]["estimate"] == 0.0
    assert {"no_snapshots", "no_paid_delivery", "no_post_boost_capture", "zero_spend", "no_conversions",
            "history_missing"} <= set(o["flags"])
    assert o["confidence"]["level"] == "LOW"
    z = outs[free.id]
    assert z["spend_cents"] == 0 and z["total_roi"] is None and z["incremental_roi"]["estimate"] is None
    assert {r["vs_benchmark"] for r in cmp["by_cost_per_result"]} == {"undefined"}
    assert ov["total_boosts"] == 2 and ov["average_roi"] is None and ov["savings_vs_benchmark_cents"] == 0
    for x in (*outs.values(), cmp, ov):
        _no_nan(x)


def test_workspace_benchmark_overrides_are_used(engine) -> None:
    with session_scope(engine) as s:
        ws, b, _ = _world(s)
        s.execute(sa.update(Workspace).where(Workspace.id == ws.id)
                  .values(benchmarks={"FACEBOOK": {"cpa_cents": 1234}}))
        s.expire_all()
        out = service.boost_effectiveness(s, ws.id, b.id, now=T0 + 30 * 24 * H)
        cmp = service.comparison(s, ws.id, now=T0 + 30 * 24 * H)
    assert out.benchmark.cpa_cents == 1234 and out.benchmark.source == "workspace override"
    assert cmp.by_cost_per_result[0].benchmark == 1234

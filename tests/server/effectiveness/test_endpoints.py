"""The effectiveness endpoints: VIEWER reads; another workspace's boost answers 404; results are cached
per workspace until invalidated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from boostloop.enums import TouchpointType as TP
from boostloop.server.app import create_app
from boostloop.server.boosts import service as boosts
from boostloop.server.db.models import AdCampaign, BoostCampaign, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.ingest.service import ingest_batch

from ..api.conftest import make_settings, seed
from ..boosts import factories as f
from ..boosts.factories import T0

H = timedelta(hours=1)


@pytest.fixture
def setup(engine):
    t = seed(engine)
    with session_scope(engine) as s:
        ids = {}
        for key, ws_id in (("a", t.a), ("b", t.b)):
            ws = s.get(Workspace, ws_id)
            acc = f.account(s, ws)
            post = f.post(s, acc)
            f.organic(s, post, T0 - H, 100, 80)
            c = f.campaign(s, ws)
            f.paid(s, c, T0, impressions=1000, clicks=10, spend=2000, reach=900)
            b = boosts.create_boost(s, ws.id, post_id=post.id, campaign_id=c.id, boosted_at=T0, boosted_by="x",
                                    reason="r", strategy="S", targeting=None, budget_cents=5000, duration_days=1)
            f.event(s, ws.id, b.id, T0 + H, TP.PAID)
            ids[key] = b.id
    app = create_app(make_settings(engine.url.render_as_string(hide_password=False)), engine=engine)
    with TestClient(app) as client:
        yield client, t, ids, app


def test_effectiveness_endpoints(setup) -> None:
    client, t, ids, app = setup
    base = f"/api/v1/workspaces/{t.a}/effectiveness"
    r = client.get(f"{base}/boosts/{ids['a']}", headers=t.auth("VIEWER"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["boost_id"] == str(ids["a"]) and body["spend_cents"] == 2000
    assert body["level"] == 0.9 and {c["metric"] for c in body["counterfactuals"]} == {"reach", "impressions", "engagements"}
    # another workspace's boost, through my workspace: not found
    assert client.get(f"{base}/boosts/{ids['b']}", headers=t.auth("VIEWER")).status_code == 404
    # my workspace's boost, by the outsider: the workspace does not exist for them
    assert client.get(f"{base}/boosts/{ids['a']}", headers=t.auth("outsider")).status_code == 404
    cmp = client.get(f"{base}/comparison", headers=t.auth("VIEWER"))
    assert cmp.status_code == 200 and [r["boost_id"] for r in cmp.json()["by_incremental_roi"]] == [str(ids["a"])]
    ov = client.get(f"{base}/overview", headers=t.auth("VIEWER")).json()
    assert ov["total_boosts"] == 1 and ov["total_spend_cents"] == 2000 and "cost_without_boosts_cents" in ov["definitions"]

    # Cached: a new paid hour, imported by the product's ingest service (which counts the write of an
    # input, ``effectiveness.input_version``, but leaves the API's cache alone), is not seen until the
    # workspace's cache is invalidated.
    with session_scope(app.state.engine) as s:
        c = s.get(AdCampaign, s.get(BoostCampaign, ids["a"]).campaign_id)
        ingest_batch(s, s.get(Workspace, t.a), {"campaign_metrics": [{
            "platform": c.platform, "platform_campaign_id": c.platform_campaign_id, "granularity": "HOUR",
            "period_start": (T0 + H).isoformat(), "impressions": 10, "clicks": 1, "spend_cents": 500, "reach": 9}]})
    assert client.get(f"{base}/overview", headers=t.auth("VIEWER")).json()["total_spend_cents"] == 2000
    app.state.cache.invalidate_workspace(t.a)
    assert client.get(f"{base}/overview", headers=t.auth("VIEWER")).json()["total_spend_cents"] == 2500

"""The domain endpoints end to end over HTTP (SQLite, and PostgreSQL when configured): ingest, boosts,
insights, experiments, privacy. Real services, real database; values checked, not just status codes."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from scipy.stats import norm

from boostloop.enums import (
    AttributionEventType,
    InsightCategory,
    InsightSeverity,
    InsightType,
    Platform,
    TouchpointType,
)
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db.models import (
    AdCampaign,
    BoostAttributionEvent,
    BoostInsight,
    RECOMMENDER,
    PrivacyOptOut,
    SocialPost,
    Workspace,
)
from boostloop.server.db.session import session_scope

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _content(n_posts: int = 2) -> dict:
    return {
        "accounts": [{"platform": "FACEBOOK", "platform_account_id": "acme", "handle": "acme", "followers": 1000}],
        "posts": [{"platform": "FACEBOOK", "platform_account_id": "acme", "platform_post_id": f"p{i}",
                   "content_type": "IMAGE", "published_at": (T0 + timedelta(hours=i)).isoformat()}
                  for i in range(n_posts)],
        "organic_metrics": [{"platform": "FACEBOOK", "platform_account_id": "acme", "platform_post_id": f"p{i}",
                             "captured_at": (T0 + timedelta(hours=i + 5)).isoformat(),
                             "impressions": 1000 * (i + 1), "reach": 800 * (i + 1), "engagements": 50}
                            for i in range(n_posts)],
    }


def _campaigns() -> dict:
    return {
        "campaigns": [{"platform": "FACEBOOK", "platform_campaign_id": f"c{i}", "name": f"boost {i}"} for i in range(2)],
        "campaign_metrics": [{"platform": "FACEBOOK", "platform_campaign_id": "c0",
                              "period_start": (T0 + timedelta(days=1)).isoformat(), "impressions": 5000,
                              "reach": 4000, "clicks": 90, "conversions": 3, "conversion_value_cents": 12000,
                              "spend_cents": 4000}],
    }


def _ids(engine, ws: uuid.UUID) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    with session_scope(engine) as s:
        posts = {p.platform_post_id: p.id for p in s.scalars(sa.select(SocialPost).where(SocialPost.workspace_id == ws))}
        camps = {c.platform_campaign_id: c.id for c in s.scalars(sa.select(AdCampaign).where(AdCampaign.workspace_id == ws))}
    return posts, camps


def _seed(client, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/ingest"
    assert client.post(f"{base}/content", json=_content(), headers=tenancy.auth("MEMBER")).status_code == 200
    assert client.post(f"{base}/campaigns", json=_campaigns(), headers=tenancy.auth("MEMBER")).status_code == 200


# ------------------------------------------------------------------------------------------------ ingest


def test_ingest_content_and_campaigns_counts_idempotence_and_all_or_nothing(client, engine, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/ingest"
    h = tenancy.auth("MEMBER")
    r = client.post(f"{base}/content", json=_content(), headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["accounts"]["created"], got["posts"]["created"], got["organic_metrics"]["created"]) == (1, 2, 2)
    assert got["rows_read"] == 5
    again = client.post(f"{base}/content", json=_content(), headers=h).json()
    assert again["posts"] == {"created": 0, "updated": 0, "unchanged": 2}
    r = client.post(f"{base}/campaigns", json=_campaigns(), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["campaigns"]["created"] == 2 and r.json()["campaign_metrics"]["created"] == 1
    # one bad row among good ones: 422 naming list, index and field; nothing of the batch written
    bad = _content(3)
    bad["posts"][2]["content_type"] = "HOLOGRAM"
    r = client.post(f"{base}/content", json=bad, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert ["posts", 2, "content_type"] in [e["loc"][:3] for e in r.json()["errors"]], r.json()
    posts, _ = _ids(engine, tenancy.a)
    assert sorted(posts) == ["p0", "p1"]
    # more than 10,000 rows in one list: refused before the service runs
    big = {"posts": [{}] * 10_001}
    assert client.post(f"{base}/content", json=big, headers=h).status_code == 422
    # unknown list names are refused (extra=forbid)
    assert client.post(f"{base}/content", json={"campaigns": []}, headers=h).status_code == 422


def test_ingest_invalidates_the_workspace_cache(client, app, tenancy) -> None:
    cache = app.state.cache
    v0 = cache.key(tenancy.a, "x")
    client.post(f"/api/v1/workspaces/{tenancy.a}/ingest/content", json=_content(), headers=tenancy.auth("MEMBER"))
    v1 = cache.key(tenancy.a, "x")
    assert v1 != v0
    # an idempotent repeat changes nothing, so the cache stays valid
    client.post(f"/api/v1/workspaces/{tenancy.a}/ingest/content", json=_content(), headers=tenancy.auth("MEMBER"))
    assert cache.key(tenancy.a, "x") == v1


def test_upload_a_meta_export_and_a_bad_file_names_line_and_column(client, engine, tenancy) -> None:
    url = f"/api/v1/workspaces/{tenancy.a}/ingest/files"
    h = tenancy.auth("MEMBER")
    raw = (SAMPLES / "meta_ads_campaigns_daily.csv").read_bytes()
    r = client.post(url, data={"kind": "meta-ads-csv"}, files={"file": ("m.csv", raw, "text/csv")}, headers=h)
    assert r.status_code == 200, r.text
    lines = raw.decode("utf-8-sig").strip().splitlines()
    assert r.json()["campaign_metrics"]["created"] == len(lines) - 1
    _, camps = _ids(engine, tenancy.a)
    assert "120210000000000101" in camps
    # the same file again: idempotent
    r = client.post(url, data={"kind": "meta-ads-csv"}, files={"file": ("m.csv", raw, "text/csv")}, headers=h)
    assert r.json()["campaign_metrics"]["created"] == 0
    # a broken spend on line 3: nothing written, the error names the line and the column
    broken = lines[:]
    broken[2] = broken[2].replace(",40.00,", ",forty,", 1)
    assert broken[2] != lines[2]
    before = _ids(engine, tenancy.b)
    r = client.post(url, data={"kind": "meta-ads-csv"},
                    files={"file": ("m.csv", ("\n".join(broken) + "\n").encode(), "text/csv")}, headers=tenancy.auth("outsider"))
    assert r.status_code == 404  # the outsider is no member of A: not found
    r = client.post(f"/api/v1/workspaces/{tenancy.b}/ingest/files", data={"kind": "meta-ads-csv"},
                    files={"file": ("m.csv", ("\n".join(broken) + "\n").encode(), "text/csv")},
                    headers=tenancy.auth("outsider"))
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["errors"]]
    assert locs == [["line 3", "Amount spent (USD)"]], locs
    assert _ids(engine, tenancy.b) == before == ({}, {})
    # an unknown kind
    r = client.post(url, data={"kind": "nope"}, files={"file": ("m.csv", raw, "text/csv")}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "kind"


# ------------------------------------------------------------------------------------------------ boosts


def _boost_body(post_id, **over) -> dict:
    body = {"post_id": str(post_id), "boosted_at": (T0 + timedelta(days=1)).isoformat(), "boosted_by": "ana",
            "reason": "top post", "strategy": "engagement", "budget_cents": 5000, "duration_days": 3}
    body.update(over)
    return body


def test_boost_create_detail_status_and_link(client, engine, tenancy) -> None:
    _seed(client, tenancy)
    posts, camps = _ids(engine, tenancy.a)
    base = f"/api/v1/workspaces/{tenancy.a}/boosts"
    h = tenancy.auth("MEMBER")
    r = client.post(base, json=_boost_body(posts["p1"]), headers=h)
    assert r.status_code == 201, r.text
    boost = r.json()
    # the pre-boost snapshot is the post's own latest capture before the boost
    assert boost["organic_metrics"]["impressions"] == 2000 and boost["organic_metrics"]["estimated"] is False
    assert boost["status"] == "ACTIVE" and boost["campaign_id"] is None
    detail = client.get(f"{base}/{boost['id']}", headers=tenancy.auth("VIEWER")).json()
    assert detail["boost"]["id"] == boost["id"] and detail["snapshots"] == []
    assert detail["attribution_split"]["organic_conversions"] == 0
    # three converters: one saw only the organic post, one only the paid boost, one both
    t = T0 + timedelta(days=1, hours=1)
    events = []
    for n, (user, kinds) in enumerate({"o": ["ORGANIC"], "p": ["PAID"], "b": ["ORGANIC", "PAID"]}.items()):
        for k, kind in enumerate(kinds):
            events.append({"client_event_id": f"{user}-{k}", "event_type": "VIEW", "touchpoint_type": kind,
                           "platform": "FACEBOOK", "occurred_at": (t + timedelta(minutes=n * 10 + k)).isoformat(),
                           "user_id": user, "boost_id": boost["id"]})
        events.append({"client_event_id": f"{user}-conv", "event_type": "CONVERSION", "touchpoint_type": "UNKNOWN",
                        "platform": "FACEBOOK", "occurred_at": (t + timedelta(minutes=n * 10 + 5)).isoformat(),
                        "user_id": user, "value_cents": 1000 * (n + 1)})
    r = client.post(f"/api/v1/workspaces/{tenancy.a}/ingest/events", json={"events": events}, headers=h)
    assert r.status_code == 200 and r.json()["inserted"] == 7, r.text
    split = client.get(f"{base}/{boost['id']}", headers=tenancy.auth("VIEWER")).json()["attribution_split"]
    assert (split["organic_conversions"], split["paid_conversions"], split["overlap_conversions"]) == (1, 1, 1)
    assert (split["organic_value_cents"], split["paid_value_cents"], split["overlap_value_cents"]) == (1000, 2000, 3000)
    same = client.get(f"/api/v1/workspaces/{tenancy.a}/attribution/boosts/{boost['id']}", headers=tenancy.auth("VIEWER"))
    assert same.json() == split
    # the detail's split is cached: an event written behind the API's back (no invalidation) is not seen
    # until the workspace's cache is invalidated (as ingest does)
    with session_scope(engine) as s:
        key = s.get(Workspace, tenancy.a).hash_key
        for n, (kind, touch) in enumerate(((AttributionEventType.VIEW, TouchpointType.PAID),
                                           (AttributionEventType.CONVERSION, TouchpointType.UNKNOWN))):
            s.add(BoostAttributionEvent(
                workspace_id=tenancy.a, client_event_id=f"q-{n}", user_id_hash=person_hash(key, "q"), event_type=kind,
                touchpoint_type=touch, platform=Platform.FACEBOOK, occurred_at=t + timedelta(minutes=40 + n),
                boost_campaign_id=uuid.UUID(boost["id"]) if n == 0 else None, event_value_cents=500 if n else None))
    cached = client.get(f"{base}/{boost['id']}", headers=tenancy.auth("VIEWER")).json()["attribution_split"]
    assert cached == split
    client.app.state.cache.invalidate_workspace(tenancy.a)
    fresh = client.get(f"{base}/{boost['id']}", headers=tenancy.auth("VIEWER")).json()["attribution_split"]
    assert (fresh["paid_conversions"], fresh["paid_value_cents"]) == (2, 2500)
    assert [i["boost"]["status"] for i in client.get(base, headers=tenancy.auth("VIEWER")).json()["items"]] == ["ACTIVE"]
    # link a campaign, then a different one is a conflict
    r = client.put(f"{base}/{boost['id']}/campaign", json={"campaign_id": str(camps["c0"])}, headers=h)
    assert r.status_code == 200 and r.json()["campaign_id"] == str(camps["c0"])
    r = client.put(f"{base}/{boost['id']}/campaign", json={"campaign_id": str(camps["c1"])}, headers=h)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    # valid transitions, then a terminal state refuses to move with a 409 problem
    assert client.post(f"{base}/{boost['id']}/status", json={"status": "PAUSED"}, headers=h).json()["status"] == "PAUSED"
    end = (T0 + timedelta(days=2)).isoformat()
    r = client.post(f"{base}/{boost['id']}/status", json={"status": "COMPLETED", "at": end}, headers=h)
    assert r.status_code == 200 and r.json()["ended_at"].startswith("2026-10-03T09:00:00")
    # the cached detail and list follow the status change (it invalidates the workspace's answers)
    v = tenancy.auth("VIEWER")
    assert client.get(f"{base}/{boost['id']}", headers=v).json()["boost"]["status"] == "COMPLETED"
    assert [i["boost"]["status"] for i in client.get(base, headers=v).json()["items"]] == ["COMPLETED"]
    r = client.post(f"{base}/{boost['id']}/status", json={"status": "ACTIVE"}, headers=h)
    assert r.status_code == 409
    assert r.json()["status"] == 409 and "COMPLETED" in r.json()["detail"]
    # validation: a naive time and a boost before publication
    r = client.post(base, json=_boost_body(posts["p1"], boosted_at="2026-10-02T09:00:00"), headers=h)
    assert r.status_code == 422
    r = client.post(base, json=_boost_body(posts["p1"], boosted_at=(T0 - timedelta(days=3)).isoformat()), headers=h)
    assert r.status_code == 422 and any(e["loc"][-1] == "boosted_at" for e in r.json()["errors"])
    # another workspace's boost does not exist for its owner
    r = client.get(f"/api/v1/workspaces/{tenancy.b}/boosts/{boost['id']}", headers=tenancy.auth("outsider"))
    assert r.status_code == 404
    r = client.get(f"{base}/{uuid.uuid4()}", headers=h)
    assert r.status_code == 404


def test_boost_list_filters_sort_and_cursor_pages(client, engine, tenancy) -> None:
    _seed(client, tenancy)
    posts, _ = _ids(engine, tenancy.a)
    base = f"/api/v1/workspaces/{tenancy.a}/boosts"
    h = tenancy.auth("MEMBER")
    made = []
    for i in range(5):
        body = _boost_body(posts["p0"], boosted_at=(T0 + timedelta(days=1, hours=i)).isoformat(),
                           strategy="reach" if i % 2 else "engagement")
        made.append(client.post(base, json=body, headers=h).json()["id"])
    client.post(f"{base}/{made[0]}/status", json={"status": "CANCELLED"}, headers=h)
    # newest first by default; pages of two chain to all five, no repeats
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(base, params=params, headers=tenancy.auth("VIEWER")).json()
        seen += [it["boost"]["id"] for it in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == made[::-1]
    page = client.get(base, params={"sort": "boostedAt", "descending": "false"}, headers=h).json()
    assert [it["boost"]["id"] for it in page["items"]] == made
    assert [it["boost"]["id"] for it in client.get(base, params={"strategy": "reach"}, headers=h).json()["items"]] \
        == [made[3], made[1]]
    assert [it["boost"]["id"] for it in client.get(base, params={"status": "CANCELLED"}, headers=h).json()["items"]] \
        == [made[0]]
    got = client.get(base, params={"status": ["ACTIVE", "CANCELLED"], "platform": "FACEBOOK",
                                   "boosted_from": (T0 + timedelta(days=1, hours=1)).isoformat(),
                                   "boosted_to": (T0 + timedelta(days=1, hours=3)).isoformat()}, headers=h).json()
    assert [it["boost"]["id"] for it in got["items"]] == [made[2], made[1]]
    assert client.get(base, params={"platform": "INSTAGRAM"}, headers=h).json()["items"] == []
    # sorts by a snapshot metric are accepted (no snapshots: every boost last, ties by id)
    for sort in ("costPerResult", "roi", "lift", "cost_per_result"):
        r = client.get(base, params={"sort": sort}, headers=h)
        assert r.status_code == 200 and len(r.json()["items"]) == 5, (sort, r.text)
    assert client.get(base, params={"sort": "nope"}, headers=h).status_code == 422
    assert client.get(base, params={"cursor": "garbage!"}, headers=h).status_code == 422
    # a cursor of one sort is not accepted by another
    first = client.get(base, params={"limit": 1}, headers=h).json()["next_cursor"]
    assert client.get(base, params={"limit": 1, "sort": "roi", "cursor": first}, headers=h).status_code == 422


# ---------------------------------------------------------------------------------------------- insights


def _insight(s, ws_id, severity, category, impact, n) -> uuid.UUID:
    row = BoostInsight(workspace_id=ws_id, insight_type=InsightType.PATTERN, category=category, severity=severity,
                       title=f"insight {n}", description="d", data_points={"n": n}, actionable=True, impact=impact,
                       fingerprint=f"fp{n}", period_start=T0, period_end=T0 + timedelta(days=7))
    s.add(row)
    s.flush()
    return row.id


def test_insights_filters_acknowledge_and_cache(client, engine, tenancy) -> None:
    with session_scope(engine) as s:
        low = _insight(s, tenancy.a, InsightSeverity.LOW, InsightCategory.TIMING, 0.9, 1)
        crit = _insight(s, tenancy.a, InsightSeverity.CRITICAL, InsightCategory.BUDGET, 0.1, 2)
        high = _insight(s, tenancy.a, InsightSeverity.HIGH, InsightCategory.TIMING, 0.5, 3)
        other = _insight(s, tenancy.b, InsightSeverity.CRITICAL, InsightCategory.TIMING, 0.5, 4)
    base = f"/api/v1/workspaces/{tenancy.a}/insights"
    v = tenancy.auth("VIEWER")
    page = client.get(base, headers=v).json()
    assert [i["id"] for i in page["items"]] == [str(crit), str(high), str(low)] and page["total"] == 3
    assert str(other) not in {i["id"] for i in page["items"]}
    got = client.get(base, params={"category": "TIMING"}, headers=v).json()
    assert [i["id"] for i in got["items"]] == [str(high), str(low)]
    assert [i["id"] for i in client.get(base, params={"severity": "CRITICAL"}, headers=v).json()["items"]] == [str(crit)]
    # acknowledge: VIEWER may not, MEMBER may; the cached list is invalidated
    assert client.post(f"{base}/{high}/acknowledge", headers=v).status_code == 403
    r = client.post(f"{base}/{high}/acknowledge", json={"acknowledged_by": "ana"}, headers=tenancy.auth("MEMBER"))
    assert r.status_code == 200 and r.json()["acknowledged"] is True and r.json()["acknowledged_by"] == "ana"
    r = client.post(f"{base}/{high}/acknowledge", headers=tenancy.auth("ADMIN"))  # idempotent: keeps the first
    assert r.json()["acknowledged_by"] == "ana"
    assert [i["id"] for i in client.get(base, params={"acknowledged": "false"}, headers=v).json()["items"]] \
        == [str(crit), str(low)]
    assert [i["id"] for i in client.get(base, params={"acknowledged": "true"}, headers=v).json()["items"]] == [str(high)]
    # another workspace's insight cannot be acknowledged from here
    assert client.post(f"{base}/{other}/acknowledge", headers=tenancy.auth("MEMBER")).status_code == 404


def test_insight_list_is_served_from_the_cache_until_invalidated(client, app, engine, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/insights"
    v = tenancy.auth("VIEWER")
    assert client.get(base, headers=v).json()["total"] == 0
    with session_scope(engine) as s:  # written behind the API's back: the cached answer stays
        _insight(s, tenancy.a, InsightSeverity.LOW, InsightCategory.TIMING, 0.9, 1)
    assert client.get(base, headers=v).json()["total"] == 0
    app.state.cache.invalidate_workspace(tenancy.a)
    assert client.get(base, headers=v).json()["total"] == 1


def test_cached_insight_page_is_sent_as_stored_and_matches_the_response_model(client, app, engine, tenancy) -> None:
    """A hit answers the stored bytes (no re-validation); they are the response model's JSON of the miss."""
    from boostloop.server.insights.schemas import InsightPage

    with session_scope(engine) as s:
        _insight(s, tenancy.a, InsightSeverity.HIGH, InsightCategory.TIMING, 0.5, 1)
    base = f"/api/v1/workspaces/{tenancy.a}/insights"
    v = tenancy.auth("VIEWER")
    miss = client.get(base, headers=v)
    hit = client.get(base, headers=v)
    assert miss.status_code == hit.status_code == 200
    assert hit.headers["content-type"] == "application/json" and hit.content == miss.content
    assert hit.content == InsightPage.model_validate(miss.json()).model_dump_json(by_alias=True).encode()
    stored = app.state.cache.get_or_set_json(
        tenancy.a, "insights", {"category": None, "severity": None, "acknowledged": None, "limit": 50, "offset": 0},
        60, lambda: pytest.fail("the entry should be stored"))
    assert stored == hit.content and hit.json()["total"] == 1 and hit.json()["items"][0]["title"] == "insight 1"


# ------------------------------------------------------------------------------------------- experiments


def test_experiment_lifecycle_over_http(client, engine, tenancy) -> None:
    _seed(client, tenancy)
    posts, _ = _ids(engine, tenancy.a)
    base = f"/api/v1/workspaces/{tenancy.a}/experiments"
    h = tenancy.auth("MEMBER")
    design = {"name": "Morning vs evening", "dimension": "TIMING", "assignment_seed": 42,
              "min_sample_per_variant": 1000,
              "variants": [{"name": "morning", "strategy": {"start_hour": 8}, "is_control": True},
                           {"name": "evening", "strategy": {"start_hour": 19}}]}
    assert client.post(base, json=design, headers=tenancy.auth("VIEWER")).status_code == 403
    r = client.post(base, json=design, headers=h)
    assert r.status_code == 201, r.text
    exp = r.json()
    assert exp["status"] == "DRAFT" and [v["name"] for v in exp["variants"]] == ["morning", "evening"]
    assert [e["id"] for e in client.get(base, headers=tenancy.auth("VIEWER")).json()] == [exp["id"]]
    # two controls: 422 naming the variants
    bad = design | {"variants": [v | {"is_control": True} for v in design["variants"]]}
    r = client.post(base, json=bad, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] in ("variants", "body")
    url = f"{base}/{exp['id']}"
    # results before the start: conflict
    results = {"variants": {"morning": {"exposures": 4000, "conversions": 120},
                            "evening": {"exposures": 4000, "conversions": 200}}}
    assert client.put(f"{url}/results", json=results, headers=h).status_code == 409
    boost = client.post(f"/api/v1/workspaces/{tenancy.a}/boosts", json=_boost_body(posts["p0"]), headers=h).json()
    r = client.post(f"{url}/assignments", json={"boost_ids": [boost["id"]]}, headers=h)
    assert r.status_code == 200 and r.json()["assignments"][boost["id"]] in {v["id"] for v in exp["variants"]}
    assert client.post(f"{url}/start", headers=h).json()["status"] == "RUNNING"
    assert client.post(f"{url}/start", headers=h).status_code == 409
    r = client.put(f"{url}/results", json=results, headers=h)
    assert r.status_code == 200, r.text
    assert {v["name"]: v["conversions"] for v in r.json()["variants"]} == {"morning": 120, "evening": 200}
    # conversions above exposures: refused, nothing written
    worse = {"variants": {"morning": {"exposures": 10, "conversions": 11}}}
    assert client.put(f"{url}/results", json=worse, headers=h).status_code == 422
    a = client.get(f"{url}/analysis", headers=tenancy.auth("VIEWER"))
    assert a.status_code == 200, a.text
    body = a.json()
    assert {v["variant"]: (v["n"], v["mean"]) for v in body["variants"]} == {"morning": (4000, 0.03),
                                                                               "evening": (4000, 0.05)}
    (cmp,) = body["comparisons"]
    # 3.0 % vs 5.0 % of 4,000 each: difference 0.02; pooled two-proportion z test by hand
    pooled = 320 / 8000
    z = 0.02 / math.sqrt(pooled * (1 - pooled) * (2 / 4000))
    assert cmp["absolute"]["estimate"] == pytest.approx(0.02)
    assert cmp["absolute"]["p_value"] == pytest.approx(2 * norm.sf(z), rel=1e-6)
    assert cmp["relative"]["estimate"] == pytest.approx(0.05 / 0.03 - 1)
    assert client.post(f"{url}/stop", headers=h).json()["status"] == "STOPPED"
    r = client.post(f"{url}/conclude", headers=h)
    assert r.status_code in (200, 409), r.text
    assert client.get(f"/api/v1/workspaces/{tenancy.b}/experiments/{exp['id']}",
                      headers=tenancy.auth("outsider")).status_code == 404


# ----------------------------------------------------------------------------------------------- privacy


def _event(ws: Workspace, user: str, n: int) -> BoostAttributionEvent:
    return BoostAttributionEvent(workspace_id=ws.id, client_event_id=f"e{n}", user_id_hash=person_hash(ws.hash_key, user),
                                 event_type=AttributionEventType.VIEW, touchpoint_type=TouchpointType.ORGANIC,
                                 platform=Platform.FACEBOOK, occurred_at=T0 + timedelta(minutes=n))


def test_erase_one_person_and_opt_out(client, engine, tenancy) -> None:
    with session_scope(engine) as s:
        a, b = s.get(Workspace, tenancy.a), s.get(Workspace, tenancy.b)
        s.add_all([_event(a, "u-1", 1), _event(a, "u-1", 2), _event(a, "u-2", 3), _event(b, "u-1", 4)])
    base = f"/api/v1/workspaces/{tenancy.a}/privacy"
    assert client.post(f"{base}/erasures", json={"user_id": "u-1"}, headers=tenancy.auth("MEMBER")).status_code == 403
    r = client.post(f"{base}/erasures", json={"user_id": "u-1"}, headers=tenancy.auth("ADMIN"))
    assert r.status_code == 200, r.text
    with session_scope(engine) as s:
        a = s.get(Workspace, tenancy.a)
        assert r.json() == {"user_id_hash": person_hash(a.hash_key, "u-1"), "events_deleted": 2}
        left = sorted(s.scalars(sa.select(BoostAttributionEvent.client_event_id)))
    assert left == ["e3", "e4"]  # the other person, and the same id in another workspace (another key)
    assert client.post(f"{base}/erasures", json={"user_id": "u-1"},
                       headers=tenancy.auth("ADMIN")).json()["events_deleted"] == 0
    assert client.post(f"{base}/erasures", json={"user_id": ""}, headers=tenancy.auth("ADMIN")).status_code == 422
    r = client.post(f"{base}/opt-outs", json={"user_id": "u-2"}, headers=tenancy.auth("ADMIN"))
    assert r.status_code == 200 and r.json()["created"] is True
    assert client.post(f"{base}/opt-outs", json={"user_id": "u-2"}, headers=tenancy.auth("OWNER")).json()["created"] is False
    with session_scope(engine) as s:
        rows = list(s.scalars(sa.select(PrivacyOptOut)))
        assert [(o.workspace_id, o.user_id_hash) for o in rows] == [
            (tenancy.a, person_hash(s.get(Workspace, tenancy.a).hash_key, "u-2"))]


# ------------------------------------------------------------------------------------------------ events


def _ev(n: int, user: str, **over) -> dict:
    return {"client_event_id": f"ev-{n}", "event_type": "VIEW", "touchpoint_type": "ORGANIC", "platform": "FACEBOOK",
            "occurred_at": (T0 + timedelta(minutes=n)).isoformat(), "user_id": user} | over


def test_event_batches_idempotent_all_or_nothing_and_opted_out_people_dropped(client, app, engine, tenancy) -> None:
    url = f"/api/v1/workspaces/{tenancy.a}/ingest/events"
    h = tenancy.auth("MEMBER")
    v0 = app.state.cache.key(tenancy.a, "x")
    r = client.post(url, json={"events": [_ev(i, f"u-{i % 3}") for i in range(6)]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 6, "inserted": 6, "duplicates": 0, "opted_out": 0}
    assert app.state.cache.key(tenancy.a, "x") != v0
    # the same ids again plus one new: only the new one is stored
    r = client.post(url, json={"events": [_ev(i, f"u-{i % 3}") for i in range(7)]}, headers=h)
    assert r.json() == {"received": 7, "inserted": 1, "duplicates": 6, "opted_out": 0}
    # one bad event: 422 naming ["events", 1, field], nothing of the batch stored
    r = client.post(url, json={"events": [_ev(100, "u-9"), _ev(101, "u-9", event_type="TELEPATHY")]}, headers=h)
    assert r.status_code == 422 and ["events", 1, "event_type"] in [e["loc"] for e in r.json()["errors"]], r.text
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(BoostAttributionEvent)) == 7
        # stored only as keyed hashes
        hashes = set(s.scalars(sa.select(BoostAttributionEvent.user_id_hash)))
        key = s.get(Workspace, tenancy.a).hash_key
    assert hashes == {person_hash(key, f"u-{i}") for i in range(3)}
    # more than 10,000 in one request is refused by the schema
    assert client.post(url, json={"events": [{}] * 10_001}, headers=h).status_code == 422
    # opt u-1 out: erased on request, and their later events are dropped at ingest
    p = f"/api/v1/workspaces/{tenancy.a}/privacy"
    assert client.post(f"{p}/opt-outs", json={"user_id": "u-1"}, headers=tenancy.auth("ADMIN")).json()["created"]
    assert client.post(f"{p}/erasures", json={"user_id": "u-1"}, headers=tenancy.auth("ADMIN")).json()[
        "events_deleted"] == 2  # ev-1, ev-4
    r = client.post(url, json={"events": [_ev(200, "u-1"), _ev(201, "u-2")]}, headers=h)
    assert r.json() == {"received": 2, "inserted": 1, "duplicates": 0, "opted_out": 1}
    with session_scope(engine) as s:
        ids = set(s.scalars(sa.select(BoostAttributionEvent.client_event_id)))
    assert ids == {"ev-0", "ev-2", "ev-3", "ev-5", "ev-6", "ev-201"}


# ---------------------------------------------------------------------------------- attribution report


def test_attribution_report_every_model_and_top_paths(client, tenancy) -> None:
    h = tenancy.auth("MEMBER")
    # two converting journeys ORGANIC > PAID > conversion, one PAID > conversion, one ORGANIC without conversion
    journeys = {"a": ["ORGANIC", "PAID"], "b": ["ORGANIC", "PAID"], "c": ["PAID"], "d": ["ORGANIC"]}
    events = []
    for n, (user, path) in enumerate(journeys.items()):
        for k, kind in enumerate(path):
            events.append({"client_event_id": f"{user}-{k}", "event_type": "CLICK", "touchpoint_type": kind,
                           "platform": "FACEBOOK", "occurred_at": (T0 + timedelta(hours=n, minutes=k)).isoformat(),
                           "user_id": user})
        if user != "d":
            events.append({"client_event_id": f"{user}-conv", "event_type": "CONVERSION", "touchpoint_type": "UNKNOWN",
                           "platform": "FACEBOOK", "occurred_at": (T0 + timedelta(hours=n, minutes=30)).isoformat(),
                           "user_id": user, "value_cents": 500})
    assert client.post(f"/api/v1/workspaces/{tenancy.a}/ingest/events", json={"events": events},
                       headers=h).status_code == 200
    base = f"/api/v1/workspaces/{tenancy.a}/attribution"
    v = tenancy.auth("VIEWER")
    r = client.get(f"{base}/report", params={"n_boot": 0, "channel": "touchpoint_type"}, headers=v)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert [m["model"] for m in rep["models"]] == ["first_touch", "last_touch", "last_non_unknown", "linear",
                                                   "time_decay", "position_based", "markov", "shapley"]
    assert rep["conversions"] == 3 and rep["value_cents"] == 1500
    by = {m["model"]: {c["channel"]: c["conversions"] for c in m["channels"]} for m in rep["models"]}
    # hand-worked: first touch gives both O>P journeys to ORGANIC; last touch all three to PAID; linear halves
    assert by["first_touch"] == pytest.approx({"ORGANIC": 2.0, "PAID": 1.0})
    assert by["last_touch"].get("ORGANIC", 0.0) == pytest.approx(0.0) and by["last_touch"]["PAID"] == pytest.approx(3.0)
    assert by["linear"] == pytest.approx({"ORGANIC": 1.0, "PAID": 2.0})
    for credits in by.values():  # every model hands out every conversion
        assert sum(credits.values()) == pytest.approx(3.0)
    one = client.get(f"{base}/report", params={"model": "linear", "n_boot": 0}, headers=v).json()
    assert [m["model"] for m in one["models"]] == ["linear"]
    assert client.get(f"{base}/report", params={"model": "astrology"}, headers=v).status_code == 422
    paths = client.get(f"{base}/paths", params={"channel": "touchpoint_type"}, headers=v).json()
    assert (paths[0]["path"], paths[0]["conversions"]) == (["ORGANIC", "PAID"], 2.0)


# ------------------------------------------------------------------------------------- recommendations


def _recommendation(s, ws_id, post_id, confidence, priority, n) -> uuid.UUID:
    from boostloop.enums import RecommendationType
    from boostloop.server.db.models import BoostRecommendation

    row = BoostRecommendation(
        workspace_id=ws_id, suggested_post_id=post_id, recommendation_type=RecommendationType.BOOST_HIGH_PERFORMER,
        confidence=confidence, priority=priority, suggested_budget_cents=5000, suggested_duration_days=3,
        suggested_timing=datetime.now(UTC) + timedelta(hours=2), suggested_targeting={"segment": "25-34"},
        projected_reach=1000, projected_conversions=10, projected_roi=0.5 + n, confidence_interval={},
        reason="strong organic start", supporting_data={}, fingerprint=f"fp{n}",
        expires_at=datetime.now(UTC) + timedelta(days=2))
    s.add(row)
    s.flush()
    return row.id


def test_recommendations_filter_sort_apply_dismiss(client, engine, tenancy) -> None:
    _seed(client, tenancy)
    posts, _ = _ids(engine, tenancy.a)
    with session_scope(engine) as s:
        r1 = _recommendation(s, tenancy.a, posts["p0"], 0.9, 2, 1)
        r2 = _recommendation(s, tenancy.a, posts["p1"], 0.4, 1, 2)
        r3 = _recommendation(s, tenancy.a, posts["p1"], 0.7, 3, 3)
    base = f"/api/v1/workspaces/{tenancy.a}/recommendations"
    v = tenancy.auth("VIEWER")
    got = client.get(base, headers=v).json()
    assert [x["id"] for x in got["items"]] == [str(r2), str(r1), str(r3)] and got["total"] == 3
    got = client.get(base, params={"min_confidence": 0.5, "sort": "confidence"}, headers=v).json()
    assert [x["id"] for x in got["items"]] == [str(r1), str(r3)]
    got = client.get(base, params={"sort": "projected_roi", "descending": "false"}, headers=v).json()
    assert [x["id"] for x in got["items"]] == [str(r1), str(r2), str(r3)]
    # apply: ADMIN only; creates the boost of the recommended post and links it
    assert client.post(f"{base}/{r1}/apply", headers=tenancy.auth("MEMBER")).status_code == 403
    r = client.post(f"{base}/{r1}/apply", headers=tenancy.auth("ADMIN"))
    assert r.status_code == 200, r.text
    applied = r.json()
    assert applied["status"] == "APPLIED" and applied["applied_by_user_id"] == str(tenancy.users["ADMIN"])
    b = client.get(f"/api/v1/workspaces/{tenancy.a}/boosts/{applied['resulting_boost_id']}", headers=v).json()["boost"]
    assert (b["original_post_id"], b["initial_budget_cents"], b["source"], b["boosted_by"]) == (
        str(posts["p0"]), 5000, "RECOMMENDATION", RECOMMENDER)
    assert client.post(f"{base}/{r1}/apply", headers=tenancy.auth("ADMIN")).status_code == 409
    # dismiss (MEMBER); the cached list reflects both changes
    assert client.post(f"{base}/{r2}/dismiss", headers=tenancy.auth("MEMBER")).json()["status"] == "DISMISSED"
    assert client.post(f"{base}/{r2}/apply", headers=tenancy.auth("ADMIN")).status_code == 409
    got = client.get(base, params={"status": "PENDING"}, headers=v).json()
    assert [x["id"] for x in got["items"]] == [str(r3)]
    assert client.post(f"/api/v1/workspaces/{tenancy.b}/recommendations/{r3}/dismiss",
                       headers=tenancy.auth("outsider")).status_code == 404


def test_upload_a_touchpoint_log_stores_hashed_events_once(client, engine, tenancy) -> None:
    url = f"/api/v1/workspaces/{tenancy.a}/ingest/files"
    raw = (SAMPLES / "touchpoints.csv").read_bytes()
    rows = len(raw.decode().strip().splitlines()) - 1
    r = client.post(url, data={"kind": "touchpoints"}, files={"file": ("t.csv", raw, "text/csv")},
                    headers=tenancy.auth("MEMBER"))
    assert r.status_code == 200, r.text
    assert r.json()["events"]["created"] == rows
    r = client.post(url, data={"kind": "touchpoints"}, files={"file": ("t.csv", raw, "text/csv")},
                    headers=tenancy.auth("MEMBER"))
    assert r.json()["events"]["created"] == 0
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(BoostAttributionEvent)) == rows
        key = s.get(Workspace, tenancy.a).hash_key
        assert person_hash(key, "u-7f3a") in set(s.scalars(sa.select(BoostAttributionEvent.user_id_hash)))


def test_event_batch_errors_bad_envelope_and_every_bad_event_together(client, tenancy) -> None:
    url = f"/api/v1/workspaces/{tenancy.a}/ingest/events"
    h = tenancy.auth("MEMBER")
    # not JSON, or not the batch's shape: the body's own 422 (locations start with "body")
    r = client.post(url, content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] == "body", r.text
    r = client.post(url, json={"events": []}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "events"], r.text
    r = client.post(url, json={"events": [_ev(1, "u")], "extra": 1}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "extra"], r.text
    # a field error, a foreign boost and an id repeated with other content are all named in one answer
    r = client.post(url, json={"events": [
        _ev(1, "u", occurred_at="2026-03-02T09:00:00"), _ev(2, "u", boost_id=str(uuid.uuid4())),
        _ev(3, "u"), _ev(3, "u", event_type="CLICK")]}, headers=h)
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["errors"]]
    assert locs == [["events", 0, "occurred_at"], ["events", 1, "boost_id"], ["events", 3, "client_event_id"]]

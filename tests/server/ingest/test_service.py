from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from boostloop.errors import InvalidInput
from boostloop.server.db.models import AdCampaignMetric, OrganicPostMetric, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.ingest import service
from boostloop.server.ingest.service import ingest_batch

from .conftest import table_counts, table_snapshot


def _ws(s, slug="acme") -> Workspace:
    return s.scalars(sa.select(Workspace).where(Workspace.slug == slug)).one()


def batch() -> dict:
    return {
        "accounts": [
            {"platform": "FACEBOOK", "platform_account_id": "1001", "handle": "acme", "followers": 5000}
        ],
        "posts": [
            {
                "platform": "FACEBOOK",
                "platform_account_id": "1001",
                "platform_post_id": "1001_1",
                "content_type": "IMAGE",
                "published_at": "2026-11-01T10:00:00+00:00",
            },
            {
                "platform": "FACEBOOK",
                "platform_account_id": "1001",
                "platform_post_id": "1001_2",
                "content_type": "VIDEO",
                "published_at": "2026-11-02T12:00:00-05:00",
            },
        ],
        "organic_metrics": [
            {
                "platform": "FACEBOOK",
                "platform_account_id": "1001",
                "platform_post_id": "1001_1",
                "captured_at": "2026-11-01T12:00:00Z",
                "impressions": 100,
                "reach": 80,
                "engagements": 9,
            },
            {
                "platform": "FACEBOOK",
                "platform_account_id": "1001",
                "platform_post_id": "1001_1",
                "captured_at": "2026-11-02T12:00:00Z",
                "impressions": 300,
                "reach": 200,
                "engagements": 20,
            },
        ],
        "campaigns": [
            {
                "platform": "FACEBOOK",
                "platform_campaign_id": "c1",
                "name": "Boost: autumn",
                "objective": "ENGAGEMENT",
                "promoted_platform_post_id": "1001_1",
                "started_at": "2026-11-02T00:00:00Z",
                "ended_at": "2026-11-05T00:00:00Z",
            }
        ],
        "campaign_metrics": [
            {
                "platform": "FACEBOOK",
                "platform_campaign_id": "c1",
                "period_start": f"2026-11-0{d}T00:00:00Z",
                "impressions": 1000 * d,
                "reach": 800 * d,
                "clicks": 10 * d,
                "spend_cents": 1234 * d,
            }
            for d in (2, 3, 4)
        ],
    }


def test_batch_upserts_and_reingest_changes_nothing(engine, workspaces):
    with session_scope(engine) as s:
        r = ingest_batch(s, _ws(s), batch())
    assert (r.accounts.created, r.posts.created, r.organic_metrics.created) == (1, 2, 2)
    assert (r.campaigns.created, r.campaign_metrics.created) == (1, 3)
    with engine.connect() as conn:
        spend = conn.execute(sa.select(sa.func.sum(AdCampaignMetric.spend_cents))).scalar_one()
        published = conn.execute(
            sa.text("select published_at from social_posts order by platform_post_id")
        ).all()
    assert spend == 1234 * (2 + 3 + 4)
    before = table_snapshot(engine)
    with session_scope(engine) as s:
        r2 = ingest_batch(s, _ws(s), batch())
    assert r2.changed == 0
    assert (r2.accounts.unchanged, r2.posts.unchanged, r2.organic_metrics.unchanged) == (1, 2, 2)
    assert (r2.campaigns.unchanged, r2.campaign_metrics.unchanged) == (1, 3)
    assert table_snapshot(engine) == before
    assert len(published) == 2


def test_a_changed_value_updates_only_that_row(engine, workspaces):
    with session_scope(engine) as s:
        ingest_batch(s, _ws(s), batch())
    b = batch()
    b["campaign_metrics"][1]["spend_cents"] = 1
    with session_scope(engine) as s:
        r = ingest_batch(s, _ws(s), b)
    assert (r.campaign_metrics.updated, r.campaign_metrics.unchanged, r.campaign_metrics.created) == (1, 2, 0)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.sum(AdCampaignMetric.spend_cents))).scalar_one() == 1234 * 6 + 1


def test_every_bad_row_is_reported_and_nothing_is_written(engine, workspaces):
    b = batch()
    b["posts"][1]["content_type"] = "HOLOGRAM"
    b["organic_metrics"][1]["reach"] = 301  # more people reached than impressions
    b["campaign_metrics"][0]["spend_cents"] = -5
    b["campaign_metrics"][2]["period_start"] = "2026-11-04T00:00:00"  # naive
    b["campaign_metrics"].append({**b["campaign_metrics"][1]})  # duplicate key
    with pytest.raises(InvalidInput) as exc, session_scope(engine) as s:
        ingest_batch(s, _ws(s), b)
    locs = {tuple(e.loc) for e in exc.value.errors}
    assert ("posts", 1, "content_type") in locs
    assert ("organic_metrics", 1, "reach") in locs
    assert ("campaign_metrics", 0, "spend_cents") in locs
    assert ("campaign_metrics", 2, "period_start") in locs
    dup = [e for e in exc.value.errors if tuple(e.loc) == ("campaign_metrics", 3)]
    assert dup and "campaign_metrics/1" in dup[0].msg
    assert all(n == 0 for n in table_counts(engine).values())


def test_unknown_references_are_errors(engine, workspaces):
    b = batch()
    b["accounts"] = []
    b["campaigns"] = []
    with pytest.raises(InvalidInput) as exc, session_scope(engine) as s:
        ingest_batch(s, _ws(s), b)
    locs = [tuple(e.loc) for e in exc.value.errors]
    assert ("posts", 0, "platform_account_id") in locs
    assert ("campaign_metrics", 0, "platform_campaign_id") in locs
    assert exc.value.status == 422


def test_conflicting_values_for_one_entity_in_one_batch(engine, workspaces):
    b = batch()
    b["campaigns"].append({**b["campaigns"][0], "name": "Another name"})
    with pytest.raises(InvalidInput) as exc, session_scope(engine) as s:
        ingest_batch(s, _ws(s), b)
    assert [tuple(e.loc) for e in exc.value.errors] == [("campaigns", 1, "name")]


def test_campaign_window_only_widens(engine, workspaces):
    with session_scope(engine) as s:
        ingest_batch(s, _ws(s), batch())
    narrow = {
        "campaigns": [
            {
                "platform": "FACEBOOK",
                "platform_campaign_id": "c1",
                "started_at": "2026-11-03T00:00:00Z",
                "ended_at": "2026-11-09T00:00:00Z",
            }
        ]
    }
    with session_scope(engine) as s:
        r = ingest_batch(s, _ws(s), narrow)
    assert r.campaigns.updated == 1
    with engine.connect() as conn:
        start, end = conn.execute(sa.text("select started_at, ended_at from ad_campaigns")).one()
    assert str(start).startswith("2026-11-02") and str(end).startswith("2026-11-09")


def test_workspaces_are_separate(engine, workspaces):
    with session_scope(engine) as s:
        ingest_batch(s, _ws(s, "acme"), batch())
    with session_scope(engine) as s:
        r = ingest_batch(s, _ws(s, "other"), batch())
    assert r.campaign_metrics.created == 3 and r.accounts.created == 1
    assert table_counts(engine)["ad_campaign_metrics"] == 6


def test_many_rows_cross_chunks(engine, workspaces, monkeypatch):
    monkeypatch.setattr(service, "CHUNK", 7)
    b = batch()
    b["organic_metrics"] = [
        {
            "platform": "FACEBOOK",
            "platform_account_id": "1001",
            "platform_post_id": "1001_2",
            "captured_at": datetime(2026, 11, 3, h, tzinfo=UTC).isoformat(),
            "impressions": 10 * h,
            "reach": 5 * h,
        }
        for h in range(24)
    ]
    b["organic_metrics"].append(dict(b["organic_metrics"][3]))  # duplicate across chunks
    with pytest.raises(InvalidInput) as exc, session_scope(engine) as s:
        ingest_batch(s, _ws(s), b)
    assert [tuple(e.loc) for e in exc.value.errors] == [("organic_metrics", 24)]
    b["organic_metrics"].pop()
    with session_scope(engine) as s:
        r = ingest_batch(s, _ws(s), b)
    assert r.organic_metrics.created == 24
    with session_scope(engine) as s:
        assert ingest_batch(s, _ws(s), b).organic_metrics.unchanged == 24
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.max(OrganicPostMetric.impressions))).scalar_one() == 230

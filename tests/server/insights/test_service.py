"""Insights service on SQLite and PostgreSQL: input built from the database, storage without duplicates,
listing with filters and the top five first, acknowledgement, tenancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from boostloop.enums import (
    BoostStatus,
    CampaignObjective,
    ContentType,
    InsightCategory,
    InsightSeverity,
    InsightType,
    MetricGranularity,
    Platform,
)
from boostloop.errors import InvalidInput, NotFound
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostCampaign,
    BoostInsight,
    BoostPerformanceSnapshot,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
)
from boostloop.server.db.session import session_scope
from boostloop.server.insights import service
from boostloop.server.insights.schemas import InsightOut
from boostloop.server.workspaces.service import create_workspace
from tests.analytics.insights.synth import EFFECTS, make_world

END = datetime(2026, 4, 1, 12, tzinfo=UTC)
TZ = "America/New_York"


def _boosted_at(weekday: int, hour: int, days_back: int) -> datetime:
    """A UTC time whose New York local weekday and hour are the given ones, about ``days_back`` days "
    "before END."""
    local = (END - timedelta(days=days_back)).astimezone(ZoneInfo(TZ)).replace(hour=hour, minute=5, second=0)
    local += timedelta(days=(weekday - local.weekday()) % 7)
    return local.astimezone(UTC)


def _load_synth(session, slug: str, n: int = 240, seed: int = 8):  # noqa: ANN001, ANN202
    ws = create_workspace(session, name=slug, slug=slug, timezone=TZ)
    accounts = {}
    for p in ("FACEBOOK", "INSTAGRAM", "LINKEDIN"):
        accounts[p] = SocialAccount(
            workspace_id=ws.id, platform=Platform(p), platform_account_id=f"{slug}-{p}"
        )
    session.add_all(accounts.values())
    session.flush()
    world = make_world(seed, EFFECTS, n=n)
    rows, expected = [], {}
    for i, b in enumerate(world.boosts):
        at = _boosted_at(b.weekday, b.hour, days_back=10 + i % 60)
        post = SocialPost(
            id=uuid.uuid4(),
            workspace_id=ws.id,
            account_id=accounts[b.platform].id,
            platform=Platform(b.platform),
            platform_post_id=f"{slug}-{i}",
            content_type=ContentType(b.content_type),
            published_at=at - timedelta(hours=5),
        )
        camp = AdCampaign(
            id=uuid.uuid4(),
            workspace_id=ws.id,
            platform=Platform(b.platform),
            platform_campaign_id=f"{slug}-c{i}",
            objective=CampaignObjective.CONVERSIONS,
        )
        boost = BoostCampaign(
            id=uuid.uuid4(),
            workspace_id=ws.id,
            original_post_id=post.id,
            campaign_id=camp.id,
            platform=Platform(b.platform),
            boosted_at=at,
            boosted_by="tester",
            organic_metrics={},
            targeting_criteria={
                "segment": b.segment,
                "age_min": int(b.age_band.split("-")[0]),
                "age_max": int(b.age_band.split("-")[1]),
                "interests": list(b.interests),
                "locations": list(b.locations),
            },
            initial_budget_cents=b.budget_cents,
            duration_days=2,
            status=BoostStatus.COMPLETED,
            ended_at=at + timedelta(days=2),
        )
        # Two daily rows that add up to the synthetic totals.
        half = [
            (b.spend_cents // 2, b.impressions // 2, b.clicks // 2, b.conversions // 2, b.value_cents // 2)
        ]
        half.append(
            tuple(
                t - h
                for t, h in zip(
                    (b.spend_cents, b.impressions, b.clicks, b.conversions, b.value_cents),
                    half[0],
                    strict=True,
                )
            )
        )
        mets = [
            AdCampaignMetric(
                workspace_id=ws.id,
                campaign_id=camp.id,
                granularity=MetricGranularity.DAY,
                period_start=at + timedelta(days=d),
                spend_cents=s,
                impressions=im,
                clicks=c,
                conversions=cv,
                conversion_value_cents=v,
            )
            for d, (s, im, c, cv, v) in enumerate(half)
        ]
        rows += [post, camp]
        rows.append(boost)
        rows += mets
        expected[str(boost.id)] = b
    session.add_all([r for r in rows if isinstance(r, (SocialPost, AdCampaign))])
    session.flush()
    session.add_all([r for r in rows if isinstance(r, BoostCampaign)])
    session.flush()
    session.add_all([r for r in rows if isinstance(r, AdCampaignMetric)])
    session.flush()
    return ws, expected


def test_build_input_maps_rows_to_outcomes(engine):
    with session_scope(engine) as s:
        ws, expected = _load_synth(s, "acme", n=60)
        data = service.build_input(s, ws.id, period_end=END)
        assert len(data.boosts) == 60
        for out in data.boosts:
            b = expected[out.boost_id]
            assert (out.weekday, out.hour) == (b.weekday, b.hour)
            assert (out.spend_cents, out.impressions, out.clicks, out.conversions, out.value_cents) == (
                b.spend_cents,
                b.impressions,
                b.clicks,
                b.conversions,
                b.value_cents,
            )
            assert (out.platform, out.content_type, out.segment, out.age_band) == (
                b.platform,
                b.content_type,
                b.segment,
                b.age_band,
            )
            assert set(out.interests) == set(b.interests) and out.locations == b.locations
            assert not out.active
        assert data.period_start == END - timedelta(days=90)


def test_generate_store_dedupe_list_and_acknowledge(engine):
    with session_scope(engine) as s:
        ws, _ = _load_synth(s, "acme")
        other, _ = _load_synth(s, "other", n=30, seed=9)
        first = service.generate_and_store(s, ws.id, now=END)
        assert first.summary.created == len(first.report.insights) > 0
        assert first.summary.boosts_analysed == 240
        kinds = {r.insight_type for r in first.created}
        assert InsightType.PATTERN in kinds and InsightType.BEST_PRACTICE in kinds

    with session_scope(engine) as s:
        again = service.generate_and_store(s, ws.id, now=END)
        assert again.summary.created == 0 and again.summary.already_live == first.summary.created

        page, total, top = service.list_insights(s, ws.id)
        assert total == first.summary.created and len(top) == min(5, total)
        rank = {
            InsightSeverity.CRITICAL: 3,
            InsightSeverity.HIGH: 2,
            InsightSeverity.MEDIUM: 1,
            InsightSeverity.LOW: 0,
        }
        keys = [(rank[i.severity], i.impact) for i in page]
        assert keys == sorted(keys, reverse=True)
        assert top == page[:5]

        timing, n_timing, _ = service.list_insights(s, ws.id, category=InsightCategory.TIMING)
        assert n_timing == len(timing) > 0 and all(i.category is InsightCategory.TIMING for i in timing)
        high, _, _ = service.list_insights(s, ws.id, severity=InsightSeverity.HIGH)
        assert all(i.severity is InsightSeverity.HIGH for i in high)
        assert service.list_insights(s, other.id)[1] == 0

        out = [InsightOut.model_validate(i) for i in page]
        assert [o.id for o in out] == [i.id for i in page]
        pattern = next(
            o
            for o in out
            if o.insight_type is InsightType.PATTERN and o.category is not InsightCategory.BUDGET
        )
        assert pattern.data_points["evidence"]["p_adjusted"] <= 0.05 and pattern.visualization["rows"]
        assert pattern.suggested_actions and pattern.period_end == END

        target = page[0]
        at = END + timedelta(hours=1)
        acked = service.acknowledge(s, ws.id, target.id, by="maria", at=at)
        assert (acked.acknowledged, acked.acknowledged_by, acked.acknowledged_at) == (True, "maria", at)
        # Idempotent: the first who and when stay.
        service.acknowledge(s, ws.id, target.id, by="li", at=at + timedelta(hours=2))
        assert (target.acknowledged_by, target.acknowledged_at) == ("maria", at)
        with pytest.raises(NotFound):
            service.acknowledge(s, other.id, target.id, by="mallory")
        with pytest.raises(NotFound):
            service.acknowledge(s, ws.id, uuid.uuid4(), by="maria")
        with pytest.raises(InvalidInput):
            service.acknowledge(s, ws.id, target.id, by="")
        unacked, n_unacked, _ = service.list_insights(s, ws.id, acknowledged=False)
        assert n_unacked == total - 1 and target.id not in {i.id for i in unacked}

    with session_scope(engine) as s:
        # The acknowledged one is no longer live, so the same finding is stored again; the rest are not.
        third = service.generate_and_store(s, ws.id, now=END)
        assert third.summary.created == 1
        assert third.created[0].fingerprint == target.fingerprint
        assert s.query(BoostInsight).filter_by(workspace_id=ws.id).count() == total + 1


def test_organic_engagement_over_last_seven_days_and_snapshot_history(engine):
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Org", slug="org", timezone="UTC")
        acc = SocialAccount(workspace_id=ws.id, platform=Platform.INSTAGRAM, platform_account_id="ig")
        s.add(acc)
        s.flush()
        posts = [
            SocialPost(
                workspace_id=ws.id,
                account_id=acc.id,
                platform=Platform.INSTAGRAM,
                platform_post_id=f"p{i}",
                content_type=ContentType.REEL,
                published_at=END - timedelta(days=20),
            )
            for i in range(3)
        ]
        s.add_all(posts)
        s.flush()
        caps = [
            (posts[0], END - timedelta(days=9), 100, 1000),
            (posts[0], END - timedelta(days=2), 400, 5000),
            (posts[1], END - timedelta(days=1), 50, 800),  # first capture inside the window: from 0
            (posts[2], END - timedelta(days=10), 70, 900),  # no capture in the last 7 days: not listed
        ]
        s.add_all(
            [
                OrganicPostMetric(
                    workspace_id=ws.id, post_id=p.id, captured_at=t, engagements=e, impressions=i
                )
                for p, t, e, i in caps
            ]
        )
        boost = BoostCampaign(
            workspace_id=ws.id,
            original_post_id=posts[1].id,
            platform=Platform.INSTAGRAM,
            boosted_at=END - timedelta(days=3),
            boosted_by="t",
            organic_metrics={},
            initial_budget_cents=10_000,
            duration_days=7,
            status=BoostStatus.ACTIVE,
        )
        s.add(boost)
        s.flush()
        s.add_all(
            [
                BoostPerformanceSnapshot(
                    workspace_id=ws.id,
                    boost_campaign_id=boost.id,
                    snapshot_at=boost.boosted_at + timedelta(hours=h),
                    days_since_boosted=h // 24,
                    paid_spend_cents=100 * h,
                    paid_impressions=1000 * h,
                    paid_clicks=10 * h,
                    paid_conversions=h // 6,
                )
                for h in (6, 12, 60)
            ]
        )
        s.flush()
        data = service.build_input(s, ws.id, period_end=END)
        org = {p.post_id: p for p in data.organic_posts}
        assert set(org) == {str(posts[0].id), str(posts[1].id)}
        assert (org[str(posts[0].id)].engagements_7d, org[str(posts[0].id)].impressions_7d) == (300, 4000)
        assert org[str(posts[1].id)].engagements_7d == 50 and org[str(posts[1].id)].boosted
        assert not org[str(posts[0].id)].boosted
        (b,) = data.boosts
        # No campaign rows: the outcome is the latest snapshot (+60 h = END - 12 h). Recent spend: 6000
        # minus the
        # spend at the last snapshot at or before END - 24 h (+12 h: 1200).
        assert (b.spend_cents, b.impressions, b.conversions, b.active) == (6000, 60_000, 10, True)
        assert b.recent_spend_cents == 4800 and b.content_type == "REEL"
        assert [round(p.hours_since_start) for p in data.snapshots] == [6, 12, 60]


def test_build_input_errors(engine):
    with session_scope(engine) as s:
        with pytest.raises(NotFound):
            service.build_input(s, uuid.uuid4(), period_end=END)
        ws = create_workspace(s, name="E", slug="e")
        with pytest.raises(InvalidInput) as err:
            service.build_input(s, ws.id, period_end=END, period_days=0)
        assert err.value.errors[0].loc == ("period_days",)
        empty = service.generate_and_store(s, ws.id, now=END)
        assert empty.summary.created == 0 and empty.summary.tests == 0

"""Snapshots, events and training rows go with their boost; everything goes with its workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from boostloop.enums import (
    AttributionEventType,
    CampaignObjective,
    ContentType,
    Platform,
    TouchpointType,
)
from boostloop.server.db.models import (
    AdCampaign,
    BoostAttributionEvent,
    BoostCampaign,
    BoostMlTrainingData,
    BoostPerformanceSnapshot,
    SocialAccount,
    SocialPost,
)
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import create_workspace

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _world(session):
    ws = create_workspace(session, name="Acme", slug="acme")
    account = SocialAccount(workspace_id=ws.id, platform=Platform.FACEBOOK, platform_account_id="p1", handle="acme")
    session.add(account)
    session.flush()
    post = SocialPost(
        workspace_id=ws.id, account_id=account.id, platform=Platform.FACEBOOK, platform_post_id="p1_1",
        content_type=ContentType.VIDEO, published_at=T0 - timedelta(days=1),
    )
    campaign = AdCampaign(
        workspace_id=ws.id, platform=Platform.FACEBOOK, platform_campaign_id="c1", name="Boost p1_1",
        objective=CampaignObjective.CONVERSIONS,
    )
    session.add_all([post, campaign])
    session.flush()
    boost = BoostCampaign(
        workspace_id=ws.id, original_post_id=post.id, campaign_id=campaign.id, platform=Platform.FACEBOOK,
        boosted_at=T0, boosted_by="tester", organic_metrics={"impressions": 100}, initial_budget_cents=5000,
        duration_days=7,
    )
    session.add(boost)
    session.flush()
    session.add_all([
        BoostPerformanceSnapshot(
            workspace_id=ws.id, boost_campaign_id=boost.id, snapshot_at=T0 + timedelta(hours=1), days_since_boosted=0
        ),
        BoostAttributionEvent(
            workspace_id=ws.id, boost_campaign_id=boost.id, client_event_id="e1", event_type=AttributionEventType.VIEW,
            touchpoint_type=TouchpointType.PAID, platform=Platform.FACEBOOK, occurred_at=T0 + timedelta(minutes=5),
        ),
        BoostMlTrainingData(
            workspace_id=ws.id, boost_campaign_id=boost.id, features={}, labels={}, data_quality_score=0.5,
            aggregated_at=T0,
        ),
    ])
    return ws, post, campaign, boost


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_deleting_a_boost_deletes_its_snapshots_events_and_training_rows(engine) -> None:
    with session_scope(engine) as s:
        _, post, campaign, boost = _world(s)
        boost_id = boost.id
    with session_scope(engine) as s:
        s.execute(sa.delete(BoostCampaign).where(BoostCampaign.id == boost_id))
    with session_scope(engine) as s:
        for model in (BoostPerformanceSnapshot, BoostAttributionEvent, BoostMlTrainingData):
            assert _count(s, model) == 0, model.__name__
        # The post and the campaign outlive the boost.
        assert _count(s, SocialPost) == 1
        assert _count(s, AdCampaign) == 1


def test_deleting_a_post_keeps_its_boost_but_unlinks_it(engine) -> None:
    with session_scope(engine) as s:
        _, post, _, boost = _world(s)
        post_id, boost_id = post.id, boost.id
    with session_scope(engine) as s:
        s.execute(sa.delete(SocialPost).where(SocialPost.id == post_id))
    with session_scope(engine) as s:
        assert s.get(BoostCampaign, boost_id).original_post_id is None
        assert _count(s, BoostPerformanceSnapshot) == 1


def test_deleting_a_workspace_deletes_everything_in_it(engine) -> None:
    from boostloop.server.db.models import Base, Workspace

    with session_scope(engine) as s:
        ws, *_ = _world(s)
        ws_id = ws.id
    with session_scope(engine) as s:
        s.execute(sa.delete(Workspace).where(Workspace.id == ws_id))
    with session_scope(engine) as s:
        for table in Base.metadata.sorted_tables:
            if "workspace_id" in table.c:
                assert s.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table.name


def test_timestamps_come_back_aware_utc_and_naive_ones_are_refused(engine) -> None:
    with session_scope(engine) as s:
        _, _, _, boost = _world(s)
        boost_id = boost.id
    with session_scope(engine) as s:
        got = s.get(BoostCampaign, boost_id)
        assert got.boosted_at == T0 and got.boosted_at.tzinfo is not None
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), session_scope(engine) as s:
        s.get(BoostCampaign, boost_id).boosted_at = datetime(2026, 1, 1)

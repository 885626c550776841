"""Every query of the learning domain, always filtered by workspace."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import BoostStatus, RecommendationStatus
from boostloop.server.db.models import (
    AdCampaignMetric,
    BoostCampaign,
    BoostMlTrainingData,
    BoostPerformanceSnapshot,
    BoostRecommendation,
    OrganicPostMetric,
    SocialPost,
    TrainedModel,
    Workspace,
)

FINISHED = (BoostStatus.COMPLETED, BoostStatus.CANCELLED)


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def boosts(session: Session, workspace_id: uuid.UUID) -> list[BoostCampaign]:
    return list(
        session.scalars(
            sa.select(BoostCampaign).where(BoostCampaign.workspace_id == workspace_id).order_by(BoostCampaign.boosted_at)
        )
    )


def posts_by_id(session: Session, workspace_id: uuid.UUID, ids: set[uuid.UUID] | None = None) -> dict[uuid.UUID, SocialPost]:
    q = sa.select(SocialPost).where(SocialPost.workspace_id == workspace_id)
    if ids is not None:
        if not ids:
            return {}
        q = q.where(SocialPost.id.in_(ids))
    return {p.id: p for p in session.scalars(q)}


def organic_series(session: Session, workspace_id: uuid.UUID, post_ids: set[uuid.UUID]) -> dict[uuid.UUID, list]:
    """post id -> [(captured_at, impressions, engagements, reach, total_reach)] in time order."""
    out: dict[uuid.UUID, list] = defaultdict(list)
    ids = list(post_ids)
    for i in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(
                OrganicPostMetric.post_id,
                OrganicPostMetric.captured_at,
                OrganicPostMetric.impressions,
                OrganicPostMetric.engagements,
                OrganicPostMetric.reach,
                OrganicPostMetric.total_reach,
            )
            .where(OrganicPostMetric.workspace_id == workspace_id, OrganicPostMetric.post_id.in_(ids[i : i + 500]))
            .order_by(OrganicPostMetric.post_id, OrganicPostMetric.captured_at)
        )
        for r in rows:
            out[r.post_id].append((r.captured_at, r.impressions, r.engagements, r.reach, r.total_reach))
    return out


def latest_engagements(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, float]:
    """post id -> organic engagements at its latest capture."""
    last = (
        sa.select(OrganicPostMetric.post_id, sa.func.max(OrganicPostMetric.captured_at).label("at"))
        .where(OrganicPostMetric.workspace_id == workspace_id)
        .group_by(OrganicPostMetric.post_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(OrganicPostMetric.post_id, OrganicPostMetric.impressions, OrganicPostMetric.engagements).join(
            last, sa.and_(last.c.post_id == OrganicPostMetric.post_id, last.c.at == OrganicPostMetric.captured_at)
        ).where(OrganicPostMetric.workspace_id == workspace_id)
    )
    return {r.post_id: float(r.engagements) for r in rows}


def campaign_totals(session: Session, workspace_id: uuid.UUID, campaign_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """campaign id -> summed delivery (impressions, clicks, conversions, value, spend) of its metric rows."""
    if not campaign_ids:
        return {}
    out = {}
    ids = list(campaign_ids)
    for i in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(
                AdCampaignMetric.campaign_id,
                sa.func.sum(AdCampaignMetric.impressions),
                sa.func.sum(AdCampaignMetric.clicks),
                sa.func.sum(AdCampaignMetric.conversions),
                sa.func.sum(AdCampaignMetric.conversion_value_cents),
                sa.func.sum(AdCampaignMetric.spend_cents),
            )
            .where(AdCampaignMetric.workspace_id == workspace_id, AdCampaignMetric.campaign_id.in_(ids[i : i + 500]))
            .group_by(AdCampaignMetric.campaign_id)
        )
        for cid, imp, clk, conv, val, spend in rows:
            out[cid] = {"impressions": int(imp or 0), "clicks": int(clk or 0), "conversions": int(conv or 0),
                        "value_cents": int(val or 0), "spend_cents": int(spend or 0)}
    return out


def latest_snapshots(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, BoostPerformanceSnapshot]:
    last = (
        sa.select(BoostPerformanceSnapshot.boost_campaign_id, sa.func.max(BoostPerformanceSnapshot.snapshot_at).label("at"))
        .where(BoostPerformanceSnapshot.workspace_id == workspace_id)
        .group_by(BoostPerformanceSnapshot.boost_campaign_id)
        .subquery()
    )
    q = sa.select(BoostPerformanceSnapshot).join(
        last,
        sa.and_(
            last.c.boost_campaign_id == BoostPerformanceSnapshot.boost_campaign_id,
            last.c.at == BoostPerformanceSnapshot.snapshot_at,
        ),
    ).where(BoostPerformanceSnapshot.workspace_id == workspace_id)
    return {s.boost_campaign_id: s for s in session.scalars(q)}


def training_rows(session: Session, workspace_id: uuid.UUID, *, ready_only: bool = False) -> list[tuple]:
    """(training row, boost boosted_at) pairs in boost start order."""
    q = (
        sa.select(BoostMlTrainingData, BoostCampaign.boosted_at)
        .join(BoostCampaign, BoostCampaign.id == BoostMlTrainingData.boost_campaign_id)
        .where(BoostMlTrainingData.workspace_id == workspace_id)
        .order_by(BoostCampaign.boosted_at, BoostCampaign.id)
    )
    if ready_only:
        q = q.where(BoostMlTrainingData.is_training_ready.is_(True))
    return [tuple(r) for r in session.execute(q)]


def training_rows_by_boost(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, BoostMlTrainingData]:
    q = sa.select(BoostMlTrainingData).where(BoostMlTrainingData.workspace_id == workspace_id)
    return {r.boost_campaign_id: r for r in session.scalars(q)}


def latest_model(session: Session, workspace_id: uuid.UUID) -> TrainedModel | None:
    return session.scalars(
        sa.select(TrainedModel).where(TrainedModel.workspace_id == workspace_id).order_by(TrainedModel.version.desc()).limit(1)
    ).first()


def next_model_version(session: Session, workspace_id: uuid.UUID) -> int:
    v = session.scalar(sa.select(sa.func.max(TrainedModel.version)).where(TrainedModel.workspace_id == workspace_id))
    return int(v or 0) + 1


def recent_unboosted_posts(session: Session, workspace_id: uuid.UUID, since: datetime, until: datetime) -> list[SocialPost]:
    boosted = sa.select(BoostCampaign.original_post_id).where(
        BoostCampaign.workspace_id == workspace_id, BoostCampaign.original_post_id.is_not(None)
    )
    q = (
        sa.select(SocialPost)
        .where(
            SocialPost.workspace_id == workspace_id,
            SocialPost.published_at >= since,
            SocialPost.published_at <= until,
            SocialPost.is_ads_eligible.is_(True),
            SocialPost.id.not_in(boosted),
        )
        .order_by(SocialPost.published_at)
    )
    return list(session.scalars(q))


def active_boosts(session: Session, workspace_id: uuid.UUID, now: datetime) -> list[BoostCampaign]:
    q = sa.select(BoostCampaign).where(
        BoostCampaign.workspace_id == workspace_id,
        BoostCampaign.status == BoostStatus.ACTIVE,
        BoostCampaign.boosted_at <= now,
    )
    return list(session.scalars(q))


def live_fingerprints(session: Session, workspace_id: uuid.UUID, now: datetime) -> set[str]:
    q = sa.select(BoostRecommendation.fingerprint).where(
        BoostRecommendation.workspace_id == workspace_id,
        BoostRecommendation.status == RecommendationStatus.PENDING,
        BoostRecommendation.expires_at > now,
    )
    return set(session.scalars(q))


def expire_recommendations(session: Session, workspace_id: uuid.UUID, now: datetime) -> int:
    res = session.execute(
        sa.update(BoostRecommendation)
        .where(
            BoostRecommendation.workspace_id == workspace_id,
            BoostRecommendation.status == RecommendationStatus.PENDING,
            BoostRecommendation.expires_at <= now,
        )
        .values(status=RecommendationStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(res.rowcount or 0)


def recommendation(session: Session, workspace_id: uuid.UUID, rec_id: uuid.UUID) -> BoostRecommendation | None:
    rec = session.get(BoostRecommendation, rec_id)
    return rec if rec is not None and rec.workspace_id == workspace_id else None


def recommendations(session: Session, workspace_id: uuid.UUID, status: RecommendationStatus | None = None) -> list[BoostRecommendation]:
    q = sa.select(BoostRecommendation).where(BoostRecommendation.workspace_id == workspace_id)
    if status is not None:
        q = q.where(BoostRecommendation.status == status)
    return list(session.scalars(q.order_by(BoostRecommendation.priority, BoostRecommendation.created_at)))


def recommendation_page(session: Session, workspace_id: uuid.UUID, *, status: RecommendationStatus | None,
                        min_confidence: float, sort: str, descending: bool,
                        limit: int) -> tuple[list[BoostRecommendation], int]:
    """The first ``limit`` recommendations with ``confidence >= min_confidence`` (and ``status``), ordered by
    the column ``sort`` then id ascending (a total, stable order), and how many match: filtered, sorted and
    cut in SQL (the workspace's history of expired and dismissed ones grows with every daily run)."""
    r = BoostRecommendation
    where = [r.workspace_id == workspace_id, r.confidence >= min_confidence]
    if status is not None:
        where.append(r.status == status)
    col = getattr(r, sort)
    q = sa.select(r).where(*where).order_by(col.desc() if descending else col.asc(), r.id.asc()).limit(limit)
    total = session.scalar(sa.select(sa.func.count()).select_from(r).where(*where)) or 0
    return list(session.scalars(q)), int(total)


def applied_recommendations(session: Session, workspace_id: uuid.UUID) -> list[BoostRecommendation]:
    return recommendations(session, workspace_id, RecommendationStatus.APPLIED)

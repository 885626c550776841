"""Every query of the insights domain; each one filtered by workspace."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import InsightCategory, InsightSeverity
from boostloop.server.db.models import (
    AdCampaignMetric,
    BoostCampaign,
    BoostInsight,
    BoostPerformanceSnapshot,
    OrganicPostMetric,
    SocialPost,
    Workspace,
)

# Highest first: CRITICAL 3 .. LOW 0 (the order the dashboard leads with).
SEVERITY_ORDER = sa.case(
    {
        InsightSeverity.CRITICAL.value: 3,
        InsightSeverity.HIGH.value: 2,
        InsightSeverity.MEDIUM.value: 1,
        InsightSeverity.LOW.value: 0,
    },
    value=sa.cast(BoostInsight.severity, sa.String),
    else_=0,
)


def get_workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def boosts_started_between(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[BoostCampaign, SocialPost | None]]:
    q = (
        sa.select(BoostCampaign, SocialPost)
        .outerjoin(
            SocialPost,
            sa.and_(SocialPost.id == BoostCampaign.original_post_id, SocialPost.workspace_id == workspace_id),
        )
        .where(
            BoostCampaign.workspace_id == workspace_id,
            BoostCampaign.boosted_at >= start,
            BoostCampaign.boosted_at <= end,
        )
        .order_by(BoostCampaign.boosted_at, BoostCampaign.id)
    )
    return [(b, p) for b, p in session.execute(q).all()]


def campaign_metrics(
    session: Session, workspace_id: uuid.UUID, campaign_ids: Sequence[uuid.UUID], end: datetime
) -> list[AdCampaignMetric]:
    """Delivery rows of the campaigns up to ``end``, oldest first (hour and day rows are both returned;
    the service uses one granularity per campaign)."""
    out: list[AdCampaignMetric] = []
    ids = list(campaign_ids)
    for i in range(0, len(ids), 500):  # keep IN lists short for SQLite's parameter limit
        q = (
            sa.select(AdCampaignMetric)
            .where(
                AdCampaignMetric.workspace_id == workspace_id,
                AdCampaignMetric.campaign_id.in_(ids[i : i + 500]),
                AdCampaignMetric.period_start < end,
            )
            .order_by(AdCampaignMetric.campaign_id, AdCampaignMetric.period_start)
        )
        out.extend(session.scalars(q).all())
    return out


def snapshots(
    session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID], end: datetime
) -> list[BoostPerformanceSnapshot]:
    out: list[BoostPerformanceSnapshot] = []
    ids = list(boost_ids)
    for i in range(0, len(ids), 500):
        q = (
            sa.select(BoostPerformanceSnapshot)
            .where(
                BoostPerformanceSnapshot.workspace_id == workspace_id,
                BoostPerformanceSnapshot.boost_campaign_id.in_(ids[i : i + 500]),
                BoostPerformanceSnapshot.snapshot_at <= end,
            )
            .order_by(BoostPerformanceSnapshot.boost_campaign_id, BoostPerformanceSnapshot.snapshot_at)
        )
        out.extend(session.scalars(q).all())
    return out


def _latest_capture(workspace_id: uuid.UUID, at: datetime):  # noqa: ANN202 - a subquery
    return (
        sa.select(OrganicPostMetric.post_id, sa.func.max(OrganicPostMetric.captured_at).label("captured_at"))
        .where(OrganicPostMetric.workspace_id == workspace_id, OrganicPostMetric.captured_at <= at)
        .group_by(OrganicPostMetric.post_id)
        .subquery()
    )


def organic_totals_at(
    session: Session, workspace_id: uuid.UUID, at: datetime, post_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    """Each post's lifetime (engagements, impressions) as of its latest capture at or before ``at``."""
    latest = _latest_capture(workspace_id, at)
    q = (
        sa.select(OrganicPostMetric.post_id, OrganicPostMetric.engagements, OrganicPostMetric.impressions)
        .join(
            latest,
            sa.and_(
                latest.c.post_id == OrganicPostMetric.post_id,
                latest.c.captured_at == OrganicPostMetric.captured_at,
            ),
        )
        .where(OrganicPostMetric.workspace_id == workspace_id)
    )
    rows = session.execute(q).all()
    wanted = set(post_ids) if post_ids is not None else None
    return {
        r.post_id: (int(r.engagements), int(r.impressions))
        for r in rows
        if wanted is None or r.post_id in wanted
    }


def posts_captured_between(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime
) -> list[SocialPost]:
    """Posts with an organic capture in (start, end]: the ones with organic activity in that window."""
    sub = (
        sa.select(OrganicPostMetric.post_id)
        .where(
            OrganicPostMetric.workspace_id == workspace_id,
            OrganicPostMetric.captured_at > start,
            OrganicPostMetric.captured_at <= end,
        )
        .distinct()
    )
    q = (
        sa.select(SocialPost)
        .where(SocialPost.workspace_id == workspace_id, SocialPost.id.in_(sub))
        .order_by(SocialPost.published_at, SocialPost.id)
    )
    return list(session.scalars(q).all())


def boosted_post_ids(session: Session, workspace_id: uuid.UUID) -> set[uuid.UUID]:
    q = (
        sa.select(BoostCampaign.original_post_id)
        .where(BoostCampaign.workspace_id == workspace_id, BoostCampaign.original_post_id.is_not(None))
        .distinct()
    )
    return set(session.scalars(q).all())


def live_fingerprints(session: Session, workspace_id: uuid.UUID, fingerprints: Iterable[str]) -> set[str]:
    fps = list(set(fingerprints))
    found: set[str] = set()
    for i in range(0, len(fps), 500):
        q = sa.select(BoostInsight.fingerprint).where(
            BoostInsight.workspace_id == workspace_id,
            BoostInsight.acknowledged.is_(False),
            BoostInsight.fingerprint.in_(fps[i : i + 500]),
        )
        found.update(session.scalars(q).all())
    return found


def add_insights(session: Session, rows: list[BoostInsight]) -> None:
    session.add_all(rows)
    session.flush()


def list_insights(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    category: InsightCategory | None = None,
    severity: InsightSeverity | None = None,
    acknowledged: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[BoostInsight], int]:
    """Matching insights, highest severity first, then highest impact, then newest; and their total count."""
    where = [BoostInsight.workspace_id == workspace_id]
    if category is not None:
        where.append(BoostInsight.category == category)
    if severity is not None:
        where.append(BoostInsight.severity == severity)
    if acknowledged is not None:
        where.append(BoostInsight.acknowledged.is_(acknowledged))
    total = session.scalar(sa.select(sa.func.count()).select_from(BoostInsight).where(*where)) or 0
    q = (
        sa.select(BoostInsight)
        .where(*where)
        .order_by(
            SEVERITY_ORDER.desc(), BoostInsight.impact.desc(), BoostInsight.created_at.desc(), BoostInsight.id
        )
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(q).all()), int(total)


def get_insight(session: Session, workspace_id: uuid.UUID, insight_id: uuid.UUID) -> BoostInsight | None:
    return session.scalar(
        sa.select(BoostInsight).where(
            BoostInsight.workspace_id == workspace_id, BoostInsight.id == insight_id
        )
    )

"""Every query of the ingest service, each filtered by workspace (DESIGN.md, Tenancy)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import MetricGranularity, Platform
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
    Workspace,
)

ORGANIC_VALUE_COLUMNS = (
    "impressions",
    "reach",
    "engagements",
    "likes",
    "comments",
    "shares",
    "clicks",
    "video_views",
    "total_reach",
)
CAMPAIGN_VALUE_COLUMNS = (
    "impressions",
    "reach",
    "clicks",
    "conversions",
    "conversion_value_cents",
    "spend_cents",
)


def workspace_by_slug(session: Session, slug: str) -> Workspace | None:
    return session.scalars(sa.select(Workspace).where(Workspace.slug == slug)).one_or_none()


def account_by_key(session: Session, workspace_id: uuid.UUID, platform: Platform, platform_account_id: str):
    return session.scalars(
        sa.select(SocialAccount).where(
            SocialAccount.workspace_id == workspace_id,
            SocialAccount.platform == platform,
            SocialAccount.platform_account_id == platform_account_id,
        )
    ).one_or_none()


def post_by_key(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, platform_post_id: str):
    return session.scalars(
        sa.select(SocialPost).where(
            SocialPost.workspace_id == workspace_id,
            SocialPost.account_id == account_id,
            SocialPost.platform_post_id == platform_post_id,
        )
    ).one_or_none()


def campaign_by_key(session: Session, workspace_id: uuid.UUID, platform: Platform, platform_campaign_id: str):
    return session.scalars(
        sa.select(AdCampaign).where(
            AdCampaign.workspace_id == workspace_id,
            AdCampaign.platform == platform,
            AdCampaign.platform_campaign_id == platform_campaign_id,
        )
    ).one_or_none()


def organic_metrics_for(
    session: Session, workspace_id: uuid.UUID, post_ids: Iterable[uuid.UUID], lo: datetime, hi: datetime
) -> dict[tuple[uuid.UUID, datetime], dict[str, Any]]:
    """Stored organic metrics of ``post_ids`` captured in [lo, hi], by (post_id, captured_at)."""

    t = OrganicPostMetric.__table__
    rows = session.execute(
        sa.select(t.c.id, t.c.post_id, t.c.captured_at, *[t.c[c] for c in ORGANIC_VALUE_COLUMNS]).where(
            t.c.workspace_id == workspace_id,
            t.c.post_id.in_(sorted(set(post_ids))),
            t.c.captured_at >= lo,
            t.c.captured_at <= hi,
        )
    ).mappings()
    return {(r["post_id"], r["captured_at"]): dict(r) for r in rows}


def campaign_metrics_for(
    session: Session,
    workspace_id: uuid.UUID,
    campaign_ids: Iterable[uuid.UUID],
    granularities: Iterable[MetricGranularity],
    lo: datetime,
    hi: datetime,
) -> dict[tuple[uuid.UUID, MetricGranularity, datetime], dict[str, Any]]:
    """Stored campaign metrics of ``campaign_ids`` with period_start in [lo, hi], by natural key."""

    t = AdCampaignMetric.__table__
    rows = session.execute(
        sa.select(
            t.c.id,
            t.c.campaign_id,
            t.c.granularity,
            t.c.period_start,
            *[t.c[c] for c in CAMPAIGN_VALUE_COLUMNS],
        ).where(
            t.c.workspace_id == workspace_id,
            t.c.campaign_id.in_(sorted(set(campaign_ids))),
            t.c.granularity.in_(sorted(set(granularities))),
            t.c.period_start >= lo,
            t.c.period_start <= hi,
        )
    ).mappings()
    return {(r["campaign_id"], MetricGranularity(r["granularity"]), r["period_start"]): dict(r) for r in rows}


def insert_rows(session: Session, model: type, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(model.__table__), list(rows))


def update_rows(
    session: Session, model: type, workspace_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    """Update by primary key; each dict holds ``id`` and the columns to set."""

    if not rows:
        return
    t = model.__table__
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, group in by_columns.items():
        stmt = (
            sa.update(t)
            .where(t.c.id == sa.bindparam("_id"), t.c.workspace_id == sa.bindparam("_ws"))
            .values({c: sa.bindparam(c) for c in columns})
        )
        session.execute(
            stmt, [{**{c: r[c] for c in columns}, "_id": r["id"], "_ws": workspace_id} for r in group]
        )

"""Every query of the effectiveness use cases, each filtered by workspace. A whole workspace's inputs are
read in a handful of statements (posts, organic captures, boosts, conversions by post, paid delivery by
boost), not one query per boost."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import AttributionEventType, ContentType, Platform, TouchpointType
from boostloop.server.boosts import snapshot_repository as snaps
from boostloop.server.db.models import (
    BoostAttributionEvent,
    BoostCampaign,
    BoostPerformanceSnapshot,
    OrganicPostMetric,
    SocialPost,
    Workspace,
)
from boostloop.server.db.types import UTCDateTime
from boostloop.server.retention import repository as retention_repo


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def boosts(session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID] | None = None) -> list[BoostCampaign]:
    q = sa.select(BoostCampaign).where(BoostCampaign.workspace_id == workspace_id)
    if boost_ids is not None:
        q = q.where(BoostCampaign.id.in_(list(boost_ids)))
    return list(session.scalars(q.order_by(BoostCampaign.boosted_at, BoostCampaign.id)))


@dataclass(frozen=True)
class PostRow:
    id: uuid.UUID
    platform: Platform
    content_type: ContentType
    published_at: datetime


def posts(session: Session, workspace_id: uuid.UUID, platforms: Sequence[Platform]) -> list[PostRow]:
    p = SocialPost
    q = sa.select(p.id, p.platform, p.content_type, p.published_at).where(
        p.workspace_id == workspace_id, p.platform.in_(list(platforms)))
    return [PostRow(r[0], Platform(r[1]), ContentType(r[2]), r[3]) for r in session.execute(q)]


def organic_captures(session: Session, workspace_id: uuid.UUID, platforms: Sequence[Platform]) -> list[tuple]:
    """``(post_id, captured_at, reach, impressions, engagements, total_reach)`` of the platforms' posts."""
    m = OrganicPostMetric
    q = (
        sa.select(m.post_id, m.captured_at, m.reach, m.impressions, m.engagements, m.total_reach)
        .join(SocialPost, SocialPost.id == m.post_id)
        .where(m.workspace_id == workspace_id, SocialPost.workspace_id == workspace_id,
               SocialPost.platform.in_(list(platforms)))
    )
    return [tuple(r) for r in session.execute(q)]


@dataclass(frozen=True)
class Conversions:
    total: int
    organic: int
    value_cents: int


def conversions_by_post(
    session: Session, workspace_id: uuid.UUID, targets: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
) -> dict[uuid.UUID, Conversions]:
    """For each ``(boost, post, until)``: the post's conversion events up to ``until`` (all, those on an
    ORGANIC touchpoint, and their value). Every conversion of the post counts, before the boost too: the
    counterfactual conversions scale the post's lifetime organic conversions by its lifetime reach."""
    out: dict[uuid.UUID, Conversions] = {}
    e = BoostAttributionEvent
    for part in snaps.chunks(list(targets)):
        t = snaps.values_table("t", [("boost_id", sa.Uuid()), ("post_id", sa.Uuid()), ("until", UTCDateTime())], part)
        q = (
            sa.select(
                t.c.boost_id, sa.func.count(),
                sa.func.sum(sa.case((e.touchpoint_type == TouchpointType.ORGANIC, 1), else_=0)),
                sa.func.coalesce(sa.func.sum(e.event_value_cents), 0),
            )
            .join(e, sa.and_(e.post_id == t.c.post_id, e.occurred_at <= t.c.until))
            .where(e.workspace_id == workspace_id, e.event_type == AttributionEventType.CONVERSION)
            .group_by(t.c.boost_id)
        )
        for r in session.execute(q):
            out[r[0]] = Conversions(int(r[1]), int(r[2] or 0), int(r[3] or 0))
    # Conversions older than the workspace's retention live on as daily aggregates (server/retention).
    for boost_id, (total, organic, value) in retention_repo.archived_conversions_by_post(
        session, workspace_id, targets
    ).items():
        live = out.get(boost_id, Conversions(0, 0, 0))
        out[boost_id] = Conversions(live.total + total, live.organic + organic, live.value_cents + value)
    return out


def paid_totals(session: Session, workspace_id: uuid.UUID,
                targets: Sequence[tuple[uuid.UUID, uuid.UUID, datetime, datetime]]) -> dict[uuid.UUID, snaps.PaidTotals]:
    """The campaign delivery of each boost in its window (the same query as snapshot collection)."""
    return snaps.paid_totals(session, workspace_id, targets)


def latest_snapshots(session: Session, workspace_id: uuid.UUID,
                     boost_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, BoostPerformanceSnapshot]:
    """The latest snapshot of each boost (the paid figures of a boost with no linked campaign)."""
    s = BoostPerformanceSnapshot
    last = (
        sa.select(s.boost_campaign_id, sa.func.max(s.snapshot_at).label("at"))
        .where(s.workspace_id == workspace_id, s.boost_campaign_id.in_(list(boost_ids)))
        .group_by(s.boost_campaign_id)
        .subquery()
    )
    q = sa.select(s).join(last, sa.and_(s.boost_campaign_id == last.c.boost_campaign_id,
                                        s.snapshot_at == last.c.at)).where(s.workspace_id == workspace_id)
    return {row.boost_campaign_id: row for row in session.scalars(q)}


def snapshot_counts(session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    s = BoostPerformanceSnapshot
    q = (sa.select(s.boost_campaign_id, sa.func.count())
         .where(s.workspace_id == workspace_id, s.boost_campaign_id.in_(list(boost_ids)))
         .group_by(s.boost_campaign_id))
    return {r[0]: int(r[1]) for r in session.execute(q)}

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
    AdCampaignMetric,
    BoostAttributionEvent,
    BoostCampaign,
    BoostPerformanceSnapshot,
    OrganicPostMetric,
    SocialPost,
    Workspace,
)
from boostloop.server.db.types import UTCDateTime


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


def input_marks(session: Session, workspace_id: uuid.UUID,
                boosts: Sequence[BoostCampaign]) -> dict[uuid.UUID, str]:
    """A cheap mark of each boost's own inputs, which changes when they do: its post's organic captures
    (count, latest time), its campaign's delivery rows (count, spend) and the events linked to the boost
    (count). Three grouped statements over indexed keys per chunk, no analysis. Not covered: the controls
    (other posts) and events linked to the post but not the boost; ``store.STALE_AFTER`` bounds those."""
    posts = sorted({b.original_post_id for b in boosts if b.original_post_id is not None})
    camps = sorted({b.campaign_id for b in boosts if b.campaign_id is not None})
    ids = [b.id for b in boosts]
    org: dict = {}
    paid: dict = {}
    events: dict = {}
    m, a, e = OrganicPostMetric, AdCampaignMetric, BoostAttributionEvent
    for part in snaps.chunks(posts):
        q = (sa.select(m.post_id, sa.func.count(), sa.func.max(m.captured_at))
             .where(m.workspace_id == workspace_id, m.post_id.in_(part)).group_by(m.post_id))
        org.update({r[0]: (int(r[1]), r[2]) for r in session.execute(q)})
    for part in snaps.chunks(camps):
        q = (sa.select(a.campaign_id, sa.func.count(), sa.func.coalesce(sa.func.sum(a.spend_cents), 0))
             .where(a.workspace_id == workspace_id, a.campaign_id.in_(part)).group_by(a.campaign_id))
        paid.update({r[0]: (int(r[1]), int(r[2])) for r in session.execute(q)})
    for part in snaps.chunks(ids):
        q = (sa.select(e.boost_campaign_id, sa.func.count())
             .where(e.workspace_id == workspace_id, e.boost_campaign_id.in_(part)).group_by(e.boost_campaign_id))
        events.update({r[0]: int(r[1]) for r in session.execute(q)})
    out = {}
    for b in boosts:
        n_o, last_o = org.get(b.original_post_id, (0, None))
        n_p, spend = paid.get(b.campaign_id, (0, 0))
        last = last_o.isoformat() if last_o is not None else "-"
        out[b.id] = f"o{n_o}@{last}|p{n_p}:{spend}|e{events.get(b.id, 0)}"
    return out

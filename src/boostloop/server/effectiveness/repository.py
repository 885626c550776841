"""Every query of the effectiveness use cases, each filtered by workspace. A whole workspace's inputs are
read in a handful of statements (posts, organic captures, boosts, conversions by post, paid delivery by
boost), not one query per boost."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.analytics.effectiveness.overlap import PI_UNKNOWN, paid_first_share
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
from boostloop.server.retention import repository as retention_repo


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def boosts(session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID] | None = None) -> list[BoostCampaign]:
    q = sa.select(BoostCampaign).where(BoostCampaign.workspace_id == workspace_id)
    if boost_ids is not None:
        q = q.where(BoostCampaign.id.in_(list(boost_ids)))
    return list(session.scalars(q.order_by(BoostCampaign.boosted_at, BoostCampaign.id)))


@dataclass(frozen=True)
class BoostKey:
    """The columns of a boost the stored results' freshness check needs (no JSON columns loaded)."""

    id: uuid.UUID
    original_post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    boosted_at: datetime
    duration_days: int
    updated_at: datetime


# The columns of ``BoostKey``, in its order (a select of them builds ``BoostKey(*row)``).
BOOST_KEY_COLUMNS = (BoostCampaign.id, BoostCampaign.original_post_id, BoostCampaign.campaign_id,
                     BoostCampaign.boosted_at, BoostCampaign.duration_days, BoostCampaign.updated_at)


def boost_keys(session: Session, workspace_id: uuid.UUID,
               boost_ids: Sequence[uuid.UUID] | None = None) -> list[BoostKey]:
    """``boosts`` as ``BoostKey`` rows, in the same order: loading full ORM rows (with their JSON
    targeting and pre-boost snapshot) took most of an overview read at 1,000 boosts."""
    b = BoostCampaign
    q = sa.select(*BOOST_KEY_COLUMNS).where(b.workspace_id == workspace_id)
    if boost_ids is not None:
        q = q.where(b.id.in_(list(boost_ids)))
    return [BoostKey(*r) for r in session.execute(q.order_by(b.boosted_at, b.id))]


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
    # The overlap term's pi (``analytics.effectiveness.overlap.paid_first_share``) over the conversions'
    # UTC days (``_paid_first_by_day``).
    paid_first: float = PI_UNKNOWN


def conversions_by_post(
    session: Session, workspace_id: uuid.UUID, targets: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
) -> dict[uuid.UUID, Conversions]:
    """For each ``(boost, post, until)``: the post's conversion events up to ``until`` (all, those on an
    ORGANIC touchpoint, and their value). Every conversion of the post counts, before the boost too: the
    counterfactual conversions scale the post's lifetime organic conversions by its lifetime reach.

    The posts' conversion events are read once (``post_id IN``, a few per post) and counted here: a join of
    the targets with the events on ``post_id``, which has no index, made SQLite scan every event once per
    target (12.5 s for 60 boosts / 204k events, benchmarks/RESULTS.md "Effectiveness wiring")."""
    e = BoostAttributionEvent
    posts = sorted({p for _, p, _ in targets})
    by_post: dict[uuid.UUID, list[tuple[datetime, bool, int]]] = {}
    for part in snaps.chunks(posts):
        q = (sa.select(e.post_id, e.occurred_at, e.touchpoint_type, e.event_value_cents)
             .where(e.workspace_id == workspace_id, e.event_type == AttributionEventType.CONVERSION,
                    e.post_id.in_(part)))
        for pid, at, touch, value in session.execute(q):
            by_post.setdefault(pid, []).append((at, touch == TouchpointType.ORGANIC, int(value or 0)))
    # Conversions older than the workspace's retention live on as daily aggregates (server/retention).
    archived = retention_repo.archived_conversion_days(session, workspace_id, targets)
    out: dict[uuid.UUID, Conversions] = {}
    for boost_id, post_id, until in targets:
        days = [(at.astimezone(UTC).date(), organic, 1, value)
                for at, organic, value in by_post.get(post_id, ()) if at <= until] + archived.get(boost_id, [])
        if days:
            out[boost_id] = Conversions(sum(d[2] for d in days), sum(d[2] for d in days if d[1]),
                                        sum(d[3] for d in days), _paid_first_by_day(days))
    return out


def _paid_first_by_day(days: Sequence[tuple[date, bool, int, int]]) -> float:
    """The overlap term's pi over the conversions' UTC days (same-day pairs count one half): the resolution
    the retention roll-up keeps (``event_daily_aggregates``), so a boost's result does not change when its
    raw events are archived."""
    def ordinals(organic: bool) -> list[int]:
        return [d.toordinal() for d, is_organic, n, _ in days if is_organic is organic for _ in range(n)]

    return paid_first_share(ordinals(True), ordinals(False))


def audience_sizes(session: Session, workspace_id: uuid.UUID, boost_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int | None]:
    """Each boost's universe for the independence overlap estimate (targeted audience size, else the account's
    followers): the snapshot collector's rule (``boosts.snapshots.audience_size``) on its boost rows."""
    from boostloop.server.boosts.snapshots import audience_size  # the collector's universe rule (no cycle)

    return {b.id: audience_size(b) for b in snaps.boosts(session, workspace_id, boost_ids)}


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
                boosts: Sequence[BoostCampaign | BoostKey]) -> dict[uuid.UUID, str]:
    """A cheap mark of each boost's own inputs, which changes when they do: its post's organic captures
    (count, latest time), its campaign's delivery rows (count, spend) and its post's conversion events
    (count; index ``ix_boost_attribution_events_post_type``). Three grouped statements over indexed keys
    per chunk, no analysis. The keys are the workspace's own (``boosts`` were read by workspace), so no workspace filter here: with one, SQLite
    scans the workspace index instead of the per-post / per-campaign one (1.8 s instead of
    milliseconds at 60 boosts, benchmarks/RESULTS.md "Effectiveness wiring"). Not covered: the controls
    (other posts); ``store.STALE_AFTER`` bounds those."""
    posts = sorted({b.original_post_id for b in boosts if b.original_post_id is not None})
    camps = sorted({b.campaign_id for b in boosts if b.campaign_id is not None})
    org: dict = {}
    paid: dict = {}
    events: dict = {}
    m, a, e = OrganicPostMetric, AdCampaignMetric, BoostAttributionEvent
    for part in snaps.chunks(posts):
        q = (sa.select(m.post_id, sa.func.count(), sa.func.max(m.captured_at))
             .where(m.post_id.in_(part)).group_by(m.post_id))
        org.update({r[0]: (int(r[1]), r[2]) for r in session.execute(q)})
    for part in snaps.chunks(camps):
        q = (sa.select(a.campaign_id, sa.func.count(), sa.func.coalesce(sa.func.sum(a.spend_cents), 0))
             .where(a.campaign_id.in_(part)).group_by(a.campaign_id))
        paid.update({r[0]: (int(r[1]), int(r[2])) for r in session.execute(q)})
    for part in snaps.chunks(posts):
        q = (sa.select(e.post_id, sa.func.count())
             .where(e.post_id.in_(part), e.event_type == AttributionEventType.CONVERSION).group_by(e.post_id))
        events.update({r[0]: int(r[1]) for r in session.execute(q)})
    out = {}
    for b in boosts:
        n_o, last_o = org.get(b.original_post_id, (0, None))
        n_p, spend = paid.get(b.campaign_id, (0, 0))
        last = last_o.isoformat() if last_o is not None else "-"
        out[b.id] = f"o{n_o}@{last}|p{n_p}:{spend}|c{events.get(b.original_post_id, 0)}"
    return out

"""Every query of boost tracking; each one filtered by workspace (DESIGN.md, Tenancy)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from boostloop.enums import BoostStatus, Platform
from boostloop.server.db.models import (
    AdCampaign,
    BoostCampaign,
    BoostPerformanceSnapshot,
    Membership,
    OrganicPostMetric,
    SocialPost,
)

# Sort keys of the boost list. All but boosted_at come from the boost's latest snapshot.
SORT_KEYS = ("boosted_at", "cost_per_result", "roi", "lift")


def get_boost(session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID) -> BoostCampaign | None:
    return session.scalar(
        sa.select(BoostCampaign).where(BoostCampaign.workspace_id == workspace_id, BoostCampaign.id == boost_id)
    )


def get_post(session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID) -> SocialPost | None:
    return session.scalar(
        sa.select(SocialPost).where(SocialPost.workspace_id == workspace_id, SocialPost.id == post_id)
    )


def get_campaign(session: Session, workspace_id: uuid.UUID, campaign_id: uuid.UUID) -> AdCampaign | None:
    return session.scalar(
        sa.select(AdCampaign).where(AdCampaign.workspace_id == workspace_id, AdCampaign.id == campaign_id)
    )


def is_member(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        )
        > 0
    )


def running_boost_on_campaign(
    session: Session, workspace_id: uuid.UUID, campaign_id: uuid.UUID, *, other_than: uuid.UUID | None = None
) -> uuid.UUID | None:
    """An ACTIVE or PAUSED boost already tracking this campaign (its spend would be counted twice)."""

    q = sa.select(BoostCampaign.id).where(
        BoostCampaign.workspace_id == workspace_id,
        BoostCampaign.campaign_id == campaign_id,
        BoostCampaign.status.in_([BoostStatus.ACTIVE, BoostStatus.PAUSED]),
    )
    if other_than is not None:
        q = q.where(BoostCampaign.id != other_than)
    return session.scalar(q.limit(1))


def latest_organic_metric_at_or_before(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID, at: datetime
) -> OrganicPostMetric | None:
    return session.scalar(
        sa.select(OrganicPostMetric)
        .where(
            OrganicPostMetric.workspace_id == workspace_id,
            OrganicPostMetric.post_id == post_id,
            OrganicPostMetric.captured_at <= at,
        )
        .order_by(OrganicPostMetric.captured_at.desc())
        .limit(1)
    )


def earliest_organic_metric_after(
    session: Session, workspace_id: uuid.UUID, post_id: uuid.UUID, at: datetime
) -> OrganicPostMetric | None:
    return session.scalar(
        sa.select(OrganicPostMetric)
        .where(
            OrganicPostMetric.workspace_id == workspace_id,
            OrganicPostMetric.post_id == post_id,
            OrganicPostMetric.captured_at > at,
        )
        .order_by(OrganicPostMetric.captured_at.asc())
        .limit(1)
    )


def list_snapshots(
    session: Session,
    workspace_id: uuid.UUID,
    boost_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[BoostPerformanceSnapshot]:
    q = sa.select(BoostPerformanceSnapshot).where(
        BoostPerformanceSnapshot.workspace_id == workspace_id,
        BoostPerformanceSnapshot.boost_campaign_id == boost_id,
    )
    if since is not None:
        q = q.where(BoostPerformanceSnapshot.snapshot_at >= since)
    if until is not None:
        q = q.where(BoostPerformanceSnapshot.snapshot_at <= until)
    return list(session.scalars(q.order_by(BoostPerformanceSnapshot.snapshot_at)))


@dataclass(frozen=True)
class BoostFilters:
    statuses: tuple[BoostStatus, ...] = ()
    platforms: tuple[Platform, ...] = ()
    strategies: tuple[str, ...] = ()
    boosted_from: datetime | None = None  # inclusive
    boosted_to: datetime | None = None  # exclusive


def _latest_snapshot():  # noqa: ANN202 - an aliased ORM entity and its join condition
    """Each boost's most recent snapshot: an aliased entity and the condition to outer-join it on.

    The newest ``snapshot_at`` is a correlated ``MAX`` per boost, answered from the unique
    ``(boost_campaign_id, snapshot_at)`` index (one seek per boost) rather than a GROUP BY over all the
    workspace's snapshots (measured on 1,000 boosts / 83k snapshots, SQLite: ~370 ms a page before).
    """

    latest = aliased(BoostPerformanceSnapshot, name="latest")
    inner = aliased(BoostPerformanceSnapshot, name="newer")
    newest = (
        sa.select(sa.func.max(inner.snapshot_at))
        .where(inner.boost_campaign_id == BoostCampaign.id)
        .correlate(BoostCampaign)
        .scalar_subquery()
    )
    on = sa.and_(latest.boost_campaign_id == BoostCampaign.id, latest.snapshot_at == newest)
    return latest, on


def sort_expression(latest: Any, sort: str) -> sa.ColumnElement[Any]:
    """The SQL expression a sort key orders by.

    ``lift`` is the reach lift of the latest snapshot: incremental reach / organic reach (how much the
    boost grew the post's unique audience beyond its organic reach; NULL without organic reach). The
    counterfactual lift of the effectiveness analysis, when stored, is the better key.
    """

    if sort == "boosted_at":
        return BoostCampaign.boosted_at
    if sort == "cost_per_result":
        return latest.cost_per_result
    if sort == "roi":
        return latest.total_roi
    if sort == "lift":
        return sa.case(
            (
                latest.organic_reach > 0,
                sa.cast(latest.incremental_reach, sa.Float) / sa.cast(latest.organic_reach, sa.Float),
            ),
            else_=sa.null(),
        )
    raise ValueError(sort)


def list_boosts(
    session: Session,
    workspace_id: uuid.UUID,
    filters: BoostFilters,
    *,
    sort: str,
    descending: bool,
    after_key: Any,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[tuple[BoostCampaign, BoostPerformanceSnapshot | None, Any]]:
    """One page of boosts with their latest snapshot and sort value, keyset-paginated.

    Order: the sort key (ascending or descending), NULLs last whatever the direction, then the boost id
    ascending as the tie-break; the page starts strictly after ``(after_key, after_id)``.
    """

    latest, on = _latest_snapshot()
    key = sort_expression(latest, sort)
    q = (
        sa.select(BoostCampaign, latest, key.label("sort_key"))
        # snapshots belong to their boost's workspace; the boost is filtered by workspace below
        .outerjoin(latest, on)
        .where(BoostCampaign.workspace_id == workspace_id)
    )
    ordered = (key.desc() if descending else key.asc()).nulls_last()
    if sort == "boosted_at":
        # The key is the boost's own: the page is found among the boosts alone and only its rows seek their
        # newest snapshot (51 seeks instead of one per boost of the workspace: 20 ms of SQL at 1,000 boosts
        # x 175 snapshots before, EXPLAIN ANALYZE on PostgreSQL).
        page = _after(_filtered(sa.select(BoostCampaign.id).where(BoostCampaign.workspace_id == workspace_id),
                                filters), key, descending, after_key, after_id)
        ids = page.order_by(ordered, BoostCampaign.id.asc()).limit(limit).subquery("page")
        q = q.join(ids, ids.c.id == BoostCampaign.id)
    else:
        q = _after(_filtered(q, filters), key, descending, after_key, after_id).limit(limit)
    q = q.order_by(ordered, BoostCampaign.id.asc())
    return [(row[0], row[1], row[2]) for row in session.execute(q)]


def _filtered(q: sa.Select, filters: BoostFilters) -> sa.Select:
    if filters.statuses:
        q = q.where(BoostCampaign.status.in_(filters.statuses))
    if filters.platforms:
        q = q.where(BoostCampaign.platform.in_(filters.platforms))
    if filters.strategies:
        q = q.where(BoostCampaign.boost_strategy.in_(filters.strategies))
    if filters.boosted_from is not None:
        q = q.where(BoostCampaign.boosted_at >= filters.boosted_from)
    if filters.boosted_to is not None:
        q = q.where(BoostCampaign.boosted_at < filters.boosted_to)
    return q


def _after(q: sa.Select, key: Any, descending: bool, after_key: Any, after_id: uuid.UUID | None) -> sa.Select:
    """Keyset: the rows strictly after ``(after_key, after_id)`` in the order (key, NULLs last; id)."""
    if after_id is not None:
        if after_key is None:
            q = q.where(key.is_(None), BoostCampaign.id > after_id)
        else:
            beyond = key < after_key if descending else key > after_key
            q = q.where(sa.or_(beyond, sa.and_(key == after_key, BoostCampaign.id > after_id), key.is_(None)))
    return q

"""Every query of the experiments domain; each one filtered by workspace_id (DESIGN.md, Tenancy)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from boostloop.server.db.models import (
    BoostCampaign,
    BoostExperiment,
    BoostExperimentVariant,
    BoostPerformanceSnapshot,
)


@dataclass(frozen=True)
class BoostResult:
    """One assigned boost and its latest snapshot's cumulative paid figures (zeros without a snapshot)."""

    boost_id: uuid.UUID
    variant_id: uuid.UUID
    spend_cents: int
    conversions: int
    reach: int  # paid reach, or paid impressions where the platform reports no reach
    value_cents: int


def get_experiment(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID, *, for_update: bool = False
) -> BoostExperiment | None:
    stmt = (
        sa.select(BoostExperiment)
        .where(BoostExperiment.workspace_id == workspace_id, BoostExperiment.id == experiment_id)
        .options(selectinload(BoostExperiment.variants))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def list_experiments(session: Session, workspace_id: uuid.UUID) -> list[BoostExperiment]:
    stmt = (
        sa.select(BoostExperiment)
        .where(BoostExperiment.workspace_id == workspace_id)
        .options(selectinload(BoostExperiment.variants))
        .order_by(BoostExperiment.created_at.desc(), BoostExperiment.id)
    )
    return list(session.scalars(stmt))


def get_boosts(
    session: Session, workspace_id: uuid.UUID, boost_ids: list[uuid.UUID]
) -> dict[uuid.UUID, BoostCampaign]:
    if not boost_ids:
        return {}
    stmt = sa.select(BoostCampaign).where(
        BoostCampaign.workspace_id == workspace_id, BoostCampaign.id.in_(boost_ids)
    )
    return {b.id: b for b in session.scalars(stmt)}


def variant_ids_of_other_experiments(
    session: Session, workspace_id: uuid.UUID, variant_ids: set[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """variant id -> its experiment id, for the given variants (to say which experiment holds a boost)."""
    if not variant_ids:
        return {}
    stmt = sa.select(BoostExperimentVariant.id, BoostExperimentVariant.experiment_id).where(
        BoostExperimentVariant.workspace_id == workspace_id, BoostExperimentVariant.id.in_(variant_ids)
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


def boost_results_by_variant(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID
) -> list[BoostResult]:
    """The boosts assigned to the experiment's variants, each with its latest snapshot's figures."""
    latest_at = (
        sa.select(
            BoostPerformanceSnapshot.boost_campaign_id.label("boost_id"),
            sa.func.max(BoostPerformanceSnapshot.snapshot_at).label("at"),
        )
        .where(BoostPerformanceSnapshot.workspace_id == workspace_id)
        .group_by(BoostPerformanceSnapshot.boost_campaign_id)
        .subquery()
    )
    snap = (
        sa.select(BoostPerformanceSnapshot)
        .join(
            latest_at,
            sa.and_(
                latest_at.c.boost_id == BoostPerformanceSnapshot.boost_campaign_id,
                latest_at.c.at == BoostPerformanceSnapshot.snapshot_at,
            ),
        )
        .where(BoostPerformanceSnapshot.workspace_id == workspace_id)
        .subquery()
    )
    stmt = (
        sa.select(
            BoostCampaign.id,
            BoostCampaign.experiment_variant_id,
            sa.func.coalesce(snap.c.paid_spend_cents, 0),
            sa.func.coalesce(snap.c.paid_conversions, 0),
            sa.func.coalesce(snap.c.paid_reach, snap.c.paid_impressions, 0),
            sa.func.coalesce(snap.c.paid_conversion_value_cents, 0),
        )
        .join(BoostExperimentVariant, BoostExperimentVariant.id == BoostCampaign.experiment_variant_id)
        .outerjoin(snap, snap.c.boost_campaign_id == BoostCampaign.id)
        .where(
            BoostCampaign.workspace_id == workspace_id,
            BoostExperimentVariant.workspace_id == workspace_id,
            BoostExperimentVariant.experiment_id == experiment_id,
        )
        .order_by(BoostCampaign.id)
    )
    return [
        BoostResult(b, v, int(sp), int(c), int(r), int(val)) for b, v, sp, c, r, val in session.execute(stmt)
    ]

"""Stored per-boost effectiveness results (``boostloop.server.effectiveness.store``).

One row per boost: the analysis as of ``as_of`` (the API shape, ``result``) and the figures the overview
and the boosts table aggregate, as columns, so that a dashboard read is one indexed scan of this table
instead of an analysis of every boost (issue 7: dashboard reads at 1,000 boosts, p95 < 1 s).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.server.db.base import Base, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime


class BoostEffectivenessResult(UUIDPrimaryKey, Base):
    __tablename__ = "boost_effectiveness_results"
    __table_args__ = (sa.UniqueConstraint("boost_campaign_id"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    boost_campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    # The clock the analysis ran at, and when it was written.
    as_of: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The analysis window end, and whether the window had closed at ``as_of`` (then later runs give the
    # same inputs: the result is final).
    window_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    final: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    # The boost row's ``updated_at`` the analysis saw (a status change, a campaign linked later: stale).
    boost_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # ``effectiveness.repository.input_marks`` at the analysis: a different mark now means new inputs.
    inputs_mark: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)

    spend_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    conversions: Mapped[float] = mapped_column(sa.Float, nullable=False)
    incremental_conversions: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_conversions_lower: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_conversions_upper: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_value_cents: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    benchmark_cpa_cents: Mapped[float] = mapped_column(sa.Float, nullable=False)
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    score_lower: Mapped[float] = mapped_column(sa.Float, nullable=False)
    score_upper: Mapped[float] = mapped_column(sa.Float, nullable=False)
    confidence: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    # The comparison's ranking inputs (``analytics.effectiveness.compare.Comparable``), as columns so that
    # the ranking reads no JSON (migration 0008_reads_miss: parsing every ``result`` took 2.3-2.7 s at
    # 1,000 boosts). The same values as in ``result`` (``finite``: None for an undefined interval end).
    platform: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    cost_per_result: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    cost_per_result_lower: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    cost_per_result_upper: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_roi: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_roi_lower: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    incremental_roi_upper: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    benchmark_roas: Mapped[float] = mapped_column(sa.Float, nullable=False)
    # ``effectiveness.schemas.BoostEffectivenessOut`` as JSON (with the hourly counterfactual series).
    result: Mapped[dict] = mapped_column(JSONType, nullable=False)


class EffectivenessInputVersion(Base):
    """Per workspace: how many writes of the stored results' inputs there have been (``written``) and how
    many of them the last check of every boost's inputs had seen (``checked``); ``effectiveness.input_version``.

    Its own table, not a column of ``workspaces``: it changes with every import, and a change of the
    workspace row expires the API's remembered memberships (``auth.memo``)."""

    __tablename__ = "effectiveness_input_versions"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    written: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    checked: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)

"""Touchpoint events (``boost_attribution_events``) and people who opted out of tracking."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import AttributionEventType, Platform, TouchpointType
from boostloop.server.db.base import Base, CreatedAt, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class BoostAttributionEvent(UUIDPrimaryKey, CreatedAt, Base):
    """One touchpoint. Person identifiers are stored only as HMAC-SHA256 hex digests keyed per workspace."""

    __tablename__ = "boost_attribution_events"
    __table_args__ = (
        # Idempotent ingest: a client's event id is accepted once per workspace.
        sa.UniqueConstraint("workspace_id", "client_event_id"),
        sa.Index("ix_boost_attribution_events_boost_occurred", "boost_campaign_id", "occurred_at"),
        sa.Index("ix_boost_attribution_events_workspace_occurred", "workspace_id", "occurred_at"),
        sa.Index("ix_boost_attribution_events_session", "session_id_hash"),
        sa.Index("ix_boost_attribution_events_user", "user_id_hash"),
        # A post's conversions (the effectiveness analysis and its stored results' input marks read them
        # per post; without it both scan the workspace's events).
        sa.Index("ix_boost_attribution_events_post_type", "post_id", "event_type"),
        # A person's events (person = user hash, else session hash, as attribution.repository.load_events
        # groups them): the boost detail's split reads every event of the people who touched one boost.
        # Without it that read scans all the workspace's events (9.3M at the reads benchmark).
        sa.Index("ix_boost_attribution_events_workspace_person", "workspace_id",
                 sa.text("coalesce(user_id_hash, session_id_hash)")),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    # Nullable: an event that cannot be linked to a boost still counts in workspace journeys.
    boost_campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=True
    )
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_posts.id", ondelete="SET NULL"), nullable=True
    )
    client_event_id: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    session_id_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    user_id_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    event_type: Mapped[AttributionEventType] = mapped_column(
        enum_column(AttributionEventType, "attribution_event_type"), nullable=False
    )
    touchpoint_type: Mapped[TouchpointType] = mapped_column(
        enum_column(TouchpointType, "touchpoint_type"), nullable=False
    )
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)
    event_value_cents: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    event_metadata: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class PrivacyOptOut(UUIDPrimaryKey, CreatedAt, Base):
    """A person whose later events are dropped at ingest (stored by the same keyed hash)."""

    __tablename__ = "privacy_opt_outs"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id_hash"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    user_id_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)


class BoostAttributionSplit(UUIDPrimaryKey, Base):
    """A boost's attribution split (``attribution.service.boost_split``, all conversions up to ``as_of``),
    stored by the snapshots job so that the boost detail reads it instead of loading the events of every
    person who touched the boost (0.4-1.2 s per boost at 9.3M events; ``boosts.split_store``)."""

    __tablename__ = "boost_attribution_splits"
    __table_args__ = (sa.UniqueConstraint("boost_campaign_id"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    boost_campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    # The clock the split was computed at (its reach figures are as of then).
    as_of: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # ``boosts.split_store.marks`` at the computation: a different mark now means new inputs.
    inputs_mark: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    # ``attribution.schemas.BoostSplit`` as JSON.
    split: Mapped[dict] = mapped_column(JSONType, nullable=False)

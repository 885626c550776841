"""Data retention (docs/retention.md): the daily aggregates that replace touchpoint events older than a
workspace's ``retention_days``, and each workspace's roll-up watermark.

* ``event_daily_aggregates``: events per (UTC day, boost, post, platform, touchpoint type, event type,
  utm_source): how many, how many distinct people, their value. What effectiveness counts (conversions by
  post) keeps working on these.
* ``attribution_path_aggregates``: the journeys that ended on a UTC day, reduced to ChannelAttribution's
  path table (path; conversions; value; nulls). A path is the journey's windowed touches in time order,
  each ``TOUCHPOINT_TYPE|PLATFORM|BOOST_ID`` (boost id empty when none), joined by ``>``: enough to derive
  every channel dimension (touchpoint type, platform, boost) and the per-boost organic / paid split.
* ``boost_tracked_people``: per boost and touchpoint type (ORGANIC / PAID), each person (user hash, else
  session hash) who left a tracked touch in the rolled-up events, with their first such touch: the overlap
  split's tracked-people counts (``attribution.repository.tracked_people``) are distinct counts, which no
  daily aggregate can give. It holds the same keyed hashes as the events table, and erasing a person
  deletes their rows.
* ``retention_states``: ``rolled_until`` (journeys ending before it are in the path aggregates and left
  out of live analysis) and ``events_deleted_until`` (raw events before it are archived and deleted).
No person identifier is stored in the aggregates.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import AttributionEventType, Platform, TouchpointType
from boostloop.server.db.base import Base, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import UTCDateTime, enum_column


class EventDailyAggregate(UUIDPrimaryKey, Base):
    __tablename__ = "event_daily_aggregates"
    __table_args__ = (sa.Index("ix_event_daily_aggregates_workspace_day", "workspace_id", "day"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    day: Mapped[date] = mapped_column(sa.Date, nullable=False)  # UTC day the events occurred on
    boost_campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=True, index=True
    )
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_posts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)
    touchpoint_type: Mapped[TouchpointType] = mapped_column(
        enum_column(TouchpointType, "touchpoint_type"), nullable=False
    )
    event_type: Mapped[AttributionEventType] = mapped_column(
        enum_column(AttributionEventType, "attribution_event_type"), nullable=False
    )
    source: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)  # event_metadata.utm_source
    events: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    # Distinct people (user hash, else session hash) among these events of this day.
    people: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class AttributionPathAggregate(UUIDPrimaryKey, Base):
    __tablename__ = "attribution_path_aggregates"
    __table_args__ = (sa.Index("ix_attribution_path_aggregates_workspace_day", "workspace_id", "day"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    day: Mapped[date] = mapped_column(sa.Date, nullable=False)  # UTC day the journeys ended on
    path: Mapped[str] = mapped_column(sa.Text, nullable=False)  # '' = a conversion with no windowed touch
    conversions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    nulls: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class BoostTrackedPerson(Base):
    __tablename__ = "boost_tracked_people"

    boost_campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    touchpoint_type: Mapped[TouchpointType] = mapped_column(
        enum_column(TouchpointType, "touchpoint_type"), primary_key=True
    )
    person_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    first_touch_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class RetentionState(Timestamps, Base):
    __tablename__ = "retention_states"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    rolled_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    events_deleted_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

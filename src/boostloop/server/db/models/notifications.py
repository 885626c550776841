"""Notification channels of a workspace (webhooks, e-mail) and the log of every delivery."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.server.db.base import Base, CreatedAt, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime


class NotificationChannel(UUIDPrimaryKey, CreatedAt, Base):
    """A webhook (Slack-compatible JSON, signed) or an e-mail list.

    ``kind`` is ``WEBHOOK`` or ``EMAIL``. A webhook has ``url`` and ``secret`` (the HMAC-SHA256 key of
    its signature header; kept in the clear because signing needs it, shown to admins once at creation);
    an e-mail channel has ``recipients``.
    """

    __tablename__ = "notification_channels"

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    url: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    secret: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    recipients: Mapped[list | None] = mapped_column(JSONType, nullable=True)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class NotificationDelivery(UUIDPrimaryKey, CreatedAt, Base):
    """One subject (an insight or a recommendation) to one channel: delivered once, retried until then.

    The unique constraint is what makes "once each" hold even if two processes notify at the same time.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "subject_type", "subject_id"),
        sa.Index("ix_notification_deliveries_workspace_status", "workspace_id", "status"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    channel_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("notification_channels.id", ondelete="CASCADE"), nullable=False, index=True
    )
    subject_type: Mapped[str] = mapped_column(sa.String(32), nullable=False)  # INSIGHT | RECOMMENDATION
    subject_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="PENDING")
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    response_status: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    payload: Mapped[dict | None] = mapped_column(JSONType, nullable=True)

"""Workspaces (tenants), users, memberships with a role, and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boostloop.enums import Role
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class Workspace(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(100), nullable=False, unique=True)
    # ISO 4217 code; all money of the workspace is in its minor units (cents).
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="USD")
    # IANA zone used for "best hour / weekday" answers; stored data stays UTC.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="UTC")
    # Attribution settings. Windows after Meta's default attribution setting (7-day click, 1-day view);
    # half-life after Google Ads' time-decay model (7 days).
    attribution_model: Mapped[str] = mapped_column(sa.String(32), nullable=False, default="markov")
    attribution_channel: Mapped[str] = mapped_column(sa.String(32), nullable=False, default="touchpoint_type")
    click_window_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=7)
    view_window_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    time_decay_half_life_days: Mapped[float] = mapped_column(sa.Float, nullable=False, default=7.0)
    # Rows older than this are rolled up into daily aggregates (issue: retention).
    retention_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=90)
    # Marginal return (value per unit of spend) below which more budget is not suggested.
    target_marginal_roas: Mapped[float] = mapped_column(sa.Float, nullable=False, default=1.0)
    # Workspace overrides of the platform benchmarks, e.g. {"FACEBOOK": {"roas": 2.5, "cpa_cents": 3500}}.
    benchmarks: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # Key of the HMAC-SHA256 that turns person identifiers into stored hashes (one key per workspace).
    hash_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)

    memberships: Mapped[list[Membership]] = relationship(back_populates="workspace", passive_deletes=True)


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(320), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)  # argon2id
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", passive_deletes=True)


class Membership(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), nullable=False, default=Role.VIEWER)

    workspace: Mapped[Workspace] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class ApiToken(UUIDPrimaryKey, CreatedAt, Base):
    """A bearer token of a user. Only its SHA-256 is stored; the token is shown once at creation."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # A token may be limited to one workspace; null means every workspace the user is a member of.
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    prefix: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

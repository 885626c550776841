"""Social accounts, their organic posts, and the posts' organic metrics over time."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boostloop.enums import ContentType, Platform
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import UTCDateTime, enum_column


class SocialAccount(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "social_accounts"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "platform", "platform_account_id"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)
    platform_account_id: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    handle: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    followers: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)

    posts: Mapped[list[SocialPost]] = relationship(back_populates="account", passive_deletes=True)


class SocialPost(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "social_posts"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "platform_post_id"),
        sa.Index("ix_social_posts_workspace_published", "workspace_id", "published_at"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)
    platform_post_id: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    content_type: Mapped[ContentType] = mapped_column(enum_column(ContentType, "content_type"), nullable=False)
    text_length: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    media_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    hashtag_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    is_ads_eligible: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    permalink: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)
    # The first 280 characters of the post's text, when an import carries it: backfill matches past ad
    # campaigns to posts by it (Meta names a boost's campaign after the post's first words).
    text_excerpt: Mapped[str | None] = mapped_column(sa.String(280), nullable=True)

    account: Mapped[SocialAccount] = relationship(back_populates="posts")


class OrganicPostMetric(UUIDPrimaryKey, CreatedAt, Base):
    """Lifetime totals of one post as of ``captured_at`` (platforms report cumulative post insights).

    ``reach`` is the organic unique reach. ``total_reach`` is the platform's unique reach across organic
    and paid delivery when it reports one (Meta's ``post_impressions_unique``); with it, the paid reach
    not already reached organically is ``total_reach - reach`` exactly rather than estimated.
    """

    __tablename__ = "organic_post_metrics"
    __table_args__ = (sa.UniqueConstraint("post_id", "captured_at"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    post_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_posts.id", ondelete="CASCADE"), nullable=False
    )
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    impressions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    reach: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    engagements: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    likes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    comments: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    shares: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    clicks: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    video_views: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    total_reach: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)

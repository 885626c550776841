"""Scheduled job runs and the lease that keeps one run of a job at a time."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import JobStatus, JobTrigger
from boostloop.server.db.base import Base, UUIDPrimaryKey
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class JobRun(UUIDPrimaryKey, Base):
    __tablename__ = "job_runs"
    __table_args__ = (sa.Index("ix_job_runs_job_started", "job_name", "started_at"),)

    workspace_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True
    )
    job_name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    trigger: Mapped[JobTrigger] = mapped_column(enum_column(JobTrigger, "job_trigger"), nullable=False)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), nullable=False)
    attempt: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    counts: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class JobLease(Base):
    """Held by the one process running ``job_name`` (for a workspace or all) until ``expires_at``."""

    __tablename__ = "job_leases"

    lease_key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)  # job name [+ workspace id]
    holder: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

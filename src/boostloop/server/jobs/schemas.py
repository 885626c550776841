"""API models of jobs and their runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from boostloop.enums import JobStatus, JobTrigger


class JobOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "snapshots", "description": "Collect a performance snapshot of every active boost.",
        "schedule": "hourly at :00", "next_due_after": "2026-11-24T01:00:00Z"}]})

    name: str
    description: str
    schedule: str | None
    next_due_after: datetime | None = Field(description="The latest scheduled time that has passed.")


class JobRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000004", "job_name": "snapshots", "trigger": "MANUAL",
        "status": "SUCCEEDED", "attempt": 1, "started_at": "2026-11-24T01:00:00Z",
        "finished_at": "2026-11-24T01:00:02Z", "counts": {"snapshots": 42}, "error": None}]})

    id: uuid.UUID
    job_name: str
    trigger: JobTrigger
    status: JobStatus
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    counts: dict
    error: str | None


class JobRunPage(BaseModel):
    items: list[JobRunOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class TriggerOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "job": "snapshots", "status": "SUCCEEDED", "attempts": 1, "counts": {"snapshots": 42}, "error": None,
        "runs": []}]})

    job: str
    status: str = Field(description="SUCCEEDED or FAILED (the runs hold each attempt).")
    attempts: int
    counts: dict
    error: str | None
    runs: list[JobRunOut]

"""Jobs of a workspace: the registry with schedules, manual triggers (ADMIN), run history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request

from boostloop.enums import JobStatus, JobTrigger
from boostloop.errors import FieldError, InvalidInput
from boostloop.server.api.deps import CanAdminExpensive, CanRead, DbSession
from boostloop.server.api.pagination import decode_cursor, encode_cursor
from boostloop.server.api.problems import ApiProblem, problem_responses
from boostloop.server.db.models import JobRun
from boostloop.server.jobs import registry
from boostloop.server.jobs.runner import run_job
from boostloop.server.jobs.schemas import JobOut, JobRunOut, JobRunPage, TriggerOut

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/jobs", tags=["jobs"],
                   responses=problem_responses(401, 403, 404, 422, 429))


@router.get("", response_model=list[JobOut], summary="The jobs and their schedules")
def list_jobs(access: CanRead) -> list[JobOut]:
    now = datetime.now(UTC)
    return [
        JobOut(name=s.name, description=s.description, schedule=s.schedule.describe() if s.schedule else None,
               next_due_after=s.schedule.last_occurrence(now, access.workspace.timezone) if s.schedule else None)
        for s in registry.REGISTRY.values()
    ]


@router.get("/runs", response_model=JobRunPage, summary="Run history, newest first (cursor pagination)")
def list_runs(
    access: CanRead, session: DbSession,
    job_name: Annotated[str | None, Query(max_length=64)] = None,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JobRunPage:
    q = sa.select(JobRun).where(JobRun.workspace_id == access.workspace_id)
    if job_name:
        q = q.where(JobRun.job_name == job_name)
    if status:
        q = q.where(JobRun.status == status)
    if cursor:
        value, row_id = decode_cursor(cursor)
        try:
            at = datetime.fromisoformat(value)
            rid = uuid.UUID(row_id)
            if at.tzinfo is None:
                raise ValueError("naive")
        except (TypeError, ValueError):
            raise InvalidInput(errors=[FieldError(("query", "cursor"), "not a cursor this API returned")]) from None
        q = q.where(sa.or_(JobRun.started_at < at, sa.and_(JobRun.started_at == at, JobRun.id < rid)))
    rows = list(session.scalars(q.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor(rows[-1].started_at.isoformat(), rows[-1].id) if more and rows else None
    return JobRunPage(items=[JobRunOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/{job_name}/runs", response_model=TriggerOut,
             summary="Run a job now for this workspace (ADMIN; strict rate limit); waits for the result",
             description="One attempt (no backoff inside an HTTP request: call again to retry). "
             "409 when a run of this job for this workspace is in progress.",
             responses=problem_responses(409))
def trigger(job_name: str, access: CanAdminExpensive, session: DbSession, request: Request) -> TriggerOut:
    registry.get(job_name)  # 404 for an unknown job before anything runs
    # Finish this request's own small unit of work (token bookkeeping) before the job opens its own
    # transactions: on SQLite a pending write here would block the job's writer.
    session.commit()
    outcome = run_job(request.app.state.engine, job_name, access.workspace_id, trigger=JobTrigger.MANUAL,
                      cache=request.app.state.cache, max_attempts=1)
    if outcome.status == "SKIPPED":
        raise ApiProblem(409, f"job {job_name!r} is already running for this workspace")
    runs = list(session.scalars(sa.select(JobRun).where(JobRun.id.in_(outcome.run_ids)).order_by(JobRun.attempt)))
    return TriggerOut(job=job_name, status=outcome.status, attempts=outcome.attempts, counts=outcome.counts,
                      error=outcome.error, runs=[JobRunOut.model_validate(r) for r in runs])

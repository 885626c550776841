"""Run one job for one workspace: lease, attempts with backoff, and a ``job_runs`` row per attempt.

Atomicity: the body runs in one transaction, and the attempt's SUCCEEDED record is written in that same
transaction. If the process dies half-way, the database rolls the transaction back: nothing of the body
is left, the attempt's row stays RUNNING, and the lease stays until it expires. The next run (after
expiry) marks such RUNNING rows of the job as FAILED ("abandoned") and does the work in full.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from boostloop.enums import JobStatus, JobTrigger
from boostloop.server.db.models import JobRun, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.jobs import lease, registry
from boostloop.server.observability import metrics

log = logging.getLogger("boostloop.jobs")


@dataclass
class RunOutcome:
    job: str
    workspace_id: uuid.UUID
    status: str  # SUCCEEDED | FAILED | SKIPPED (lease held by another run)
    attempts: int = 0
    run_ids: list[uuid.UUID] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    error: str | None = None


def lease_key(job: str, workspace_id: uuid.UUID) -> str:
    return f"{job}:{workspace_id}"


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _short_error(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:4000]


def run_job(
    engine: Engine, name: str, workspace_id: uuid.UUID, *, trigger: JobTrigger = JobTrigger.MANUAL,
    now: datetime | None = None, holder: str | None = None, sleep: Callable[[float], None] = time.sleep,
    cache=None,
    max_attempts: int | None = None,
) -> RunOutcome:
    spec = registry.get(name)
    attempts = max_attempts or spec.max_attempts
    started = now or datetime.now(UTC)
    t0 = time.monotonic()

    def clock() -> datetime:
        return started + timedelta(seconds=time.monotonic() - t0)

    holder = holder or default_holder()
    key = lease_key(name, workspace_id)
    outcome = RunOutcome(job=name, workspace_id=workspace_id, status="SKIPPED")
    if not lease.acquire(engine, key, holder, started, spec.lease_seconds):
        log.info("job skipped: lease held", extra={"job": name, "workspace_id": str(workspace_id)})
        return outcome
    try:
        with session_scope(engine) as s:  # runs left RUNNING by a dead holder (we hold the lease now)
            s.execute(
                sa.update(JobRun).where(JobRun.job_name == name, JobRun.workspace_id == workspace_id,
                                        JobRun.status == JobStatus.RUNNING)
                .values(status=JobStatus.FAILED, finished_at=started,
                        error="abandoned: the process running it stopped; its work was rolled back")
            )
        for attempt in range(1, attempts + 1):
            run_id = uuid.uuid4()
            outcome.attempts = attempt
            outcome.run_ids.append(run_id)
            with session_scope(engine) as s:
                s.add(JobRun(id=run_id, workspace_id=workspace_id, job_name=name, trigger=trigger,
                             status=JobStatus.RUNNING, attempt=attempt, started_at=clock(), counts={}))
            a0 = time.perf_counter()
            try:
                body = spec.resolve()
                with session_scope(engine) as s:
                    counts = body(s, workspace_id, started) or {}
                    s.execute(sa.update(JobRun).where(JobRun.id == run_id).values(
                        status=JobStatus.SUCCEEDED, finished_at=clock(), counts=counts))
                metrics.JOB_RUNS.labels(job=name, status="SUCCEEDED").inc()
                metrics.JOB_DURATION.labels(job=name).observe(time.perf_counter() - a0)
                outcome.status, outcome.counts, outcome.error = "SUCCEEDED", counts, None
                if cache is not None and spec.invalidates_cache:
                    cache.invalidate_workspace(workspace_id)
                log.info("job succeeded", extra={"job": name, "workspace_id": str(workspace_id),
                                                 "attempt": attempt, "counts": counts})
                return outcome
            except Exception as exc:  # noqa: BLE001 - every failure is recorded, then retried or reported
                error = _short_error(exc)
                metrics.JOB_RUNS.labels(job=name, status="FAILED").inc()
                metrics.JOB_DURATION.labels(job=name).observe(time.perf_counter() - a0)
                with session_scope(engine) as s:
                    s.execute(sa.update(JobRun).where(JobRun.id == run_id).values(
                        status=JobStatus.FAILED, finished_at=clock(), error=error))
                outcome.status, outcome.error = "FAILED", error
                log.warning("job attempt failed", extra={"job": name, "workspace_id": str(workspace_id),
                                                         "attempt": attempt, "error": error})
                if isinstance(exc, registry.JobUnavailable) or attempt == attempts:
                    return outcome
                sleep(spec.backoff_seconds * 2 ** (attempt - 1))
        return outcome
    finally:
        lease.release(engine, key, holder)


def workspace_ids(engine: Engine) -> list[tuple[uuid.UUID, str]]:
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(sa.select(Workspace.id, Workspace.timezone).order_by(Workspace.id))]


def prune_runs(session, workspace_id: uuid.UUID, before: datetime) -> int:  # noqa: ANN001
    """Delete the workspace's finished ``job_runs`` that started before ``before``; returns how many. The
    5-minute notifications job alone writes ~288 rows a day per workspace; the retention job calls this
    with the workspace's retention cutoff, so run history is kept as long as the data it describes.
    RUNNING rows stay (the next run of their job marks them abandoned)."""
    result = session.execute(sa.delete(JobRun).where(
        JobRun.workspace_id == workspace_id, JobRun.started_at < before, JobRun.status != JobStatus.RUNNING,
    ))
    return int(result.rowcount or 0)

"""The in-process scheduler of ``boostloop serve`` (``BOOSTLOOP_RUN_SCHEDULER``, default on).

Every ``tick_seconds`` it asks, for each scheduled job and workspace: has the latest scheduled time
(in the workspace's zone) passed without a SCHEDULE run started since? If so it runs the job (the lease
stops a second instance, or a cron ``boostloop jobs run``, from running it at the same time). Because the
question is answered from ``job_runs``, a restart or a missed tick catches up with one run, not many.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from boostloop.enums import JobTrigger
from boostloop.server.db.models import JobRun
from boostloop.server.jobs import registry
from boostloop.server.jobs.runner import RunOutcome, run_job, workspace_ids

log = logging.getLogger("boostloop.scheduler")


def due_jobs(engine: Engine, now: datetime) -> list[tuple[str, uuid.UUID]]:
    """(job, workspace) pairs whose latest scheduled time has passed with no SCHEDULE run since.

    One grouped query for the latest scheduled start of every (job, workspace), not one per pair.
    """
    out: list[tuple[str, uuid.UUID]] = []
    workspaces = workspace_ids(engine)
    with engine.connect() as conn:
        last = {
            (name, ws): started
            for name, ws, started in conn.execute(
                sa.select(JobRun.job_name, JobRun.workspace_id, sa.func.max(JobRun.started_at))
                .where(JobRun.trigger == JobTrigger.SCHEDULE)
                .group_by(JobRun.job_name, JobRun.workspace_id)
            )
        }
    for spec in list(registry.REGISTRY.values()):
        if spec.schedule is None:
            continue
        for ws_id, tz in workspaces:
            occ = spec.schedule.last_occurrence(now, tz)
            started = last.get((spec.name, ws_id))
            if started is not None and started.tzinfo is None:  # max() over SQLite text loses the type
                started = started.replace(tzinfo=UTC)
            if started is None or started < occ:
                out.append((spec.name, ws_id))
    return out


class Scheduler:
    def __init__(self, engine: Engine, *, tick_seconds: float = 30.0, cache=None) -> None:
        self.engine = engine
        self.tick_seconds = tick_seconds
        self.cache = cache
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None) -> list[RunOutcome]:
        now = now or datetime.now(UTC)
        outcomes = []
        for name, ws_id in due_jobs(self.engine, now):
            if self._stop.is_set():
                break
            outcomes.append(run_job(self.engine, name, ws_id, trigger=JobTrigger.SCHEDULE, now=now,
                                    cache=self.cache))
        return outcomes

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            self._stop.wait(self.tick_seconds)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="boostloop-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

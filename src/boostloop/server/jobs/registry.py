"""The named jobs, their schedules, and their bodies.

A job body is ``callable(session, workspace_id, now) -> dict[str, int]`` (counts recorded in
``job_runs.counts``). It runs in ONE transaction that the runner commits together with the run's
SUCCEEDED record, so a body must not commit (services never do) and a killed run leaves nothing written.

Bodies are looked up lazily by dotted path (``module:function``); the domain jobs point at the adapters
in ``jobs/bodies.py``, which import their domain when they run. A body whose domain is not installed makes
the run FAILED with that message (``JobUnavailable``: not retried). Tests and plugins add jobs with
``register(JobSpec(...))``.

Schedules (PLAN.md Phase 8, in the workspace's time zone, DESIGN.md "a workspace has a display time zone"):
``snapshots`` hourly at :00; ``insights`` then ``recommendations`` daily 09:00; ``training_data`` weekly
Sunday 02:00; ``notifications`` every 5 minutes (delivers and retries pending notifications);
``retention`` daily 03:00 (a quiet hour before the 09:00 analyses; it commits once per rolled-up UTC day,
see server/retention/service.py, so a killed run keeps the days it finished and the next run resumes).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from boostloop.errors import NotFound

JobBody = Callable[[Session, uuid.UUID, datetime], dict]


class JobUnavailable(Exception):
    """The body of a job cannot be imported (its domain is not installed): not retried."""


@dataclass(frozen=True)
class Schedule:
    """``kind``: ``hourly`` (at ``minute``), ``daily`` (``hour``:``minute``), ``weekly`` (``weekday``
    0=Monday..6=Sunday at ``hour``:``minute``), ``every`` (every ``every_minutes`` from midnight)."""

    kind: str
    minute: int = 0
    hour: int = 0
    weekday: int = 6
    every_minutes: int = 5

    def last_occurrence(self, now: datetime, tz: str = "UTC") -> datetime:
        """The latest scheduled time <= ``now`` (aware UTC), computed in the workspace's zone."""
        local = now.astimezone(ZoneInfo(tz))
        if self.kind == "hourly":
            occ = local.replace(minute=self.minute, second=0, microsecond=0)
            if occ > local:
                occ -= timedelta(hours=1)
        elif self.kind == "daily":
            occ = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
            if occ > local:
                occ = (occ - timedelta(days=1)).replace(hour=self.hour, minute=self.minute)
        elif self.kind == "weekly":
            occ = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
            occ -= timedelta(days=(local.weekday() - self.weekday) % 7)
            if occ > local:
                occ -= timedelta(days=7)
            # re-apply the wall time: subtracting days across a DST change keeps the wall clock in zoneinfo
            occ = occ.replace(hour=self.hour, minute=self.minute)
        elif self.kind == "every":
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            minutes = int((local - midnight).total_seconds() // 60)
            occ = midnight + timedelta(minutes=minutes - minutes % self.every_minutes)
        else:  # pragma: no cover - construction error
            raise ValueError(f"unknown schedule kind {self.kind!r}")
        return occ.astimezone(UTC)

    def describe(self) -> str:
        if self.kind == "hourly":
            return f"hourly at :{self.minute:02d}"
        if self.kind == "daily":
            return f"daily {self.hour:02d}:{self.minute:02d} workspace time"
        if self.kind == "weekly":
            day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][self.weekday]
            return f"weekly {day} {self.hour:02d}:{self.minute:02d} workspace time"
        return f"every {self.every_minutes} minutes"


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    schedule: Schedule | None
    body: JobBody | str  # a callable, or "module:function" resolved at run time
    max_attempts: int = 3
    # Retry waits backoff_seconds * 2^(attempt-1): 30 s, 60 s; long enough for a database failover or a
    # lock to clear, short enough that the run still finishes within its hour.
    backoff_seconds: float = 30.0
    # A run holds its lease this long; a killed run's lease expires after it and the next run takes over.
    # Longer than the slowest expected run (an hour) so a live run is never overtaken.
    lease_seconds: int = 3600
    invalidates_cache: bool = False
    extra: dict = field(default_factory=dict)

    def resolve(self) -> JobBody:
        if callable(self.body):
            return self.body
        module, _, func = self.body.partition(":")
        try:
            return getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:
            raise JobUnavailable(f"job {self.name!r}: its body {self.body} is not available ({exc})") from exc


REGISTRY: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def get(name: str) -> JobSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise NotFound(f"no job named {name!r}; jobs: {', '.join(REGISTRY)}") from None


register(JobSpec("snapshots", "Collect a performance snapshot of every active boost.",
                 Schedule("hourly", minute=0), "boostloop.server.jobs.bodies:snapshots",
                 invalidates_cache=True))
register(JobSpec("insights", "Detect patterns, anomalies and best practices.",
                 Schedule("daily", hour=9), "boostloop.server.jobs.bodies:insights",
                 invalidates_cache=True))
register(JobSpec("recommendations", "Generate boost recommendations with confidence intervals.",
                 Schedule("daily", hour=9), "boostloop.server.jobs.bodies:recommendations",
                 invalidates_cache=True))
register(JobSpec("training_data", "Aggregate finished boosts into the training dataset.",
                 Schedule("weekly", weekday=6, hour=2), "boostloop.server.jobs.bodies:training_data"))
register(JobSpec("notifications", "Deliver new high-priority recommendations and HIGH/CRITICAL insights.",
                 Schedule("every", every_minutes=5), "boostloop.server.notifications.service:notify_job",
                 max_attempts=1, lease_seconds=600))
register(JobSpec("retention", "Roll events and snapshots older than the workspace's retention up into daily "
                 "aggregates and the Parquet archive.",
                 Schedule("daily", hour=3), "boostloop.server.jobs.bodies:retention",
                 invalidates_cache=True))

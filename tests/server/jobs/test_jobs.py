"""Schedules, the lease, retries with backoff, run records, the scheduler, and a job killed half-way."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from boostloop.enums import JobStatus, JobTrigger
from boostloop.server.db.models import JobLease, JobRun, NotificationChannel, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.jobs import lease, registry
from boostloop.server.jobs.registry import JobSpec, Schedule
from boostloop.server.jobs.runner import lease_key, run_job
from boostloop.server.jobs.scheduler import Scheduler, due_jobs
from boostloop.server.workspaces.service import create_workspace
from tests.server.jobs.killable import write_channels

REPO = Path(__file__).resolve().parents[3]


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


# --- schedules, hand-worked ------------------------------------------------------------------------------

def test_hourly_daily_weekly_every_last_occurrence() -> None:
    now = utc(2026, 11, 24, 10, 17, 5)  # a Tuesday
    assert Schedule("hourly").last_occurrence(now) == utc(2026, 11, 24, 10, 0)
    # 09:00 in Berlin (UTC+1 in November) is 08:00 UTC; 10:17 UTC is after it
    assert Schedule("daily", hour=9).last_occurrence(now, "Europe/Berlin") == utc(2026, 11, 24, 8, 0)
    # 09:00 in New York (UTC-5) is 14:00 UTC: not yet today, so yesterday's
    assert Schedule("daily", hour=9).last_occurrence(now, "America/New_York") == utc(2026, 11, 23, 14, 0)
    # Sunday 02:00 UTC before Tuesday 24 Nov is Sunday 22 Nov
    assert Schedule("weekly", weekday=6, hour=2).last_occurrence(now) == utc(2026, 11, 22, 2, 0)
    assert Schedule("every", every_minutes=5).last_occurrence(now) == utc(2026, 11, 24, 10, 15)


def test_weekly_schedule_across_a_dst_change() -> None:
    # Europe/Berlin leaves summer time on Sunday 25 Oct 2026 at 03:00 CEST -> 02:00 CET.
    # On Tuesday 27 Oct, the last "Sunday 02:00 Berlin" is 25 Oct 02:00 CEST = 00:00 UTC.
    now = utc(2026, 10, 27, 12, 0)
    assert Schedule("weekly", weekday=6, hour=2).last_occurrence(now, "Europe/Berlin") == utc(2026, 10, 25, 0, 0)
    # On Tuesday 3 Nov it is 1 Nov 02:00 CET = 01:00 UTC
    now = utc(2026, 11, 3, 12, 0)
    assert Schedule("weekly", weekday=6, hour=2).last_occurrence(now, "Europe/Berlin") == utc(2026, 11, 1, 1, 0)
    # exactly at the occurrence it is that occurrence
    assert Schedule("weekly", weekday=6, hour=2).last_occurrence(utc(2026, 11, 1, 1, 0), "Europe/Berlin") == \
        utc(2026, 11, 1, 1, 0)


def test_registry_has_the_plan_jobs() -> None:
    assert {"snapshots", "insights", "recommendations", "training_data", "notifications"} <= set(registry.REGISTRY)
    assert registry.get("snapshots").schedule.describe() == "hourly at :00"
    assert registry.get("insights").schedule.describe() == "daily 09:00 workspace time"
    assert registry.get("training_data").schedule.describe() == "weekly Sunday 02:00 workspace time"


# --- lease ------------------------------------------------------------------------------------------------

def test_lease_one_holder_until_expiry(engine) -> None:
    t = utc(2026, 1, 1)
    assert lease.acquire(engine, "k", "a", t, 60)
    assert not lease.acquire(engine, "k", "b", t + timedelta(seconds=59), 60)
    assert lease.holder_of(engine, "k")[0] == "a"
    assert lease.acquire(engine, "k", "b", t + timedelta(seconds=60), 60)  # expired: taken over
    lease.release(engine, "k", "a")  # a no longer holds it: no effect
    assert lease.holder_of(engine, "k")[0] == "b"
    lease.release(engine, "k", "b")
    assert lease.holder_of(engine, "k") is None


# --- runner -----------------------------------------------------------------------------------------------

@pytest.fixture
def ws(engine) -> uuid.UUID:
    with session_scope(engine) as s:
        return create_workspace(s, name="W", slug="w", timezone="Europe/Berlin").id


@pytest.fixture
def job():
    names = []

    def make(name: str, body, **kw):
        registry.register(JobSpec(name, "test", None, body, **kw))
        names.append(name)
        return name

    yield make
    for n in names:
        registry.unregister(n)


def _runs(engine, name):
    with session_scope(engine) as s:
        return list(s.scalars(sa.select(JobRun).where(JobRun.job_name == name).order_by(JobRun.attempt)))


def test_retries_with_backoff_then_success_records_every_attempt(engine, ws, job) -> None:
    calls = []

    def flaky(session, workspace_id, now):
        calls.append(now)
        session.add(NotificationChannel(workspace_id=workspace_id, kind="EMAIL", name=f"try{len(calls)}",
                                        recipients=["a@b.c"], enabled=True, created_at=now))
        session.flush()
        if len(calls) < 3:
            raise ConnectionError(f"database went away ({len(calls)})")
        return {"written": 1}

    name = job("flaky", flaky, max_attempts=3, backoff_seconds=30)
    slept: list[float] = []
    out = run_job(engine, name, ws, sleep=slept.append)
    assert out.status == "SUCCEEDED" and out.attempts == 3 and out.counts == {"written": 1}
    assert slept == [30, 60]  # 30 s x 2^(attempt-1)
    runs = _runs(engine, name)
    assert [(r.attempt, r.status) for r in runs] == [(1, JobStatus.FAILED), (2, JobStatus.FAILED),
                                                      (3, JobStatus.SUCCEEDED)]
    assert "ConnectionError: database went away (1)" in runs[0].error
    assert runs[2].counts == {"written": 1} and runs[2].finished_at >= runs[2].started_at
    with session_scope(engine) as s:  # the failed attempts' rows were rolled back
        names = s.scalars(sa.select(NotificationChannel.name).where(NotificationChannel.workspace_id == ws)).all()
    assert names == ["try3"]
    assert lease.holder_of(engine, lease_key(name, ws)) is None


def test_exhausted_retries_fail_and_release_the_lease(engine, ws, job) -> None:
    def broken(session, workspace_id, now):
        raise ValueError("bad data in boost 7")

    name = job("broken", broken, max_attempts=2, backoff_seconds=1)
    out = run_job(engine, name, ws, sleep=lambda s: None)
    assert out.status == "FAILED" and out.attempts == 2 and "bad data in boost 7" in out.error
    assert [r.status for r in _runs(engine, name)] == [JobStatus.FAILED, JobStatus.FAILED]
    assert lease.holder_of(engine, lease_key(name, ws)) is None


def test_unavailable_body_fails_once_without_retry(engine, ws, job) -> None:
    name = job("missing", "boostloop.server.nowhere.jobs:run", max_attempts=3)
    slept: list[float] = []
    out = run_job(engine, name, ws, sleep=slept.append)
    assert out.status == "FAILED" and out.attempts == 1 and slept == []
    assert "is not available" in out.error


def test_a_held_lease_skips_the_run(engine, ws, job) -> None:
    name = job("held", lambda s, w, n: {"x": 1})
    now = datetime.now(UTC)
    assert lease.acquire(engine, lease_key(name, ws), "someone-else", now, 600)
    assert run_job(engine, name, ws, now=now).status == "SKIPPED"
    assert _runs(engine, name) == []


def test_job_killed_half_way_leaves_nothing_and_the_next_run_completes_it(engine, ws, job) -> None:
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "tests.server.jobs.killable", url, str(ws), "50", "25"],
                          cwd=REPO, env=env, capture_output=True, timeout=120, check=False)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]  # SIGKILL half-way
    with session_scope(engine) as s:
        written = s.scalar(sa.select(sa.func.count()).select_from(NotificationChannel)
                           .where(NotificationChannel.workspace_id == ws))
        lease_row = s.get(JobLease, lease_key("killable", ws))
    assert written == 0  # 25 rows were flushed, none committed
    runs = _runs(engine, "killable")
    assert [r.status for r in runs] == [JobStatus.RUNNING]
    assert lease_row is not None  # the dead holder's lease stays until it expires
    name = job("killable", write_channels(50, None), lease_seconds=600)
    # before expiry: another run is refused
    assert run_job(engine, name, ws, now=datetime.now(UTC)).status == "SKIPPED"
    # after expiry: the next run takes the lease over, marks the dead run, and does all the work
    out = run_job(engine, name, ws, now=lease_row.expires_at + timedelta(seconds=1))
    assert out.status == "SUCCEEDED" and out.counts == {"written": 50}
    with session_scope(engine) as s:
        names = s.scalars(sa.select(NotificationChannel.name).where(NotificationChannel.workspace_id == ws)).all()
    assert sorted(names) == sorted(f"job-row-{i}" for i in range(50))
    runs = _runs(engine, "killable")
    assert sorted(r.status.value for r in runs) == ["FAILED", "SUCCEEDED"]
    assert "abandoned" in next(r.error for r in runs if r.status == JobStatus.FAILED)


# --- scheduler --------------------------------------------------------------------------------------------

def test_scheduler_runs_what_is_due_once_per_occurrence(engine, ws, job, monkeypatch) -> None:
    monkeypatch.setattr(registry, "REGISTRY", {})
    seen = []
    registry.register(JobSpec("hourly_t", "t", Schedule("hourly"), lambda s, w, n: seen.append(("h", n)) or {}))
    registry.register(JobSpec("daily_t", "t", Schedule("daily", hour=9), lambda s, w, n: seen.append(("d", n)) or {}))
    sched = Scheduler(engine)
    # 07:30 UTC = 08:30 Berlin: the daily 09:00 (Berlin) of yesterday has not run yet, nor this hour's
    t0 = utc(2026, 11, 24, 7, 30)
    assert sorted(due_jobs(engine, t0)) == [("daily_t", ws), ("hourly_t", ws)]
    assert {o.status for o in sched.tick(t0)} == {"SUCCEEDED"}
    assert due_jobs(engine, t0 + timedelta(minutes=20)) == []  # same occurrences: nothing due
    assert sched.tick(t0 + timedelta(minutes=20)) == []
    # 08:05 UTC = 09:05 Berlin: both the new hour and today's 09:00 are due
    assert sorted(due_jobs(engine, utc(2026, 11, 24, 8, 5))) == [("daily_t", ws), ("hourly_t", ws)]
    sched.tick(utc(2026, 11, 24, 8, 5))
    assert due_jobs(engine, utc(2026, 11, 24, 8, 59)) == []
    assert sorted(k for k, _ in seen) == ["d", "d", "h", "h"]
    with session_scope(engine) as s:
        triggers = set(s.scalars(sa.select(JobRun.trigger)))
    assert triggers == {JobTrigger.SCHEDULE}


def test_scheduler_thread_starts_and_stops(engine, ws, monkeypatch) -> None:
    import threading

    monkeypatch.setattr(registry, "REGISTRY", {})
    ran = threading.Event()
    registry.register(JobSpec("every_t", "t", Schedule("every", every_minutes=5),
                              lambda s, w, n: ran.set() or {}))
    sched = Scheduler(engine, tick_seconds=0.05)
    sched.start()
    try:
        assert ran.wait(10)
    finally:
        sched.stop()
    assert sched._thread is None


def test_cli_jobs_run(engine, ws, tmp_path) -> None:
    from typer.testing import CliRunner

    from boostloop.cli import app

    url = engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(app, ["jobs", "run", "notifications", "--workspace", "w", "--database-url", url])
    assert r.exit_code == 0, r.output
    assert '"status": "SUCCEEDED"' in r.output
    r = CliRunner().invoke(app, ["jobs", "run", "nope", "--database-url", url])
    assert r.exit_code == 2 and "no job named" in r.output
    # a job whose domain is not installed yet exits 1 and says why
    r = CliRunner().invoke(app, ["jobs", "run", "snapshots", "--database-url", url])
    if "is not available" in r.output:
        assert r.exit_code == 1
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.trigger == JobTrigger.CLI)) >= 1
        assert s.get(Workspace, ws) is not None


_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]


@given(
    now=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    tz=st.sampled_from(_ZONES),
    schedule=st.sampled_from([Schedule("hourly"), Schedule("daily", hour=9), Schedule("weekly", weekday=6, hour=2),
                              Schedule("every", every_minutes=5), Schedule("daily", hour=2, minute=30)]),
)
@example(now=datetime(2026, 3, 29, 12, 0, tzinfo=UTC), tz="Europe/Berlin",  # Sunday 02:00 does not exist
         schedule=Schedule("weekly", weekday=6, hour=2))
@example(now=datetime(2026, 10, 25, 12, 0, tzinfo=UTC), tz="Europe/Berlin",  # Sunday 02:00 happens twice
         schedule=Schedule("weekly", weekday=6, hour=2))
@settings(max_examples=300, deadline=None)
def test_last_occurrence_is_the_latest_scheduled_instant_not_after_now(now, tz, schedule) -> None:
    """Invariants in every zone, DST changes included: the occurrence is not after now; it is less than
    one period (plus the one-hour DST shift) before now; and in local wall time it is the scheduled
    minute (and hour / weekday), except when that wall time does not exist that day (spring forward)."""
    from zoneinfo import ZoneInfo

    occ = schedule.last_occurrence(now, tz)
    assert occ.tzinfo is not None and occ <= now
    period = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7),
              "every": timedelta(minutes=5)}[schedule.kind]
    slack = timedelta(hours=1) if schedule.kind in ("daily", "weekly") else timedelta(minutes=45)
    assert now - occ < period + slack
    zone = ZoneInfo(tz)
    local = occ.astimezone(zone)
    if schedule.kind in ("daily", "weekly"):
        wall = datetime(local.year, local.month, local.day, schedule.hour, schedule.minute)
        aware = wall.replace(tzinfo=zone)
        exists = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
        if exists:
            assert (local.hour, local.minute) == (schedule.hour, schedule.minute)
        else:  # skipped by a spring-forward change: the instant Python's fold=0 gives that wall time
            assert occ == aware.astimezone(UTC)
        if schedule.kind == "weekly":
            assert wall.weekday() == schedule.weekday
    if schedule.kind == "every":
        assert local.minute % 5 == 0 and local.second == 0


def test_racing_runs_of_one_job_one_wins(engine, ws, job) -> None:
    """Eight threads start the same job at once: exactly one runs it, the others are SKIPPED."""
    import threading

    started = threading.Barrier(8)
    inside = []

    def slow(session, workspace_id, now):
        inside.append(1)
        import time

        time.sleep(0.3)
        return {"ran": 1}

    name = job("raced", slow)
    outcomes = []

    def go() -> None:
        started.wait()
        outcomes.append(run_job(engine, name, ws).status)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["SKIPPED"] * 7 + ["SUCCEEDED"]
    assert len(inside) == 1

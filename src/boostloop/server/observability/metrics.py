"""Prometheus metrics of the process (``GET /metrics``). Alert rules: ``deploy/prometheus/alerts.yml``.

Hooks for the domain code (call them; they cost a dictionary lookup):

- ``snapshot_collected(ok: bool, n=1)``: after each boost's snapshot attempt (success-rate alert);
- ``with attribution_timer(workspace_kind="batch"):`` around attribution processing; an exception inside
  counts in ``boostloop_attribution_errors_total`` (processing-errors alert);
- the job runner records ``boostloop_job_runs_total{job,status}`` itself (recommendation failures alert).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

# Buckets span a cache hit (~5 ms) to the 2 s "slow dashboard query" threshold and beyond.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)

HTTP_LATENCY = Histogram(
    "boostloop_http_request_duration_seconds", "Request latency by route template.",
    ["method", "route", "status"], buckets=_LATENCY_BUCKETS,
)
JOB_RUNS = Counter("boostloop_job_runs_total", "Job attempts by outcome.", ["job", "status"])
JOB_DURATION = Histogram(
    "boostloop_job_duration_seconds", "Job attempt duration.", ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
SNAPSHOTS = Counter("boostloop_snapshot_collections_total", "Snapshot collections by outcome.", ["outcome"])
ATTRIBUTION_LATENCY = Histogram(
    "boostloop_attribution_processing_seconds", "Attribution processing time.", ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60),
)
ATTRIBUTION_ERRORS = Counter("boostloop_attribution_errors_total", "Attribution processing errors.", ["kind"])
NOTIFICATIONS = Counter("boostloop_notifications_total", "Notification attempts.", ["channel", "outcome"])
BACKEND_ERRORS = Counter("boostloop_backend_errors_total", "Cache / rate-limit backend failures (fail open).",
                         ["component"])
RATE_LIMITED = Counter("boostloop_rate_limited_total", "Requests refused with 429.", ["klass"])


def snapshot_collected(ok: bool, n: int = 1) -> None:
    SNAPSHOTS.labels(outcome="success" if ok else "failure").inc(n)


@contextmanager
def attribution_timer(kind: str = "batch") -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    except Exception:
        ATTRIBUTION_ERRORS.labels(kind=kind).inc()
        raise
    finally:
        ATTRIBUTION_LATENCY.labels(kind=kind).observe(time.perf_counter() - start)

"""The bodies of the scheduled jobs: thin adapters from ``(session, workspace_id, now)`` to the domain
services, returning counts for ``job_runs.counts``.

The domains are imported when a job runs, so this module loads on a branch where a domain is missing;
such a job then fails with ``JobUnavailable`` (recorded, not retried). The signatures called here are the
ones on the domain branches at the time of writing (feat/boosts, feat/insights, feat/learning); the
adapters are the one place to adjust if they change at merge.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from boostloop.server.jobs.registry import JobUnavailable
from boostloop.server.observability import metrics


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise JobUnavailable(f"{module} is not available on this installation ({exc})") from exc


def snapshots(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict:
    mod = _need("boostloop.server.boosts.snapshots")
    try:
        r = mod.collect_snapshots(session, workspace_id, now=now)
    except Exception:
        metrics.snapshot_collected(False)
        raise
    metrics.snapshot_collected(True, r.created)
    out = {"considered": r.considered, "due": r.due, "created": r.created,
           "skipped_existing": r.skipped_existing, "completed": len(r.completed)}
    # Then the boosts' stored effectiveness results whose inputs may have changed (missing, window still
    # open, boost row changed: ``effectiveness.store``), so that dashboard reads find them computed.
    try:
        store = importlib.import_module("boostloop.server.effectiveness.store")
    except ImportError:
        return out
    out["effectiveness_results"] = store.refresh(session, workspace_id, now=now, full_check=True)
    # And the boosts' stored attribution splits (the boost detail's, ``boosts.split_store``).
    out["attribution_splits"] = importlib.import_module("boostloop.server.boosts.split_store").refresh(
        session, workspace_id, now=now)
    return out


def insights(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict:
    mod = _need("boostloop.server.insights.service")
    s = mod.generate_and_store(session, workspace_id, now=now).summary
    return {"boosts_analysed": s.boosts_analysed, "tests": s.tests, "significant": s.significant,
            "created": s.created, "already_live": s.already_live}


def recommendations(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict:
    mod = _need("boostloop.server.learning.service")
    closed = mod.close_loop(session, workspace_id, now)  # realised outcomes of applied recommendations
    r = mod.generate_recommendations(session, workspace_id, now)
    return {"created": len(r.created), "skipped_duplicates": r.skipped_duplicates, "expired": r.expired,
            "model_version": r.model_version, "outcomes_closed": closed}


def training_data(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict:
    mod = _need("boostloop.server.learning.service")
    r = mod.build_training_data(session, workspace_id, now)
    model = mod.train(session, workspace_id, now)
    return {"created": r.created, "updated": r.updated, "training_ready": r.training_ready,
            "model_version": model.version, "training_rows": model.training_rows}


def retention(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict:
    """Commits after every rolled-up day (``commit=session.commit``): the one job that does, because a
    first run over a long history would otherwise be one transaction holding locks for minutes; each
    day's step is complete on its own and the watermark says where the next run resumes."""
    mod = _need("boostloop.server.retention.service")
    from boostloop.server.db.models import Workspace

    from boostloop.server.jobs.runner import prune_runs

    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        return {"days": 0}
    counts = mod.roll_up(session, workspace, now, commit=session.commit).counts()
    # Job history older than the workspace's retention goes too (docs/retention.md).
    counts["job_runs_pruned"] = prune_runs(session, workspace_id, now - timedelta(days=workspace.retention_days))
    return counts

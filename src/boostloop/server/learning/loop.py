"""Closing the loop: applied recommendations' realised outcomes against their projections.

``close_loop`` sets ``realised_outcome`` on every applied recommendation whose boost has finished and has a
training row with its three targets: the realised reach, conversions and ROI, whether each fell inside the
projected 90 % interval, and the absolute error of the projection. ``calibration_report`` summarises them
(coverage and mean absolute error per target, overall and per recommendation type); ``train`` stores it
with each model version, and the finished boosts themselves are training rows, so the next training run
learns from them.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from boostloop.analytics.learning.features import TARGETS
from boostloop.server.learning import repository as repo


def close_loop(session: Session, workspace_id: uuid.UUID, now: datetime) -> int:
    """Record realised outcomes of finished applied boosts; returns how many were newly closed."""
    rows = repo.training_rows_by_boost(session, workspace_id)
    closed = 0
    for rec in repo.applied_recommendations(session, workspace_id):
        if rec.realised_outcome is not None or rec.resulting_boost_id is None:
            continue
        row = rows.get(rec.resulting_boost_id)
        if row is None or any(row.labels.get(t) is None for t in TARGETS):
            continue
        projected = {"reach": rec.projected_reach, "conversions": rec.projected_conversions, "roi": rec.projected_roi}
        ci = rec.confidence_interval or {}
        out = {"measured_at": now.isoformat(), "inside": {}, "abs_error": {}, "projected": projected}
        for t in TARGETS:
            y = float(row.labels[t])
            out[t] = y
            lo, hi = (ci.get(t) or {}).get("low"), (ci.get(t) or {}).get("high")
            out["inside"][t] = bool(lo is not None and hi is not None and lo <= y <= hi)
            out["abs_error"][t] = abs(y - float(projected[t]))
        rec.realised_outcome = out
        closed += 1
    session.flush()
    return closed


def calibration_report(session: Session, workspace_id: uuid.UUID) -> dict:
    """Coverage and mean absolute error of projections, overall and by recommendation type."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in repo.applied_recommendations(session, workspace_id):
        if rec.realised_outcome:
            groups[rec.recommendation_type.value].append(rec.realised_outcome)
            groups["ALL"].append(rec.realised_outcome)

    def summary(items: list[dict]) -> dict:
        return {
            "n": len(items),
            "coverage": {t: sum(i["inside"][t] for i in items) / len(items) for t in TARGETS},
            "mae": {t: sum(i["abs_error"][t] for i in items) / len(items) for t in TARGETS},
        }

    overall = summary(groups.pop("ALL")) if "ALL" in groups else {"n": 0}
    return {"overall": overall, "by_type": {k: summary(v) for k, v in sorted(groups.items())}, "level": 0.9}

"""The job bodies call the merged domain services: each job runs on real rows and its ``job_runs`` record
holds the counts the service returned, and those counts match the rows written (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from boostloop.enums import JobStatus, JobTrigger
from boostloop.server.boosts import service as boosts
from boostloop.server.db.models import (
    BoostInsight,
    BoostMlTrainingData,
    BoostPerformanceSnapshot,
    BoostRecommendation,
    JobRun,
    TrainedModel,
)
from boostloop.server.db.session import session_scope
from boostloop.server.jobs.runner import run_job
from tests.server.boosts import factories
from tests.server.boosts.factories import T0


def _workspace_with_a_boost(engine):
    with session_scope(engine) as s:
        ws = factories.workspace(s)
        acc = factories.account(s, ws)
        post = factories.post(s, acc)
        factories.organic(s, post, T0 - timedelta(hours=1), impressions=1000, reach=800, engagements=40)
        camp = factories.campaign(s, ws)
        for h in range(6):
            factories.paid(s, camp, T0 + timedelta(hours=h), impressions=500, clicks=10, conversions=1, value=2000,
                           spend=1000, reach=400)
        b = boosts.create_boost(s, ws.id, post_id=post.id, campaign_id=camp.id, boosted_at=T0, boosted_by="ana",
                                reason="", strategy="reach", targeting=None, budget_cents=6000, duration_days=1)
        return ws.id, b.id


def _run(engine, ws_id, name, now=T0 + timedelta(hours=3, minutes=5)):
    out = run_job(engine, name, ws_id, trigger=JobTrigger.MANUAL, now=now, max_attempts=1)
    with session_scope(engine) as s:
        rows = list(s.scalars(sa.select(JobRun).where(JobRun.id.in_(out.run_ids))))
        return out, [(r.status, r.counts) for r in rows]


def test_snapshots_job_collects_due_snapshots_and_records_counts(engine) -> None:
    ws_id, boost_id = _workspace_with_a_boost(engine)
    out, rows = _run(engine, ws_id, "snapshots")
    assert out.status == "SUCCEEDED", out.error
    with session_scope(engine) as s:
        stored = list(s.scalars(sa.select(BoostPerformanceSnapshot)
                                .where(BoostPerformanceSnapshot.boost_campaign_id == boost_id)))
        # hourly cadence from T0, now = T0 + 3h05: the latest grid point, +3h, is due (one snapshot per run)
        assert [x.snapshot_at for x in stored] == [T0 + timedelta(hours=3)]
        # the paid delivery of the three whole hours [T0, T0 + 3h): 3 x 1,000 cents, 3 conversions
        assert (stored[0].paid_spend_cents, stored[0].paid_conversions) == (3000, 3)
    assert out.counts["created"] == out.counts["due"] == 1
    assert out.counts["considered"] == 1
    assert rows == [(JobStatus.SUCCEEDED, out.counts)]
    # the same instant again: nothing new is due, nothing written twice
    again, _ = _run(engine, ws_id, "snapshots")
    assert again.status == "SUCCEEDED" and again.counts["created"] == 0


def test_insights_job_runs_the_detectors_and_records_counts(engine) -> None:
    ws_id, _ = _workspace_with_a_boost(engine)
    out, rows = _run(engine, ws_id, "insights")
    assert out.status == "SUCCEEDED", out.error
    with session_scope(engine) as s:
        stored = s.scalar(sa.select(sa.func.count()).select_from(BoostInsight).where(BoostInsight.workspace_id == ws_id))
    assert out.counts["created"] == stored
    assert set(out.counts) == {"boosts_analysed", "tests", "significant", "created", "already_live"}
    assert out.counts["boosts_analysed"] == 1
    assert rows == [(JobStatus.SUCCEEDED, out.counts)]


def test_training_data_and_recommendations_jobs_run_and_record_counts(engine) -> None:
    ws_id, boost_id = _workspace_with_a_boost(engine)
    later = T0 + timedelta(days=3)  # the one-day boost has ended; its closing snapshot is collected first
    assert _run(engine, ws_id, "snapshots", later)[0].counts["completed"] == 1
    out, rows = _run(engine, ws_id, "training_data", later)
    assert out.status == "SUCCEEDED", out.error
    with session_scope(engine) as s:
        stored = s.scalar(sa.select(sa.func.count()).select_from(BoostMlTrainingData)
                          .where(BoostMlTrainingData.workspace_id == ws_id))
        model = s.scalar(sa.select(TrainedModel).where(TrainedModel.workspace_id == ws_id))
    assert out.counts["created"] == stored == 1  # one boost, one training row
    assert out.counts["model_version"] == model.version and out.counts["training_rows"] == model.training_rows
    assert rows == [(JobStatus.SUCCEEDED, out.counts)]
    out, rows = _run(engine, ws_id, "recommendations", later)
    assert out.status == "SUCCEEDED", out.error
    with session_scope(engine) as s:
        recs = s.scalar(sa.select(sa.func.count()).select_from(BoostRecommendation)
                        .where(BoostRecommendation.workspace_id == ws_id))
    assert out.counts["created"] == recs
    assert rows == [(JobStatus.SUCCEEDED, out.counts)]

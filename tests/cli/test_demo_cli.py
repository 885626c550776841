"""``boostloop demo --no-serve`` end to end on a temporary SQLite database (a small simulated workspace):
it loads once, back-fills the snapshot history, runs the jobs, and every page's data is there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from boostloop.cli import app
from boostloop.enums import JobStatus
from boostloop.server.db.models import (
    BoostCampaign,
    BoostMlTrainingData,
    BoostPerformanceSnapshot,
    JobRun,
    Workspace,
)
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.effectiveness import service as effectiveness
from boostloop.server.settings import get_settings

runner = CliRunner()


@pytest.mark.slow
def test_demo_no_serve(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("BOOSTLOOP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        first = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.2"])
        assert first.exit_code == 0, first.output
        for line in ("back-filled", "job snapshots: succeeded", "job training_data: succeeded",
                     "job insights: succeeded", "job recommendations: succeeded", "sign in as"):
            assert line in first.output
        second = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.2"])  # already loaded: nothing redone
        assert second.exit_code == 0 and "Loading" not in second.output and "back-filled" not in second.output
    finally:
        get_settings.cache_clear()

    engine = create_db_engine(url)
    with session_scope(engine) as s:
        (ws_id,) = s.scalars(sa.select(Workspace.id)).all()
        boosts = s.scalars(sa.select(BoostCampaign)).all()
        snaps = dict(s.execute(sa.select(BoostPerformanceSnapshot.boost_campaign_id, sa.func.count())
                               .group_by(BoostPerformanceSnapshot.boost_campaign_id)).all())
        now = datetime.now(UTC)
        started = [b for b in boosts if (now - b.boosted_at).total_seconds() >= 3600]
        assert started and all(snaps.get(b.id, 0) >= 1 for b in started)  # back-filled up to now
        # every boost that ran a full day has at least 24 hourly snapshots
        assert all(snaps[b.id] >= 24 for b in boosts if b.ended_at and (b.ended_at - b.boosted_at).days >= 1)
        runs = {r.job_name: r.status for r in s.scalars(sa.select(JobRun))}
        assert runs == {n: JobStatus.SUCCEEDED for n in ("snapshots", "training_data", "insights", "recommendations")}
        assert s.scalar(sa.select(sa.func.count()).select_from(BoostMlTrainingData)) > 0
        ov = effectiveness.overview(s, ws_id, now=datetime.now(UTC))
    engine.dispose()
    assert ov.total_boosts == ov.analysed_boosts == len(boosts)
    assert ov.total_spend_cents > 0


@pytest.mark.slow
def test_simulate_prepare_backfills_and_runs_the_jobs_as_of_the_simulated_end(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    out = runner.invoke(app, ["simulate", "--scale", "0.2", "--seed", "3", "--database-url", url, "--prepare"])
    assert out.exit_code == 0, out.output
    assert "back-filled" in out.output and "job recommendations: succeeded" in out.output
    from boostloop.simulate import generate, load_world

    end = generate(load_world(), 3, scale=0.2).end
    engine = create_db_engine(url)
    with session_scope(engine) as s:
        last = s.scalar(sa.select(sa.func.max(BoostPerformanceSnapshot.snapshot_at)))
        runs = s.scalars(sa.select(JobRun)).all()
        ws_id = s.scalar(sa.select(Workspace.id))
        n = s.scalar(sa.select(sa.func.count()).select_from(BoostPerformanceSnapshot))
    with session_scope(engine) as s:
        from boostloop.server.boosts.snapshots import backfill_snapshots

        again = backfill_snapshots(s, ws_id, end)
    engine.dispose()
    assert n > 0 and (again.created, again.skipped_existing) == (0, n)  # complete up to the simulated end
    assert last <= end
    # the runs' clock starts at the simulated end (plus the run's own elapsed time)
    assert {r.started_at.replace(microsecond=0) for r in runs} == {end} and all(r.status == JobStatus.SUCCEEDED for r in runs)

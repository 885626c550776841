"""Backfill checked against the simulator's ground truth: the boosts it records are deleted, the
organic captures thinned to one every 6 hours, and backfill must find every boost again, with
pre-boost organic metrics close to the ones the simulator recorded at the boost start."""

from __future__ import annotations

import statistics

import pytest
import sqlalchemy as sa

from boostloop.server.db.models import AdCampaign, BoostCampaign, OrganicPostMetric, SocialPost, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.ingest import backfill as bf
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


@pytest.fixture
def simulated(engine, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the truth check")
    sim = generate(load_world(), seed=3, scale=0.2)
    load_into_database(sim, engine, slug="sim", name="Sim")
    truth = {}
    for b in sim.boosts:
        truth[b["campaign_id"]] = (b["original_post_id"], b["organic_metrics"])
    with session_scope(engine) as s:
        s.execute(sa.delete(BoostCampaign))
        ids = [
            i
            for i, at in s.execute(sa.select(OrganicPostMetric.id, OrganicPostMetric.captured_at))
            if at.hour % 6 != 0
        ]
        for k in range(0, len(ids), 500):
            s.execute(sa.delete(OrganicPostMetric).where(OrganicPostMetric.id.in_(ids[k : k + 500])))
    return truth


def test_backfill_recovers_the_simulated_boosts(engine, simulated):
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "sim")).one()
        report = bf.backfill(s, ws)
    assert len(report.linked) == len(simulated) and not report.not_linked
    errors = []
    with session_scope(engine) as s:
        for b in s.scalars(sa.select(BoostCampaign)):
            true_post, true_organic = simulated[b.campaign_id]
            assert b.original_post_id == true_post
            if true_organic.get("impressions"):
                errors.append(
                    abs(b.organic_metrics["impressions"] - true_organic["impressions"])
                    / true_organic["impressions"]
                )
    # Linear interpolation across a 6-hour gap of a concave cumulative curve under-reads a little;
    # measured on this world (default), seed 3, scale 0.2: 11 boosts, median relative error 0.44 %,
    # max 2.9 %. The bounds leave room for other seeds without letting a broken estimate pass.
    assert statistics.median(errors) < 0.05, errors
    assert max(errors) < 0.25, errors


def test_without_creative_ids_the_post_id_in_the_name_links(engine, simulated):
    """Simulated campaigns are named "Boost <post id> - <segment> - <date>"."""
    with session_scope(engine) as s:
        s.execute(sa.update(AdCampaign).values(promoted_platform_post_id=None))
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "sim")).one()
        report = bf.backfill(s, ws)
    assert len(report.linked) == len(simulated) and all("name contains" in x.reason for x in report.linked)
    with session_scope(engine) as s:
        for b in s.scalars(sa.select(BoostCampaign)):
            assert b.original_post_id == simulated[b.campaign_id][0]


def test_without_ids_or_post_text_nothing_is_guessed(engine, simulated):
    """Simulated posts carry no text: with the ids removed from the creative and the name, timing alone
    (at most 0.2) never reaches the threshold, so backfill links nothing rather than guessing."""
    with session_scope(engine) as s:
        s.execute(sa.update(AdCampaign).values(promoted_platform_post_id=None, name="Spring push"))
        assert s.scalar(sa.select(sa.func.count()).where(SocialPost.text_excerpt.is_not(None))) == 0
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "sim")).one()
        report = bf.backfill(s, ws)
    assert report.linked == [] and len(report.not_linked) == len(simulated)

"""Stored per-boost effectiveness results (``effectiveness.store``), SQLite and PostgreSQL: computed once,
reused while current, recomputed when the boost's inputs, the boost row, the workspace settings or (for
an open window) the clock move on; the reads built on them equal a fresh analysis."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from boostloop.enums import BoostStatus
from boostloop.server.db.models import AdCampaign, BoostCampaign, BoostEffectivenessResult, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.effectiveness import service, store

from ..boosts import factories as f
from ..boosts.factories import T0
from .test_service import _world

H = timedelta(hours=1)
CLOSED = T0 + 30 * 24 * H  # after boosted_at + 1 day + the 7-day click window
OPEN = T0 + 48 * H  # inside it


def _rows(s, ws_id):
    return list(s.scalars(sa.select(BoostEffectivenessResult).where(BoostEffectivenessResult.workspace_id == ws_id)))


def test_results_are_stored_once_and_reads_equal_a_fresh_analysis(engine) -> None:
    with session_scope(engine) as s:
        ws, b, _ = _world(s)
        ov = service.overview(s, ws.id, now=CLOSED)
        (row,) = _rows(s, ws.id)
        (fresh,) = service.analyze(s, ws.id, now=CLOSED)
        e = fresh.result.economics
        assert row.final and row.boost_campaign_id == b.id
        assert (row.spend_cents, row.conversions) == (10_000, 6.0)
        assert row.incremental_conversions == e.incremental_conversions.estimate
        assert (row.incremental_conversions_lower, row.incremental_conversions_upper) == (
            e.incremental_conversions.lower, e.incremental_conversions.upper)
        assert ov.incremental_conversions == e.incremental_conversions.estimate
        assert ov.conversions == 6.0 and ov.conversions >= ov.incremental_conversions
        assert row.score == fresh.result.score.score
        # Current: nothing rewritten, however late the read (the window is closed).
        assert store.refresh(s, ws.id, now=CLOSED) == 0
        assert store.refresh(s, ws.id, now=CLOSED + 100 * 24 * H) == 0
        # The stored API shape is the one-boost read.
        out = service.boost_effectiveness(s, ws.id, b.id, now=CLOSED)
        assert out.incremental_conversions.estimate == e.incremental_conversions.estimate
        assert store.refresh(s, ws.id, now=CLOSED, force=True) == 1


def test_new_inputs_boost_changes_and_settings_make_a_result_stale(engine) -> None:
    with session_scope(engine) as s:
        ws, b, _ = _world(s)
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        # A delivery hour imported late into the closed window: the input mark changes.
        f.paid(s, s.get(AdCampaign, b.campaign_id), T0 + 5 * H, impressions=10, clicks=1, spend=500, reach=9)
        s.flush()
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        assert _rows(s, ws.id)[0].spend_cents == 10_500
        assert store.refresh(s, ws.id, now=CLOSED) == 0
        # The boost row changes (status).
        s.execute(sa.update(BoostCampaign).where(BoostCampaign.id == b.id).values(
            status=BoostStatus.PAUSED, updated_at=CLOSED))
        s.expire_all()
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        # The workspace's benchmark overrides change: the stored CPA follows.
        s.execute(sa.update(Workspace).where(Workspace.id == ws.id)
                  .values(benchmarks={"FACEBOOK": {"cpa_cents": 1234}}))
        s.expire_all()
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        assert _rows(s, ws.id)[0].benchmark_cpa_cents == 1234


def test_a_new_method_version_recomputes_final_results(engine, monkeypatch) -> None:
    with session_scope(engine) as s:
        ws, _, _ = _world(s)
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        assert _rows(s, ws.id)[0].final and store.refresh(s, ws.id, now=CLOSED) == 0
        monkeypatch.setattr(store, "METHOD_VERSION", store.METHOD_VERSION + 1)
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        assert store.refresh(s, ws.id, now=CLOSED) == 0


def test_an_open_window_result_expires_after_two_hours(engine) -> None:
    with session_scope(engine) as s:
        ws, _, _ = _world(s)
        assert store.refresh(s, ws.id, now=OPEN) == 1
        assert not _rows(s, ws.id)[0].final
        assert store.refresh(s, ws.id, now=OPEN + store.STALE_AFTER - H) == 0
        assert store.refresh(s, ws.id, now=OPEN + store.STALE_AFTER) == 1


def test_the_counterfactual_series_ends_at_the_final_estimate(engine) -> None:
    with session_scope(engine) as s:
        ws, b, _ = _world(s)
        out = service.boost_effectiveness(s, ws.id, b.id, now=CLOSED)
    cf = next(c for c in out.counterfactuals if c.metric == "impressions")
    ser = cf.series
    # Window 6 h -> 72 h of age: 66 hours, at most 24 points every ceil(66 / 23) = 3 hours, the end last.
    assert ser.hours == [float(h) for h in range(3, 66, 3)] + [66.0]
    assert ser.times[0] == out.window.start + 3 * H and ser.times[-1] == out.window.end
    assert ser.estimate[-1] == cf.counterfactual.estimate
    assert (ser.lower[-1], ser.upper[-1]) == (cf.counterfactual.lower, cf.counterfactual.upper)
    assert all(lo <= e <= hi for lo, e, hi in zip(ser.lower, ser.estimate, ser.upper))
    assert all(a <= b for a, b in zip(ser.estimate, ser.estimate[1:]))  # cumulative totals do not fall
    assert ser.actual_organic[-1] == cf.actual_organic
    # The other metrics carry no series (only the charted one is computed over the window).
    assert all(c.series is None for c in out.counterfactuals if c.metric != "impressions")


def test_the_comparison_ranks_the_stored_columns_as_it_ranked_the_stored_json(engine) -> None:
    """The ranking columns (``store.ranking_columns``) hold the values of the stored ``result``: the
    comparison built from them equals ``compare_boosts`` over each result's JSON (the read before)."""
    from boostloop.analytics.effectiveness import compare_boosts
    from boostloop.analytics.effectiveness.compare import Comparable
    from boostloop.analytics.effectiveness.confidence import ConfidenceLevel
    from boostloop.analytics.effectiveness.lift import Interval
    from boostloop.enums import Platform

    from .test_service import _boost

    with session_scope(engine) as s:
        ws, _, _ = _world(s)
        acc = f.account(s, ws)
        bare = _boost(s, ws, f.post(s, acc))  # zero spend: undefined ROI, cost per result 0
        cmp = service.comparison(s, ws.id, now=CLOSED)
        rows = _rows(s, ws.id)
        assert len(rows) == 2 and {r.boost_campaign_id for r in rows} >= {bare.id}

        def iv(d):
            return Interval(d["estimate"], d["lower"], d["upper"])

        by_json = compare_boosts([Comparable(
            boost_id=str(r.result["boost_id"]), platform=Platform(r.result["platform"]),
            spend_cents=int(r.result["spend_cents"]), cost_per_result=iv(r.result["cost_per_incremental_result_cents"]),
            incremental_roi=iv(r.result["incremental_roi"]), cpa_cents=float(r.result["benchmark"]["cpa_cents"]),
            roas=float(r.result["benchmark"]["roas"]), confidence=ConfidenceLevel(r.result["confidence"]["level"]),
        ) for r in rows])
        for r in rows:
            assert r.platform == r.result["platform"] == "FACEBOOK"
            assert r.incremental_roi == r.result["incremental_roi"]["estimate"]
            assert r.cost_per_result_upper == r.result["cost_per_incremental_result_cents"]["upper"]
    got = [(str(x.boost_id), x.rank, x.value.estimate, x.value.lower, x.value.upper, x.vs_benchmark)
           for x in (*cmp.by_cost_per_result, *cmp.by_incremental_roi)]
    want = [(x.boost_id, x.rank, x.value.estimate, x.value.lower, x.value.upper, x.vs_benchmark)
            for x in (*by_json.by_cost_per_result, *by_json.by_incremental_roi)]
    assert got == want
    assert {x.vs_benchmark for x in cmp.by_incremental_roi if str(x.boost_id) == str(bare.id)} == {"undefined"}

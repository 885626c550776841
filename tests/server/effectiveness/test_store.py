"""Stored per-boost effectiveness results (``effectiveness.store``), SQLite and PostgreSQL: computed once,
reused while current, recomputed when the boost's inputs, the boost row, the workspace settings or (for
an open window) the clock move on; the reads built on them equal a fresh analysis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from boostloop.enums import BoostStatus
from boostloop.server.db.models import AdCampaign, BoostCampaign, BoostEffectivenessResult, SocialAccount, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.effectiveness import input_version, service, store
from boostloop.server.ingest.service import ingest_batch

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
        # A delivery hour imported late into the closed window (by the ingest service, which counts the
        # write: ``input_version``): the input mark changes.
        _late_paid_hour(s, ws, b)
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


def _late_paid_hour(s, ws, b) -> None:
    c = s.get(AdCampaign, b.campaign_id)
    ingest_batch(s, ws, {"campaign_metrics": [{
        "platform": c.platform, "platform_campaign_id": c.platform_campaign_id, "granularity": "HOUR",
        "period_start": (T0 + 5 * H).isoformat(), "impressions": 10, "clicks": 1, "spend_cents": 500, "reach": 9}]})


def test_reads_skip_the_input_check_until_an_input_write_is_counted(engine, monkeypatch) -> None:
    """After a check of every boost, reads trust the stored marks until a write path counts a write
    (``input_version``); a write that bypasses the counted paths waits for the snapshots job's full check."""
    with session_scope(engine) as s:
        ws, b, _ = _world(s)
        assert store.refresh(s, ws.id, now=CLOSED) == 1
        v = input_version.read(s, ws.id)
        assert v is not None and v.unchanged_since_check
        looked = []
        real = store.repo.input_marks
        monkeypatch.setattr(store.repo, "input_marks", lambda s_, w, bs: looked.append(len(bs)) or real(s_, w, bs))
        assert store.refresh(s, ws.id, now=CLOSED) == 0 and looked == []  # no mark read at all
        # A row written by hand (no count): not seen by reads ...
        f.paid(s, s.get(AdCampaign, b.campaign_id), T0 + 6 * H, impressions=10, clicks=1, spend=300, reach=9)
        assert store.refresh(s, ws.id, now=CLOSED) == 0 and _rows(s, ws.id)[0].spend_cents == 10_000
        # ... until the snapshots job's full check, which reads every boost's marks.
        assert store.refresh(s, ws.id, now=CLOSED, full_check=True) == 1 and looked == [1]
        assert _rows(s, ws.id)[0].spend_cents == 10_300
        # A counted write: the next read checks every boost again, and counts the check.
        _late_paid_hour(s, ws, b)
        after = input_version.read(s, ws.id)
        assert after.written == v.written + 1 and not after.unchanged_since_check
        assert store.refresh(s, ws.id, now=CLOSED) == 1 and looked == [1, 1]
        assert _rows(s, ws.id)[0].spend_cents == 10_800
        assert input_version.read(s, ws.id).unchanged_since_check
        _late_paid_hour(s, ws, b)  # the same hour again: nothing written, nothing counted
        assert input_version.read(s, ws.id).unchanged_since_check
        # New workspace settings make a result stale with no mark read for the check (only for the new row).
        s.execute(sa.update(Workspace).where(Workspace.id == ws.id).values(benchmarks={"FACEBOOK": {"cpa_cents": 99}}))
        s.expire_all()
        assert store.refresh(s, ws.id, now=CLOSED) == 1 and looked == [1, 1, 1]
        assert _rows(s, ws.id)[0].benchmark_cpa_cents == 99
        # A read of some boosts (the boost detail's) checks those only: it does not count as a check.
        f.paid(s, s.get(AdCampaign, b.campaign_id), T0 + 7 * H, spend=100)
        input_version.bump(s, ws.id)
        assert store.refresh(s, ws.id, now=CLOSED, boost_ids=[b.id]) == 1
        assert not input_version.read(s, ws.id).unchanged_since_check
        assert store.refresh(s, ws.id, now=CLOSED) == 0 and input_version.read(s, ws.id).unchanged_since_check


def test_every_input_write_path_counts_its_write(engine) -> None:
    """Content import with metric rows, event ingest with a conversion, erasure of a person (the
    retention roll-up: tests/server/retention). A batch without any of them counts nothing."""
    from boostloop.enums import AttributionEventType as ET
    from boostloop.server.attribution.service import ingest_events
    from boostloop.server.privacy.service import erase_person

    with session_scope(engine) as s:
        ws, b, target = _world(s)

        def written() -> int:
            v = input_version.read(s, ws.id)
            return 0 if v is None else v.written

        n = written()
        ingest_batch(s, ws, {"accounts": [{"platform": "FACEBOOK", "platform_account_id": "acc-new"}]})
        assert written() == n
        ingest_batch(s, ws, {"organic_metrics": [{
            "platform": "FACEBOOK", "platform_account_id": s.get(SocialAccount, target.account_id).platform_account_id,
            "platform_post_id": target.platform_post_id, "captured_at": (T0 + 80 * H).isoformat(),
            "impressions": 5000, "reach": 4000}]})
        assert written() == n + 1
        view = {"client_event_id": "v1", "event_type": "VIEW", "touchpoint_type": "PAID", "platform": "FACEBOOK",
                "boost_id": str(b.id), "user_id": "who", "occurred_at": (T0 + 2 * H).isoformat()}
        assert ingest_events(s, ws, [view]).inserted == 1 and written() == n + 1
        conv = {**view, "client_event_id": "c1", "event_type": ET.CONVERSION.value, "value_cents": 100}
        assert ingest_events(s, ws, [conv]).inserted == 1 and written() == n + 2
        assert ingest_events(s, ws, [conv]).inserted == 0 and written() == n + 2  # a duplicate: nothing written
        assert erase_person(s, ws, "nobody").events_deleted == 0 and written() == n + 2
        assert erase_person(s, ws, "who").events_deleted == 2 and written() == n + 3


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


def test_the_totals_are_the_sums_of_the_current_results(engine) -> None:
    """``store.totals`` (summed in the database, the overview's) against the same sums over ``current``'s
    rows in Python, with a boost of zero spend and undefined interval ends among them, and a boost that
    has not started (counted in ``boosts`` only)."""
    from .test_service import _boost

    with session_scope(engine) as s:
        ws, _, _ = _world(s)
        acc = f.account(s, ws)
        _boost(s, ws, f.post(s, acc))  # no campaign, no captures: zero spend, undefined ROI
        later = _boost(s, ws, f.post(s, acc))
        s.execute(sa.update(BoostCampaign).where(BoostCampaign.id == later.id).values(boosted_at=CLOSED + H))
        s.expire_all()
        t = store.totals(s, ws.id, now=CLOSED)
        rows = store.current(s, ws.id, now=CLOSED)
    assert t.boosts == 3 and t.analysed == len(rows) == 2
    inc = [r.incremental_conversions or 0.0 for r in rows]
    assert t.spend_cents == sum(r.spend_cents for r in rows) == 10_000
    assert t.value_cents == sum(r.value_cents for r in rows)
    assert t.conversions == pytest.approx(sum(r.conversions for r in rows)) and t.conversions == 6.0
    assert t.incremental_conversions == pytest.approx(sum(inc))
    assert t.incremental_conversions_lower == pytest.approx(sum(
        r.incremental_conversions_lower if r.incremental_conversions_lower is not None else i for r, i in zip(rows, inc)))
    assert t.incremental_conversions_upper == pytest.approx(sum(
        r.incremental_conversions_upper if r.incremental_conversions_upper is not None else i for r, i in zip(rows, inc)))
    assert t.incremental_value_cents == pytest.approx(sum(r.incremental_value_cents or 0.0 for r in rows))
    assert t.cost_without_boosts_cents == pytest.approx(sum(max(i, 0.0) * r.benchmark_cpa_cents for r, i in zip(rows, inc)))
    assert t.cost_without_boosts_cents > 0
    assert t.confidence == {lvl: sum(r.confidence == lvl for r in rows) for lvl in ("LOW", "MEDIUM", "HIGH")}


def test_a_check_counts_only_the_writes_it_had_seen(engine) -> None:
    """``input_version.mark_checked(seen)``: a write counted after ``seen`` was read (a concurrent import
    committed while the check ran) keeps the workspace unchecked; ``checked`` never goes back."""
    with session_scope(engine) as s:
        ws = f.workspace(s)
        assert input_version.read(s, ws.id) is None
        input_version.mark_checked(s, ws.id, None)  # a first check, before any counted write
        assert input_version.read(s, ws.id) == input_version.Version(written=0, checked=0)
        seen = input_version.read(s, ws.id)
        input_version.bump(s, ws.id)  # written while the check ran
        input_version.mark_checked(s, ws.id, seen)
        assert input_version.read(s, ws.id) == input_version.Version(written=1, checked=0)
        later = input_version.read(s, ws.id)
        input_version.mark_checked(s, ws.id, later)
        assert input_version.read(s, ws.id).unchanged_since_check
        input_version.mark_checked(s, ws.id, seen)  # a slower check that started earlier ends last
        assert input_version.read(s, ws.id) == input_version.Version(written=1, checked=1)

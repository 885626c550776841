"""Experiments service on SQLite and PostgreSQL: design validation, seeded assignment, results,
analysis, conclusion, tenancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from boostloop.analytics.experiments import sample_ratio_mismatch
from boostloop.enums import ExperimentDimension, ExperimentStatus, Platform
from boostloop.errors import Conflict, InvalidInput, NotFound
from boostloop.server.db.models import BoostCampaign, BoostExperimentVariant, BoostPerformanceSnapshot
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.experiments import service
from boostloop.server.workspaces.service import create_workspace
from tests.conftest import fresh_database_url

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def design(**over):
    base = {
        "name": "Morning vs evening",
        "dimension": "TIMING",
        "assignment_seed": 42,
        "min_sample_per_variant": 5000,
        "variants": [
            {"name": "morning", "strategy": {"start_hour": 8}, "is_control": True},
            {"name": "evening", "strategy": {"start_hour": 19}},
        ],
    }
    base.update(over)
    return base


def make_boosts(session, workspace_id, count, *, budget=5000, start=T0, base=1):
    """``count`` boosts with fixed ids (so that the seeded assignment, and every test, is deterministic)."""
    boosts = [
        BoostCampaign(
            id=uuid.UUID(int=base * 10**6 + i + 1),
            workspace_id=workspace_id,
            platform=Platform.FACEBOOK,
            boosted_at=start + timedelta(hours=i),
            boosted_by="tester",
            organic_metrics={"impressions": 100},
            initial_budget_cents=budget,
            duration_days=7,
        )
        for i in range(count)
    ]
    session.add_all(boosts)
    session.flush()
    return [b.id for b in boosts]


@pytest.fixture
def sqlite_engine(request, tmp_path):
    url = next(fresh_database_url("sqlite", request, tmp_path))
    eng = create_db_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def ws(engine):
    with session_scope(engine) as s:
        a = create_workspace(s, name="Acme", slug="acme").id
        b = create_workspace(s, name="Other", slug="other").id
    return a, b


def test_create_and_read_back(engine, ws):
    with session_scope(engine) as s:
        exp = service.create_experiment(s, ws[0], design())
        exp_id = exp.id
    with session_scope(engine) as s:
        exp = service.get_experiment(s, ws[0], exp_id)
        assert exp.status == ExperimentStatus.DRAFT and exp.assignment_seed == 42
        assert exp.dimension == ExperimentDimension.TIMING
        assert [v.name for v in exp.variants] == ["morning", "evening"]
        assert exp.guardrail_metrics == ["cost_per_result", "spend"]
        assert [e.id for e in service.list_experiments(s, ws[0])] == [exp_id]
        assert service.list_experiments(s, ws[1]) == []
        with pytest.raises(NotFound):
            service.get_experiment(s, ws[1], exp_id)


def test_keys_held_constant_are_allowed(engine, ws):
    with session_scope(engine) as s:
        exp = service.create_experiment(
            s,
            ws[0],
            design(
                variants=[
                    {
                        "name": "am",
                        "strategy": {
                            "start_local_hours": [9, 10, 11],
                            "segment": "25-34",
                            "platform": "FACEBOOK",
                        },
                        "is_control": True,
                    },
                    {
                        "name": "pm",
                        "strategy": {
                            "start_local_hours": [18, 19, 20, 21],
                            "segment": "25-34",
                            "platform": "FACEBOOK",
                        },
                    },
                ]
            ),
        )
        assert exp.variants[1].strategy["start_local_hours"] == [18, 19, 20, 21]


def test_a_seed_is_recorded_when_not_given(engine, ws):
    with session_scope(engine) as s:
        exp = service.create_experiment(s, ws[0], design(assignment_seed=None))
        assert isinstance(exp.assignment_seed, int) and 0 <= exp.assignment_seed < 2**63


@pytest.mark.parametrize(
    ("change", "loc", "text"),
    [
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                    {"name": "b", "strategy": {"start_hour": 9}, "is_control": True},
                ]
            },
            ["variants"],
            "exactly one",
        ),
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                    {"name": "b", "strategy": {"start_hour": 19, "budget_cents": 900}},
                ]
            },
            ["variants", 1, "strategy", "budget_cents"],
            "hold 'budget_cents' constant",
        ),
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8, "segment": "18-24"}, "is_control": True},
                    {"name": "b", "strategy": {"start_hour": 19, "segment": "25-34"}},
                ]
            },
            ["variants", 1, "strategy", "segment"],
            "hold 'segment' constant",
        ),
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                    {"name": "b", "strategy": {"colour": "red"}},
                ]
            },
            ["variants", 1, "strategy", "colour"],
            "unknown strategy key",
        ),
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                    {"name": "b", "strategy": {"start_hour": 8}},
                ]
            },
            ["variants", 1, "strategy"],
            "identical",
        ),
        (
            {
                "variants": [
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                    {"name": "a", "strategy": {"start_hour": 25}},
                ]
            },
            ["variants", 1, "name"],
            "same name",
        ),
        ({"primary_metric": "likes"}, ["primary_metric"], "one of"),
        ({"guardrail_metrics": ["ctr"]}, ["guardrail_metrics", 0], "one of"),
        ({"alpha": 0}, ["experiment", "alpha"], "greater than 0"),
        (
            {
                "dimension": "PLATFORM",
                "variants": [
                    {"name": "fb", "strategy": {"platform": "FACEBOOK"}, "is_control": True},
                    {"name": "mys", "strategy": {"platform": "MYSPACE"}},
                ],
            },
            ["variants", 1, "strategy", "platform"],
            "one of",
        ),
    ],
)
def test_design_errors_name_the_field(sqlite_engine, change, loc, text):
    # Validation happens before any write, so one backend is enough here.
    with session_scope(sqlite_engine) as s:
        ws_id = create_workspace(s, name="Acme", slug="acme").id
    with session_scope(sqlite_engine) as s:
        with pytest.raises(InvalidInput) as info:
            service.create_experiment(s, ws_id, design(**change))
        errs = [e.as_dict() for e in info.value.errors]
        assert any(e["loc"] == loc and text in e["msg"] for e in errs), errs
    with session_scope(sqlite_engine) as s:
        assert service.list_experiments(s, ws_id) == []


def test_seeded_assignment_is_deterministic_and_follows_the_allocation(engine, ws):
    with session_scope(engine) as s:
        boosts = make_boosts(s, ws[0], 400)
        first = service.create_experiment(s, ws[0], design(name="one"))
        mapping = service.assign_boosts(s, ws[0], first.id, boosts)
        # The same seed in a second experiment, boosts in another order: the same variant positions.
        pos = {v.id: v.position for v in first.variants}
        by_position_1 = {b: pos[v] for b, v in mapping.items()}
        for b in boosts:  # release them
            s.get(BoostCampaign, b).experiment_variant_id = None
        s.flush()
        second = service.create_experiment(s, ws[0], design(name="two"))
        mapping2 = service.assign_boosts(s, ws[0], second.id, list(reversed(boosts)))
        pos2 = {v.id: v.position for v in second.variants}
        assert {b: pos2[v] for b, v in mapping2.items()} == by_position_1
        # Idempotent: assigning again changes nothing.
        assert service.assign_boosts(s, ws[0], second.id, boosts[:10]) == {
            b: mapping2[b] for b in boosts[:10]
        }
        counts = [sum(1 for p in by_position_1.values() if p == k) for k in (0, 1)]
        assert not sample_ratio_mismatch(counts, [1, 1]).mismatch
        assert min(counts) > 150


def test_unequal_allocation(engine, ws):
    with session_scope(engine) as s:
        boosts = make_boosts(s, ws[0], 600)
        exp = service.create_experiment(
            s,
            ws[0],
            design(
                variants=[
                    {"name": "a", "strategy": {"start_hour": 8}, "is_control": True, "allocation": 3},
                    {"name": "b", "strategy": {"start_hour": 19}, "allocation": 1},
                ]
            ),
        )
        mapping = service.assign_boosts(s, ws[0], exp.id, boosts)
        control = exp.variants[0].id
        share = sum(1 for v in mapping.values() if v == control) / 600
        assert 0.70 < share < 0.80  # planned 0.75; sd = sqrt(.75*.25/600) = 0.018


def test_assignment_errors(engine, ws):
    with session_scope(engine) as s:
        mine = make_boosts(s, ws[0], 2)
        theirs = make_boosts(s, ws[1], 1, base=2)
        exp = service.create_experiment(s, ws[0], design(name="x"))
        other = service.create_experiment(s, ws[0], design(name="y"))
        service.assign_boosts(s, ws[0], other.id, [mine[1]])
        with pytest.raises(InvalidInput) as info:
            service.assign_boosts(s, ws[0], exp.id, [mine[0], theirs[0], mine[1]])
        msgs = {tuple(e.loc): e.msg for e in info.value.errors}
        assert msgs[("boost_ids", 1)] == "boost not found"  # another workspace's boost does not exist
        assert msgs[("boost_ids", 2)].startswith(f"already in experiment {other.id}")
        # All-or-nothing: the valid boost was not assigned either.
        assert s.get(BoostCampaign, mine[0]).experiment_variant_id is None


def test_hand_assignment(engine, ws):
    with session_scope(engine) as s:
        (boost,) = make_boosts(s, ws[0], 1)
        exp = service.create_experiment(s, ws[0], design())
        evening = exp.variants[1].id
        service.assign_boost_to_variant(s, ws[0], exp.id, evening, boost)
        assert s.get(BoostCampaign, boost).experiment_variant_id == evening
        with pytest.raises(NotFound):
            service.assign_boost_to_variant(s, ws[0], exp.id, uuid.uuid4(), boost)


def _run(s, ws_id, a, b, *, boosts=20, spend=(100_000, 100_000), start=T0):
    exp = service.create_experiment(s, ws_id, design())
    ids = make_boosts(s, ws_id, boosts)
    service.assign_boosts(s, ws_id, exp.id, ids)
    service.start_experiment(s, ws_id, exp.id, now=start)
    service.record_results(
        s,
        ws_id,
        exp.id,
        {
            "morning": {"exposures": a[0], "conversions": a[1], "spend_cents": spend[0]},
            "evening": {"exposures": b[0], "conversions": b[1], "spend_cents": spend[1]},
        },
    )
    return exp, ids


def test_lifecycle_to_a_recorded_winner(engine, ws):
    with session_scope(engine) as s:
        exp, ids = _run(s, ws[0], (10_000, 500), (10_000, 650), boosts=40)
        # Per-boost spend from the snapshots: similar budgets in both arms.
        for i, b in enumerate(ids):
            s.add(
                BoostPerformanceSnapshot(
                    workspace_id=ws[0],
                    boost_campaign_id=b,
                    snapshot_at=T0 + timedelta(days=1),
                    days_since_boosted=1,
                    paid_spend_cents=5000 + (i % 5) * 10,
                )
            )
            s.add(
                BoostPerformanceSnapshot(
                    workspace_id=ws[0],
                    boost_campaign_id=b,
                    snapshot_at=T0 + timedelta(hours=2),
                    days_since_boosted=0,
                    paid_spend_cents=100,
                )
            )
        exp_id = exp.id
    with session_scope(engine) as s:
        analysis = service.analyse_experiment(s, ws[0], exp_id, now=T0 + timedelta(days=10))
        assert analysis.status == "WINNER" and analysis.winner == "evening"
        assert analysis.elapsed_days == pytest.approx(10.0)
        assert sum(v.boosts_assigned for v in analysis.variants) == 40
        (cmp,) = analysis.comparisons
        spend = next(g for g in cmp.guardrails if g.metric == "spend")
        assert spend.defined and not spend.worse
        # The service feeds the pure core exactly what was recorded.
        assert cmp.absolute.estimate == pytest.approx(0.065 - 0.05)
        assert "pooled" in cmp.absolute.method and "mSPRT" in cmp.sequential.method
        done = service.conclude_experiment(s, ws[0], exp_id, now=T0 + timedelta(days=10))
        assert done.winner == "evening"
    with session_scope(engine) as s:
        exp = service.get_experiment(s, ws[0], exp_id)
        assert exp.status == ExperimentStatus.COMPLETED
        assert exp.winner_variant_id == exp.variants[1].id
        assert exp.ended_at == T0 + timedelta(days=10)
        with pytest.raises(Conflict):
            service.record_results(s, ws[0], exp_id, {"morning": {"exposures": 1}})


def test_no_winner_yet_is_a_conflict_with_the_reasons_and_writes_nothing(engine, ws):
    with session_scope(engine) as s:
        exp, _ = _run(s, ws[0], (1_000, 50), (1_000, 60))
        exp_id = exp.id
    with session_scope(engine) as s:
        a = service.analyse_experiment(s, ws[0], exp_id, now=T0 + timedelta(days=2))
        assert a.status == "NO_WINNER_YET"
        # 1000 per variant in 2 days = 500/day; 4000 more -> 8 days.
        assert a.days_to_min_sample == pytest.approx(8.0)
        with pytest.raises(Conflict, match="minimum sample of 5000"):
            service.conclude_experiment(s, ws[0], exp_id, now=T0 + timedelta(days=2))
    with session_scope(engine) as s:
        exp = service.get_experiment(s, ws[0], exp_id)
        assert exp.status == ExperimentStatus.RUNNING and exp.winner_variant_id is None


def test_record_results_validates_everything_first(engine, ws):
    with session_scope(engine) as s:
        exp, _ = _run(s, ws[0], (100, 5), (100, 6))
        with pytest.raises(InvalidInput) as info:
            service.record_results(
                s,
                ws[0],
                exp.id,
                {
                    "morning": {"exposures": 200, "conversions": 10},
                    "evening": {"exposures": 100, "conversions": 101},
                    "night": {"exposures": 1},
                    str(exp.variants[0].id): {"exposures": 10, "metric_sum": 100.0, "metric_sum_sq": 5.0},
                    "x": {"exposures": -1},
                },
            )
        locs = {tuple(e.loc) for e in info.value.errors}
        assert ("results", "evening", "conversions") in locs
        assert ("results", "night") in locs
        assert ("results", str(exp.variants[0].id), "metric_sum_sq") in locs
        s.refresh(exp.variants[0])
        assert exp.variants[0].exposures == 100  # nothing was written


def test_state_transitions(engine, ws):
    with session_scope(engine) as s:
        exp = service.create_experiment(s, ws[0], design())
        with pytest.raises(Conflict):
            service.stop_experiment(s, ws[0], exp.id)
        with pytest.raises(Conflict):
            service.record_results(s, ws[0], exp.id, {"morning": {"exposures": 1}})
        service.start_experiment(s, ws[0], exp.id, now=T0)
        with pytest.raises(Conflict):
            service.start_experiment(s, ws[0], exp.id, now=T0)
        service.stop_experiment(s, ws[0], exp.id, now=T0 + timedelta(days=3))
        assert exp.status == ExperimentStatus.STOPPED
        # A stopped experiment's clock stops too.
        a = service.analyse_experiment(s, ws[0], exp.id, now=T0 + timedelta(days=30))
        assert a.elapsed_days == pytest.approx(3.0)
        with pytest.raises(NotFound):
            service.start_experiment(s, ws[1], exp.id)


def test_value_per_person_experiment_uses_welch(engine, ws):
    with session_scope(engine) as s:
        exp = service.create_experiment(
            s, ws[0], design(primary_metric="value_per_person_cents", guardrail_metrics=["cost_per_result"])
        )
        service.start_experiment(s, ws[0], exp.id, now=T0)
        service.record_results(
            s,
            ws[0],
            exp.id,
            {
                "morning": {
                    "exposures": 6000,
                    "conversions": 120,
                    "spend_cents": 300_000,
                    "metric_sum": 6000 * 120.0,
                    "metric_sum_sq": 6000 * (120.0**2 + 900.0**2),
                },
                "evening": {
                    "exposures": 6000,
                    "conversions": 130,
                    "spend_cents": 300_000,
                    "metric_sum": 6000 * 160.0,
                    "metric_sum_sq": 6000 * (160.0**2 + 950.0**2),
                },
            },
        )
        a = service.analyse_experiment(s, ws[0], exp.id, now=T0 + timedelta(days=7))
        (cmp,) = a.comparisons
        assert "Welch" in cmp.absolute.method and cmp.absolute.estimate == pytest.approx(40.0)
        assert [v.mean for v in a.variants] == pytest.approx([120.0, 160.0])
        # The cost-per-result guardrail uses the recorded conversions even though the metric is a value.
        (cpa,) = cmp.guardrails
        assert cpa.defined and cpa.estimate == pytest.approx(120 / 130 - 1)


def test_deleting_the_workspace_deletes_experiments(engine, ws):
    with session_scope(engine) as s:
        service.create_experiment(s, ws[0], design())
    with session_scope(engine) as s:
        s.execute(
            sa.text("DELETE FROM workspaces WHERE id = :i"),
            {"i": ws[0].hex if engine.dialect.name == "sqlite" else ws[0]},
        )
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(BoostExperimentVariant)) == 0


def test_per_boost_analysis_from_snapshots(engine, ws):
    """With reach in the boosts' snapshots, "auto" analyses a ratio over boosts (cluster-robust)."""
    with session_scope(engine) as s:
        exp = service.create_experiment(s, ws[0], design(min_sample_per_variant=1000))
        ids = make_boosts(s, ws[0], 30)
        mapping = service.assign_boosts(s, ws[0], exp.id, ids)
        service.start_experiment(s, ws[0], exp.id, now=T0)
        expected: dict = {v.id: [0, 0] for v in exp.variants}
        for i, b in enumerate(ids):
            reach, conv = 800 + 37 * i, 20 + (i * 7) % 13
            for hours, frac in ((6, 2), (30, 1)):  # an early partial snapshot, then the latest
                s.add(
                    BoostPerformanceSnapshot(
                        workspace_id=ws[0],
                        boost_campaign_id=b,
                        snapshot_at=T0 + timedelta(hours=hours),
                        days_since_boosted=hours // 24,
                        paid_reach=reach // frac,
                        paid_conversions=conv // frac,
                        paid_spend_cents=4000 // frac,
                    )
                )
            expected[mapping[b]][0] += conv
            expected[mapping[b]][1] += reach
        s.flush()
        auto = service.analyse_experiment(s, ws[0], exp.id, now=T0 + timedelta(days=5))
        person = service.analyse_experiment(s, ws[0], exp.id, now=T0 + timedelta(days=5), unit="person")
        with pytest.raises(InvalidInput):
            service.analyse_experiment(s, ws[0], exp.id, unit="cluster")
    assert auto.analysis_unit == "boost" and auto.caveats == []
    control, treat = exp.variants
    rates = {vid: c / r for vid, (c, r) in expected.items()}
    (cmp,) = auto.comparisons
    assert cmp.absolute.estimate == pytest.approx(rates[treat.id] - rates[control.id])
    assert "ratio metric over boosts" in cmp.absolute.method
    cpa = next(g for g in cmp.guardrails if g.metric == "cost_per_result")
    assert "over boosts" in cpa.method and cpa.defined
    assert [v.n for v in auto.variants] == [expected[control.id][1], expected[treat.id][1]]
    assert [v.spend_cents for v in auto.variants] == [
        4000 * sum(1 for v in mapping.values() if v == control.id),
        4000 * sum(1 for v in mapping.values() if v == treat.id),
    ]
    # Nothing was recorded per person, and the per-person view says why it is the weaker one.
    assert person.analysis_unit == "person" and "correlated" in person.caveats[0]

"""The winner rule: significant primary metric, guardrails not worse, minimum sample, no SRM."""

from __future__ import annotations

import math

import pytest

from boostloop.analytics.experiments import (
    INVALID,
    NO_WINNER_YET,
    WINNER,
    MeanStats,
    ProportionStats,
    VariantInput,
    decide,
    holm,
    msprt,
    two_proportion_test,
)

SPEND_PER_BOOST = MeanStats.from_values(
    [10_000.0, 10_500.0, 9_800.0, 10_200.0, 9_900.0, 10_100.0, 10_000.0, 10_300.0, 9_700.0, 10_000.0]
)


def variant(
    name, n, conv, *, control=False, spend=100_000, boosts=10, per_boost=SPEND_PER_BOOST, allocation=1.0
):
    return VariantInput(
        name=name,
        is_control=control,
        allocation=allocation,
        primary=ProportionStats(n, conv),
        units_assigned=boosts,
        spend_cents=spend,
        spend_per_unit=per_boost,
    )


def test_clear_winner():
    d = decide(
        [variant("A", 10_000, 500, control=True), variant("B", 10_000, 650)],
        min_sample_per_variant=5000,
        elapsed_days=10,
    )
    assert d.status == WINNER and d.winner == "B" and d.missing == ()
    (c,) = d.comparisons
    assert c.p_value == c.sequential.p_value < 0.05  # the always-valid p-value decides by default
    assert all(g.defined and not g.worse for g in c.guardrails)
    assert c.bayes.chance_to_win > 0.99


def test_minimum_sample_missing_says_how_many_days():
    d = decide(
        [variant("A", 400, 20, control=True), variant("B", 380, 40)],
        min_sample_per_variant=1000,
        elapsed_days=4,
    )
    assert d.status == NO_WINNER_YET and d.winner is None and not d.min_sample_reached
    # B is the slowest: 380 in 4 days = 95/day, needs 620 more -> 6.53 days.
    assert d.days_to_min_sample == pytest.approx(620 / 95)
    assert any("minimum sample of 1000" in m and "6.5 more days" in m for m in d.missing)


def test_guardrail_blocks_a_winner_that_costs_more_per_result():
    # B converts 30 % better but spends 2x: cost per result is 1.54x the control's.
    d = decide(
        [variant("A", 10_000, 500, control=True), variant("B", 10_000, 650, spend=200_000)],
        min_sample_per_variant=5000,
        elapsed_days=10,
        guardrails=("cost_per_result",),
    )
    assert d.winner is None
    (g,) = d.comparisons[0].guardrails
    assert g.worse and g.estimate == pytest.approx(2 * 500 / 650 - 1)
    assert any("cost_per_result is significantly worse for B" in m for m in d.missing)


def test_spend_guardrail_needs_per_boost_spend():
    d = decide(
        [variant("A", 10_000, 500, control=True, per_boost=None), variant("B", 10_000, 650, per_boost=None)],
        min_sample_per_variant=5000,
        elapsed_days=10,
    )
    assert d.winner is None and any("spend for B cannot be assessed" in m for m in d.missing)


def test_sample_ratio_mismatch_invalidates():
    d = decide(
        [variant("A", 10_000, 500, control=True, boosts=60), variant("B", 10_000, 650, boosts=20)],
        min_sample_per_variant=5000,
        elapsed_days=10,
    )
    assert d.status == INVALID and d.winner is None and d.srm.mismatch
    assert d.missing[0].startswith("sample ratio mismatch")


def test_control_wins_when_every_treatment_is_worse():
    d = decide(
        [variant("A", 10_000, 650, control=True), variant("B", 10_000, 480), variant("C", 10_000, 470)],
        min_sample_per_variant=5000,
        elapsed_days=10,
    )
    assert d.status == WINNER and d.winner == "A"
    assert all(c.direction == -1 for c in d.comparisons)


def test_holm_across_three_treatments_and_the_largest_effect_wins():
    vs = [
        variant("A", 20_000, 1000, control=True),
        variant("B", 20_000, 1150),
        variant("C", 20_000, 1300),
        variant("D", 20_000, 1010),
    ]
    d = decide(vs, min_sample_per_variant=5000, elapsed_days=14)
    raw = [msprt(vs[0].primary, v.primary, tuning_sample=10_000).p_value for v in vs[1:]]
    assert [c.p_value_adjusted for c in d.comparisons] == pytest.approx(list(holm(raw)))
    assert d.winner == "C"


def test_sequential_is_stricter_than_a_fixed_horizon_read():
    a, b = variant("A", 10_000, 500, control=True), variant("B", 10_000, 575)
    fixed_p = two_proportion_test(a.primary, b.primary).absolute.p_value
    assert fixed_p < 0.05
    fixed = decide([a, b], min_sample_per_variant=5000, elapsed_days=10, sequential=False)
    seq = decide([a, b], min_sample_per_variant=5000, elapsed_days=10, sequential=True)
    assert fixed.winner == "B" and fixed.comparisons[0].p_value == pytest.approx(fixed_p)
    assert seq.winner is None and seq.comparisons[0].p_value > 0.05
    # It says what is missing and how long it should take if the effect holds.
    assert seq.days_to_significance is not None and seq.days_to_significance > 0
    assert any("not significant" in m and "more days" in m for m in seq.missing)


def test_projection_is_consistent_with_the_sequential_test():
    """Scaling the data by the projected days (same rates) should just reach significance."""
    a, b = variant("A", 10_000, 500, control=True), variant("B", 10_000, 575)
    d = decide([a, b], min_sample_per_variant=5000, elapsed_days=10)
    scale = (10 + d.days_to_significance) / 10
    n = round(10_000 * scale)
    later = msprt(
        ProportionStats(n, round(500 * scale)), ProportionStats(n, round(575 * scale)), tuning_sample=10_000
    )
    assert later.p_value == pytest.approx(0.05, abs=0.003)


def test_no_data_at_all_is_a_defined_answer():
    d = decide(
        [
            variant("A", 0, 0, control=True, boosts=0, spend=0, per_boost=MeanStats(0, 0.0, 0.0)),
            variant("B", 0, 0, boosts=0, spend=0, per_boost=MeanStats(0, 0.0, 0.0)),
        ],
        min_sample_per_variant=100,
        elapsed_days=0,
    )
    assert d.status == NO_WINNER_YET and d.winner is None
    assert d.days_to_min_sample is None and d.days_to_significance is None
    assert any("no units are arriving yet" in m for m in d.missing)
    assert all(math.isfinite(c.p_value) for c in d.comparisons)


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="exactly one control"):
        decide([variant("A", 10, 1), variant("B", 10, 2)], min_sample_per_variant=5, elapsed_days=1)
    with pytest.raises(ValueError, match="guardrails"):
        decide(
            [variant("A", 10, 1, control=True), variant("B", 10, 2)],
            min_sample_per_variant=5,
            elapsed_days=1,
            guardrails=("ctr",),
        )


from hypothesis import given, settings
from hypothesis import strategies as hs

arm = hs.integers(0, 50_000).flatmap(
    lambda n: hs.tuples(hs.just(n), hs.integers(0, n), hs.integers(0, 10**7), hs.integers(0, 40))
)


@settings(max_examples=60, deadline=None)
@given(hs.lists(arm, min_size=2, max_size=4), hs.floats(0.0, 60.0), hs.booleans())
def test_decide_never_fails_on_any_counts(arms, elapsed, sequential):
    vs = [
        variant(
            f"v{i}",
            n,
            c,
            control=i == 0,
            spend=s,
            boosts=b,
            per_boost=MeanStats.from_values([s / max(b, 1)] * b),
        )
        for i, (n, c, s, b) in enumerate(arms)
    ]
    d = decide(vs, min_sample_per_variant=1000, elapsed_days=elapsed, sequential=sequential)
    assert d.status in (WINNER, NO_WINNER_YET, INVALID)
    assert (d.winner is None) == (len(d.missing) > 0)
    for c in d.comparisons:
        assert 0.0 <= c.p_value <= c.p_value_adjusted <= 1.0
        assert 0.0 <= c.bayes.chance_to_win <= 1.0
        for g in c.guardrails:
            assert 0.0 <= g.p_worse <= 1.0 and math.isfinite(g.estimate)
    for x in (d.days_to_min_sample, d.days_to_significance):
        assert x is None or (math.isfinite(x) and x >= 0)


def test_fixed_horizon_projection_is_the_power_calculation():
    from boostloop.analytics.experiments import sample_size_proportions

    a, b = variant("A", 4_000, 200, control=True), variant("B", 4_000, 224)
    d = decide([a, b], min_sample_per_variant=1000, elapsed_days=8, sequential=False)
    assert d.winner is None and d.comparisons[0].p_value > 0.05
    plan = sample_size_proportions(0.05, 224 / 4000 - 0.05, power=0.8)
    # 4000 people in 8 days = 500 a day per arm.
    assert d.days_to_significance == pytest.approx((plan.n_control - 4000) / 500)

"""Hand-worked examples for every model (the arithmetic is in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from boostloop.analytics.attribution import MODELS, PathTable, attribute, top_paths
from boostloop.analytics.attribution.markov import prepare_markov
from boostloop.analytics.attribution.shapley import coalition_values, shapley_by_coalitions

# p1: A > B > C  2 conv, value 100, 1 null
# p2: B          1 conv, value 30,  3 null
# p3: C > A      0 conv,            2 null
# p4: A > A > B  1 conv, value 50,  0 null
TABLE = PathTable.build(
    [["A", "B", "C"], ["B"], ["C", "A"], ["A", "A", "B"]], conversions=[2, 1, 0, 1], value=[100, 30, 0, 50],
    nulls=[1, 3, 2, 0],
)


def credits(model: str, table: PathTable = TABLE, **kw) -> tuple[dict[str, float], dict[str, float]]:  # noqa: ANN003
    r = attribute(table, model, **kw)
    return r.conversions_by_channel(), r.value_by_channel()


def test_first_touch() -> None:
    conv, val = credits("first_touch")  # A starts p1 (2) and p4 (1); B starts p2 (1)
    assert conv == {"A": 3, "B": 1, "C": 0}
    assert val == {"A": 150, "B": 30, "C": 0}


def test_last_touch() -> None:
    conv, val = credits("last_touch")  # C ends p1 (2); B ends p2 (1) and p4 (1)
    assert conv == {"A": 0, "B": 2, "C": 2}
    assert val == {"A": 0, "B": 80, "C": 100}


def test_linear() -> None:
    conv, val = credits("linear")
    # A: p1 2/3 + p4 2 touches of 3 -> 2/3 = 4/3; B: 2/3 + 1 + 1/3 = 2; C: 2/3
    assert conv == pytest.approx({"A": 4 / 3, "B": 2, "C": 2 / 3})
    # A: 100/3 + 2*50/3 = 200/3; B: 100/3 + 30 + 50/3 = 80; C: 100/3
    assert val == pytest.approx({"A": 200 / 3, "B": 80, "C": 100 / 3})


def test_position_based() -> None:
    conv, _ = credits("position_based")
    # p1 x2: A .4, B .2, C .4 -> .8/.4/.8; p2: B 1; p4: first A .4, middle A .2, last B .4
    assert conv == pytest.approx({"A": 1.4, "B": 1.8, "C": 0.8})
    two = PathTable.build([["X", "Y"]], conversions=[10])
    assert credits("position_based", two)[0] == pytest.approx({"X": 5, "Y": 5})
    five = PathTable.build([["X", "Y", "Z", "Y", "W"]], conversions=[1])
    assert credits("position_based", five)[0] == pytest.approx({"X": 0.4, "Y": 0.2 / 3 * 2, "Z": 0.2 / 3, "W": 0.4})


def test_last_non_unknown() -> None:
    t = PathTable.build(
        [["ORGANIC", "PAID", "UNKNOWN"], ["UNKNOWN", "UNKNOWN"], ["UNKNOWN", "ORGANIC", "UNKNOWN"]],
        conversions=[1, 2, 4], value=[10, 20, 40],
    )
    conv, val = credits("last_non_unknown", t)
    # p1 -> PAID (last known), p2 -> UNKNOWN (nothing known), p3 -> ORGANIC
    assert conv == {"ORGANIC": 4, "PAID": 1, "UNKNOWN": 2}
    assert val == {"ORGANIC": 40, "PAID": 10, "UNKNOWN": 20}
    assert credits("last_non_unknown", t, unknown=())[0] == credits("last_touch", t)[0]


def test_time_decay() -> None:
    # A 48 h and B 0 h before the conversion, half-life 24 h: weights 2^-2 = .25 and 1 -> shares .2 / .8
    t = PathTable.build([["A", "B"], ["B", "A"]], conversions=[1, 1], value=[100, 10],
                        hours_to_conversion=[[48, 0], [7 * 24, 0]])
    conv, val = credits("time_decay", t, half_life_hours=24)
    # second journey: B 168 h = 7 half-lives before: 2^-7 = 1/128 -> B 1/129, A 128/129
    assert conv == pytest.approx({"A": 0.2 + 128 / 129, "B": 0.8 + 1 / 129})
    assert val == pytest.approx({"A": 20 + 10 * 128 / 129, "B": 80 + 10 / 129})
    # the default half-life is Google Ads' 7 days: a touch 7 days out gets half the weight -> 1/3 vs 2/3
    t7 = PathTable.build([["A", "B"]], conversions=[3], hours_to_conversion=[[168, 0]])
    assert credits("time_decay", t7)[0] == pytest.approx({"A": 1, "B": 2})
    with pytest.raises(ValueError, match="hours_to_conversion"):
        attribute(TABLE, "time_decay")
    # 1,000 half-lives apart: no underflow to 0/0, the recent touch gets (essentially) everything
    far = PathTable.build([["A", "B"]], conversions=[1], hours_to_conversion=[[1e6, 1e6 - 5]])
    assert credits("time_decay", far)[0]["B"] == pytest.approx(2 ** (5 / 168) / (1 + 2 ** (5 / 168)))


def test_shapley() -> None:
    conv, val = credits("shapley")
    # distinct channels: p1 {A,B,C} 2/3 each; p2 {B} 1; p4 {A,B} 1/2 each
    assert conv == pytest.approx({"A": 2 / 3 + 1 / 2, "B": 2 / 3 + 1 + 1 / 2, "C": 2 / 3})
    assert val == pytest.approx({"A": 100 / 3 + 25, "B": 100 / 3 + 30 + 25, "C": 100 / 3})
    # characteristic function: v(S) = conversions of journeys inside S; masks A=1, B=2, C=4
    v = coalition_values(TABLE, TABLE.conversions)
    assert v.tolist() == [0, 0, 1, 2, 0, 0, 1, 4]  # {B}=1 (p2), {A,B}=2 (p2,p4), {B,C}=1, all=4
    assert shapley_by_coalitions(TABLE, TABLE.conversions) == pytest.approx(
        [conv["A"], conv["B"], conv["C"]]
    )


def test_shapley_moebius_equals_the_2_pow_15_coalition_formula() -> None:
    rng = np.random.default_rng(7)
    names = [f"c{i}" for i in range(15)]
    paths = [list(rng.choice(names, size=rng.integers(1, 7))) for _ in range(400)]
    t = PathTable.build(paths, conversions=rng.integers(0, 5, 400), value=rng.random(400) * 100,
                        nulls=rng.integers(1, 5, 400), channels=names)
    fast = attribute(t, "shapley")
    slow = shapley_by_coalitions(t, t.conversions)
    assert [c.conversions for c in fast.credits] == pytest.approx(slow.tolist(), rel=1e-9)
    assert [c.value for c in fast.credits] == pytest.approx(shapley_by_coalitions(t, t.value).tolist(), rel=1e-9)


def test_markov_order_1_by_hand() -> None:
    # A>B: 1 conv (value 10); A: 1 null; B: 1 conv (value 30) + 1 null.
    # start -> A .5, B .5; A -> B .5, null .5; B -> conv 2/3, null 1/3.  P = .5*.5*2/3 + .5*2/3 = 1/2.
    # remove A: P = .5*2/3 = 1/3 -> RE_A = 1/3; remove B: P = 0 -> RE_B = 1.
    # credit: A = 2 * (1/3)/(4/3) = .5, B = 1.5.
    # value: u_B = 40/3 per visit, V = .5*.5*40/3 + .5*40/3 = 10; V_-A = 20/3 -> REV_A = 1/3, REV_B = 1.
    t = PathTable.build([["A", "B"], ["A"], ["B"]], conversions=[1, 0, 1], value=[10, 0, 30], nulls=[0, 1, 1])
    r = attribute(t, "markov")
    assert r.removal_effects == pytest.approx((1 / 3, 1.0))
    assert r.removal_effects_value == pytest.approx((1 / 3, 1.0))
    assert r.conversions_by_channel() == pytest.approx({"A": 0.5, "B": 1.5})
    assert r.value_by_channel() == pytest.approx({"A": 10, "B": 30})
    p, v, _, _ = prepare_markov(t).solve(t.conversions, t.value, t.nulls)
    assert (p, v) == pytest.approx((0.5, 10))


def test_markov_higher_order_by_hand() -> None:
    # Order 2 tells "A then B" from "C then B": A>B always converts, C>B never.
    # Order 1 pools B: conv prob from B = 1/2 for both. Order 2 keeps them apart.
    t = PathTable.build([["A", "B"], ["C", "B"]], conversions=[1, 0], nulls=[0, 1])
    r1 = attribute(t, "markov", order=1)
    # order 1: start -> A .5, C .5; A->B, C->B; B -> conv .5.  P = .5. Remove A: P = .25 -> RE .5;
    # remove C: .25 -> RE .5; remove B: 0 -> RE 1.  Credits: 1 * (.5, .5, 1)/2 = (.25, .25, .5)
    assert r1.conversions_by_channel() == pytest.approx({"A": 0.25, "B": 0.5, "C": 0.25})
    r2 = attribute(t, "markov", order=2)
    # order 2: states (A), (C), (A,B), (C,B); (A,B) -> conv 1, (C,B) -> null 1. P = .5.
    # remove A: 0 -> RE 1; remove C: .5 -> RE 0; remove B: 0 -> RE 1.  Credits (.5, 0, .5)
    assert r2.conversions_by_channel() == pytest.approx({"A": 0.5, "B": 0.5, "C": 0.0})
    with pytest.raises(ValueError, match="order"):
        attribute(t, "markov", order=5)


def test_every_model_gives_zeros_not_nan_without_conversions() -> None:
    t = PathTable.build([["A", "B"], ["B"]], conversions=[0, 0], nulls=[3, 1], hours_to_conversion=[[1, 0], [0]])
    for m in MODELS:
        r = attribute(t, m, n_boot=5, seed=1)
        assert all(c.conversions == 0 and c.value == 0 for c in r.credits), m
        assert all(c.conversions_low == 0 and c.conversions_high == 0 for c in r.credits), m
    empty = PathTable.build([], [], hours_to_conversion=[])
    for m in MODELS:
        assert attribute(empty, m).credits == ()


def test_conversions_without_touches_are_reported_not_credited() -> None:
    t = PathTable.from_strings(["a > b", "", "b"], [1, 5, 2], [10, 50, 20], [0, 0, 1])
    assert t.dropped_conversions == 5 and t.dropped_value == 50
    assert sum(attribute(t, "linear").conversions_by_channel().values()) == pytest.approx(3)


def test_bootstrap_is_seeded_and_narrows_with_more_journeys() -> None:
    a = attribute(TABLE, "markov", n_boot=200, seed=11)
    b = attribute(TABLE, "markov", n_boot=200, seed=11)
    assert a == b
    c = attribute(TABLE, "markov", n_boot=200, seed=12)
    assert a.credits != c.credits
    big = TABLE.with_counts(TABLE.conversions * 100, TABLE.value * 100, TABLE.nulls * 100)
    wide = a.credit("A")
    narrow = attribute(big, "markov", n_boot=200, seed=11).credit("A")
    assert (narrow.conversions_high - narrow.conversions_low) / narrow.conversions < (
        wide.conversions_high - wide.conversions_low
    ) / wide.conversions
    assert narrow.conversions_low < narrow.conversions < narrow.conversions_high
    with pytest.raises(ValueError, match="seed"):
        attribute(TABLE, "linear", n_boot=10)


def test_top_paths_merge_rows_and_rank_by_conversions() -> None:
    t = PathTable.build([["A", "B"], ["B"], ["A", "B"], ["C"]], conversions=[1, 3, 4, 0], value=[1, 3, 4, 0],
                        nulls=[1, 0, 2, 9])
    top = top_paths(t, 5)
    assert [(p.path, p.conversions, p.nulls) for p in top] == [(("A", "B"), 5, 3), (("B",), 3, 0)]
    assert top[0].conversion_rate == pytest.approx(5 / 8)
    assert len(top_paths(t, 5, converting_only=False)) == 3


def test_path_strings_are_parsed_like_channelattribution() -> None:
    t = PathTable.from_strings(["eta > iota > eta", "iota", "eta > iota > eta"], [1, 2, 3], nulls=[0, 1, 1])
    assert t.n_paths == 2 and t.channels == ("eta", "iota")
    assert t.path(0) == ("eta", "iota", "eta") and t.conversions.tolist() == [4, 2]
    with pytest.raises(ValueError, match="row 1"):
        PathTable.from_strings(["a", "b >> c"], [1, 1])
    with pytest.raises(ValueError, match="row 0: conversions"):
        PathTable.build([["a"]], conversions=[-1])

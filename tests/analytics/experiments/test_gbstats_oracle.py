"""GrowthBook's stats engine (gbstats 0.8.0) as a test oracle only.

gbstats is not a dependency: its plain install downgrades numpy and pandas, so CI installs it with
``.venv/bin/uv pip install --no-deps gbstats==0.8.0`` and these tests skip without it.
"""

from __future__ import annotations

import pytest

gbstats = pytest.importorskip("gbstats")

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
from gbstats.utils import check_srm

from boostloop.analytics.experiments import (
    MeanStats,
    ProportionStats,
    msprt,
    normal_bayes,
    relative_lift_test,
    sample_ratio_mismatch,
    welch_test,
)

TOL = 1e-6

PROPORTIONS = [(1000, 200, 1000, 250), (5321, 87, 4710, 112), (20000, 1500, 19500, 1380), (300, 12, 280, 21)]
MEANS = [
    (MeanStats(400, 52_000.0, 9_100_000.0), MeanStats(410, 57_400.0, 10_300_000.0)),
    (MeanStats(35, 41.0, 90.0), MeanStats(29, 30.5, 52.0)),
    (MeanStats(12_000, 36_500.0, 410_000.0), MeanStats(11_800, 38_100.0, 433_000.0)),
]


def gb(stats):
    if isinstance(stats, ProportionStats):
        return ProportionStatistic(n=stats.n, sum=stats.conversions)
    return SampleMeanStatistic(n=stats.n, sum=stats.total, sum_squares=stats.total_sq)


def cases():
    for na, ca, nb, cb in PROPORTIONS:
        yield ProportionStats(na, ca), ProportionStats(nb, cb)
    yield from MEANS


CASES = list(cases())


@pytest.mark.parametrize(("a", "b"), CASES)
def test_relative_lift_matches_gbstats_frequentist(a, b):
    ref = TwoSidedTTest(gb(a), gb(b), FrequentistConfig(difference_type="relative")).compute_result()
    mine = relative_lift_test(a, b)
    assert mine.estimate == pytest.approx(ref.expected, abs=TOL)
    assert mine.p_value == pytest.approx(ref.p_value, abs=TOL)
    assert mine.ci[0] == pytest.approx(ref.ci[0], abs=TOL)
    assert mine.ci[1] == pytest.approx(ref.ci[1], abs=TOL)


@pytest.mark.parametrize(("a", "b"), MEANS)
def test_welch_matches_gbstats_absolute(a, b):
    ref = TwoSidedTTest(gb(a), gb(b), FrequentistConfig(difference_type="absolute")).compute_result()
    mine = welch_test(a, b).absolute
    assert mine.p_value == pytest.approx(ref.p_value, abs=TOL)
    assert mine.ci[0] == pytest.approx(ref.ci[0], abs=TOL)
    assert mine.ci[1] == pytest.approx(ref.ci[1], abs=TOL)


@pytest.mark.parametrize(("a", "b"), CASES)
@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("tuning", [1000.0, 5000.0, 40_000.0])
def test_msprt_matches_gbstats_sequential(a, b, relative, tuning):
    cfg = SequentialConfig(
        difference_type="relative" if relative else "absolute", sequential_tuning_parameter=tuning
    )
    ref = SequentialTwoSidedTTest(gb(a), gb(b), cfg).compute_result()
    mine = msprt(a, b, tuning_sample=tuning, relative=relative)
    assert mine.p_value == pytest.approx(ref.p_value, abs=1e-9)
    assert mine.ci[0] == pytest.approx(ref.ci[0], abs=TOL)
    assert mine.ci[1] == pytest.approx(ref.ci[1], abs=TOL)


@pytest.mark.parametrize(("a", "b"), CASES)
@pytest.mark.parametrize("relative", [False, True])
def test_normal_bayes_matches_gbstats(a, b, relative):
    cfg = EffectBayesianConfig(difference_type="relative" if relative else "absolute")
    ref = EffectBayesianABTest(gb(a), gb(b), cfg).compute_result()
    mine = normal_bayes(a, b, relative=relative)
    assert mine.chance_to_win == pytest.approx(ref.chance_to_win, abs=TOL)
    # gbstats risk = [risk of keeping control, risk of shipping treatment].
    assert mine.expected_loss_control == pytest.approx(ref.risk[0], abs=TOL)
    assert mine.expected_loss_treatment == pytest.approx(ref.risk[1], abs=TOL)
    assert mine.credible_interval[0] == pytest.approx(ref.ci[0], abs=TOL)
    assert mine.credible_interval[1] == pytest.approx(ref.ci[1], abs=TOL)


@pytest.mark.parametrize(
    ("observed", "weights"),
    [
        ([5000, 5100], [0.5, 0.5]),
        ([980, 1000, 1100], [1, 1, 1]),
        ([3000, 1000], [0.7, 0.3]),
        ([0, 0], [1, 1]),
    ],
)
def test_srm_matches_gbstats(observed, weights):
    assert sample_ratio_mismatch(observed, weights).p_value == pytest.approx(
        check_srm(observed, weights), abs=1e-9
    )


def test_pooled_z_differs_from_gbstats_unpooled_on_the_same_counts():
    """GrowthBook tests proportions with an unpooled t; our absolute test uses the pooled null variance."""
    from boostloop.analytics.experiments import two_proportion_test

    a, b = ProportionStats(400, 20), ProportionStats(400, 36)
    ref = TwoSidedTTest(gb(a), gb(b), FrequentistConfig(difference_type="absolute")).compute_result()
    assert two_proportion_test(a, b).absolute.p_value != pytest.approx(ref.p_value, abs=1e-4)


def test_ratio_metric_matches_gbstats():
    import numpy as np
    from gbstats.models.statistics import RatioStatistic

    from boostloop.analytics.experiments import RatioStats

    rng = np.random.default_rng(5)

    def arm(k, rate):
        reach = rng.integers(300, 3000, k).astype(float)
        conv = rng.binomial(reach.astype(int), rng.beta(rate * 50, (1 - rate) * 50, k)).astype(float)
        mine = RatioStats.from_pairs(conv, reach)
        ref = RatioStatistic(
            n=k,
            m_statistic=SampleMeanStatistic(n=k, sum=conv.sum(), sum_squares=(conv**2).sum()),
            d_statistic=SampleMeanStatistic(n=k, sum=reach.sum(), sum_squares=(reach**2).sum()),
            m_d_sum_of_products=(conv * reach).sum(),
        )
        return mine, ref

    (a, ga), (b, gb_) = arm(12, 0.04), arm(15, 0.05)
    assert a.variance == pytest.approx(ga.variance, rel=1e-9)
    for kind in ("absolute", "relative"):
        ref = TwoSidedTTest(ga, gb_, FrequentistConfig(difference_type=kind)).compute_result()
        r = welch_test(a, b)
        mine = r.absolute if kind == "absolute" else r.relative
        assert mine.p_value == pytest.approx(ref.p_value, abs=TOL)
        assert mine.ci[0] == pytest.approx(ref.ci[0], abs=TOL)
        assert mine.ci[1] == pytest.approx(ref.ci[1], abs=TOL)
        seq = SequentialTwoSidedTTest(
            ga, gb_, SequentialConfig(difference_type=kind, sequential_tuning_parameter=50)
        ).compute_result()
        assert msprt(a, b, tuning_sample=50, relative=kind == "relative").p_value == pytest.approx(
            seq.p_value, abs=1e-9
        )

"""Each detector on hand-made data: planted effects are found, their numbers are right, the rules hold."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, stats

from boostloop.analytics.insights import BoostOutcome, InsightInput, OrganicPost
from boostloop.analytics.insights.alerts import detect_opportunities, detect_warnings
from boostloop.analytics.insights.anomalies import detect_anomalies, windows
from boostloop.analytics.insights.budget import (
    _fit,
    break_even_budget,
    detect_budget,
    fit_response,
    saturating,
)
from boostloop.analytics.insights.groups import detect_groups
from boostloop.enums import InsightSeverity, InsightType
from boostloop.errors import InvalidInput
from tests.analytics.insights.synth import NULL, PERIOD, Planted, make_world, organic, snapshot_series


def _boost(i, **kw):
    base = dict(
        boost_id=f"b{i}",
        weekday=0,
        hour=9,
        platform="FACEBOOK",
        content_type="IMAGE",
        spend_cents=10_000,
        impressions=10_000,
        clicks=100,
        conversions=5,
        value_cents=20_000,
    )
    base.update(kw)
    return BoostOutcome(**base)


def test_outcome_ratios_are_defined_on_zero_denominators():
    b = _boost(0, spend_cents=0, conversions=0, impressions=0, clicks=0)
    assert (b.roi, b.cpa_cents, b.ctr, b.roas) == (None, None, None, None)
    b = _boost(1, spend_cents=10_000, value_cents=15_000, conversions=4, impressions=1000, clicks=30)
    assert (b.roi, b.cpa_cents, b.ctr) == (0.5, 2500, 0.03)


def test_invalid_input_names_every_bad_row_and_field():
    with pytest.raises(InvalidInput) as err:
        InsightInput(
            boosts=(_boost(0), _boost(1, spend_cents=-5, hour=24)),
            period_start=PERIOD[0],
            period_end=PERIOD[1],
        )
    locs = {e.loc for e in err.value.errors}
    assert locs == {("boosts", 1, "spend_cents"), ("boosts", 1, "hour")}


def test_timing_finds_planted_weekday_and_daypart():
    w = make_world(3, Planted(hour={8: 2.0, 9: 2.0, 10: 2.0, 11: 2.0}, weekday={4: 1.8}), n=800)
    r = detect_groups("timing", w.boosts, value_per_conversion_cents=5000)
    sig = {f.subject + ":" + f.direction for f in r.findings if f.evidence.p_value < 0.001}
    assert "weekday=4:best" in sig and "daypart=8:best" in sig
    friday = next(f for f in r.findings if f.subject == "weekday=4")
    assert friday.evidence.ci_low < 1.8 < friday.evidence.ci_high
    assert friday.severity is InsightSeverity.HIGH
    # The chart covers all levels of every dimension, tested or not.
    assert len(r.chart["dimensions"]["hour"]) == 24 and len(r.chart["dimensions"]["weekday"]) == 7


def test_group_rate_and_ratio_by_hand():
    # Two platforms x 10 boosts: FACEBOOK 2 conversions per $100, INSTAGRAM 1 per $100.
    boosts = tuple(
        [_boost(i, platform="FACEBOOK", conversions=2 + (i % 2)) for i in range(10)]
        + [_boost(10 + i, platform="INSTAGRAM", conversions=1 + (i % 2)) for i in range(10)]
    )
    r = detect_groups("platform", boosts, value_per_conversion_cents=4000)
    fb = next(f for f in r.findings if f.subject == "platform=FACEBOOK")
    assert fb.data["rate_group"] == pytest.approx(25 / 1000) and fb.data["rate_rest"] == pytest.approx(
        15 / 1000
    )
    assert fb.evidence.effect == pytest.approx(25 / 15)
    # Impact: (0.025 - 0.015) conversions per dollar x $1000 rest spend x $40 per conversion = $400.
    assert fb.impact == pytest.approx(0.01 * 1000 * 4000)


def test_small_groups_are_not_tested_but_charted():
    boosts = tuple(_boost(i, content_type="VIDEO" if i < 5 else "IMAGE") for i in range(30))
    r = detect_groups("content_type", boosts, value_per_conversion_cents=4000)
    assert r.findings == ()
    assert any("fewer than 10" in s["reason"] for s in r.skipped)
    assert {row["level"] for row in r.chart["dimensions"]["content_type"]} == {"VIDEO", "IMAGE"}


def test_targeting_multi_label_interests_and_segment():
    w = make_world(5, Planted(segment={"students": 0.4}), n=700)
    r = detect_groups("targeting", w.boosts, value_per_conversion_cents=5000)
    students = next(f for f in r.findings if f.subject == "segment=students")
    assert students.direction == "worst" and students.evidence.p_value < 1e-4
    assert {f.data["dimension"] for f in r.findings} >= {"segment", "age_band", "interest", "location"}


def test_budget_fit_equals_curve_fit():
    rng = np.random.default_rng(0)
    s = rng.uniform(20, 600, 80)
    v = saturating(s, 400, 150) * rng.gamma(5, 1 / 5, 80)
    (a, b), pcov, _ = _fit(s, v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, ref_cov = optimize.curve_fit(saturating, s, v, p0=(300, 100), sigma=np.sqrt(s), maxfev=10_000)
    assert (a, b) == pytest.approx(tuple(ref), rel=1e-4)
    assert np.sqrt(np.diag(pcov)) == pytest.approx(np.sqrt(np.diag(ref_cov)), rel=1e-3)


def test_break_even_budget_by_hand():
    # a = 300, b = 100: marginal 3 exp(-s/100) = 1 at s = 100 ln 3.
    assert break_even_budget(300, 100, 1.0) == pytest.approx(100 * math.log(3))
    assert break_even_budget(300, 100, 2.0) == pytest.approx(100 * math.log(1.5))
    assert break_even_budget(80, 100, 1.0) == 0.0


def test_budget_recovers_planted_saturation_with_interval():
    w = make_world(11, Planted(saturation_b=150.0, roas_at_zero=3.0), n=900)
    r = detect_budget(w.boosts, seed=1)
    truth = 150 * math.log(3)  # b ln(a / b) with a / b = 3
    covered = 0
    for f in r.findings:
        assert f.evidence.p_value < 0.01
        lo, hi = f.data["break_even_ci_cents"]
        covered += lo / 100 <= truth <= hi / 100
        assert (
            f.insight_type is InsightType.PATTERN
            and f.data["a_ci"][0] < f.data["a_dollars"] < f.data["a_ci"][1]
        )
    assert len(r.findings) == 3 and covered >= 2


def test_budget_on_linear_world_is_not_significant_and_bootstrap_is_seeded():
    w = make_world(12, NULL, n=600)
    s = np.array([b.spend_cents / 100 for b in w.boosts if b.platform == "FACEBOOK"])
    v = np.array([b.value_cents / 100 for b in w.boosts if b.platform == "FACEBOOK"])
    f1 = fit_response(s, v, seed=3, bootstrap=30)
    f2 = fit_response(s, v, seed=3, bootstrap=30)
    assert f1 == f2
    assert f1["p_value"] > 0.01


def test_budget_skips_too_few_boosts():
    r = detect_budget(tuple(_boost(i, spend_cents=1000 * (i + 1)) for i in range(10)))
    assert r.findings == () and "min 30" in r.skipped[0]["reason"]


def test_anomaly_windows_by_hand():
    from boostloop.analytics.insights import SnapshotPoint as P

    pts = [P("x", h, 100 * h, 1000 * h, 10 * h, h) for h in range(0, 13)]
    w = windows(pts, 6)
    assert w.tolist() == [[600, 6000, 60, 6], [600, 6000, 60, 6]]


def test_anomaly_planted_cpa_and_ctr_jump_found_and_steady_boost_not():
    rng = np.random.default_rng(4)
    # $200 an hour at 0.05 conversions per dollar: ~60 conversions per 6-hour window. A drop to zero has a
    # robust z of about -sqrt(mean count) for Poisson counts, so it needs more than ~13 per window to pass
    # 3.5.
    snaps = snapshot_series(
        "jump", 96, rng, spend_per_h=20000, jump_at=90, conv_factor=0.1, ctr_factor=0.4
    ) + snapshot_series("steady", 96, rng)
    boosts = (_boost("jump", boost_id="jump"), _boost("steady", boost_id="steady"))
    r = detect_anomalies(boosts, tuple(snaps))
    subjects = {(f.subject, f.direction) for f in r.findings}
    assert ("boost=jump:CPA", "up") in subjects and ("boost=jump:CTR", "down") in subjects
    assert not any(f.subject.startswith("boost=steady") for f in r.findings)
    ctr = next(f for f in r.findings if f.subject == "boost=jump:CTR")
    assert ctr.evidence.p_value < 1e-6 and ctr.data["robust_z"] <= -3.5
    assert ctr.evidence.ci_low < 0.4 < ctr.evidence.ci_high


def test_anomaly_needs_history():
    rng = np.random.default_rng(5)
    r = detect_anomalies((), tuple(snapshot_series("short", 30, rng)))
    assert r.findings == () and r.skipped


def test_warning_rule_by_hand():
    # $500 spent, workspace value $50 per conversion -> break-even needs 10; 2 conversions: p = P(X <= 2 |
    # 10).
    losing = _boost(
        0, spend_cents=50_000, conversions=2, value_cents=10_000, active=True, recent_spend_cents=5_000
    )
    stopped = _boost(1, spend_cents=50_000, conversions=2, value_cents=10_000, active=False)
    tiny = _boost(2, spend_cents=10_000, conversions=0, value_cents=0, active=True, recent_spend_cents=100)
    r = detect_warnings((losing, stopped, tiny), value_per_conversion_cents=5000)
    assert len(r.findings) == 1
    f = r.findings[0]
    assert f.evidence.p_value == pytest.approx(stats.poisson.cdf(2, 10))
    assert f.evidence.effect == pytest.approx(-0.8)
    # Upper 95% Garwood bound on 2 conversions: 6.296 -> ROAS <= 6.296 * 50 / 500 = 0.63 -> HIGH, not
    # CRITICAL.
    assert f.data["roas_upper95"] == pytest.approx(stats.chi2.ppf(0.95, 6) / 2 * 0.1)
    assert f.severity is InsightSeverity.HIGH
    zero = detect_warnings(
        (_boost(3, spend_cents=100_000, conversions=0, value_cents=0, active=True, recent_spend_cents=1),),
        value_per_conversion_cents=5000,
    )
    assert zero.findings[0].severity is InsightSeverity.CRITICAL


def test_opportunity_planted_strong_post():
    rng = np.random.default_rng(6)
    posts = organic(rng, n=40, strong=2)
    posts[1] = OrganicPost(
        posts[1].post_id, "FACEBOOK", "VIDEO", posts[1].engagements_7d, posts[1].impressions_7d, boosted=True
    )
    r = detect_opportunities(tuple(posts), ())
    # Candidates are the unboosted top-decile posts; only the planted one beats the workspace's rate.
    assert posts[1].post_id not in {f.data["post_id"] for f in r.findings}
    strong = [f.data["post_id"] for f in r.findings if f.evidence.p_value < 1e-3]
    assert strong == [posts[0].post_id]
    assert r.findings[0].evidence.effect > 3
    assert detect_opportunities(tuple(posts[:5]), ()).findings == ()

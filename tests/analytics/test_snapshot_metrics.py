"""Snapshot formulas on hand-worked cases, degenerate inputs, and invariants (hypothesis)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boostloop.analytics.snapshot_metrics import (
    REACH_EXACT,
    REACH_INDEPENDENCE,
    REACH_NO_AUDIENCE,
    REACH_NO_PAID_REACH,
    VALUE_ATTRIBUTED,
    VALUE_PLATFORM,
    chord_estimate,
    incremental_reach,
    paid_reach_over_periods,
    snapshot_metrics,
)

BASE = dict(
    paid_impressions=3000, paid_clicks=50, paid_conversions=2, paid_conversion_value_cents=10_000,
    paid_spend_cents=7500, attributed_conversions=3, attributed_overlap=1, attributed_value_cents=9000,
    organic_reach=1000,
)


def test_hand_worked_snapshot() -> None:
    m = snapshot_metrics(**BASE, total_reach=1500, paid_reach=2700, audience_size=10_000)
    assert m.paid_ctr == pytest.approx(50 / 3000)  # 0.016667
    assert m.paid_cpa == 3750.0  # 7500 cents / 2 conversions
    assert m.paid_roas == pytest.approx(10_000 / 7500)  # 1.3333
    assert m.cost_per_result == 2500.0  # 7500 / (2 paid + 1 overlap)
    assert m.total_value_cents == 9000 and m.value_source == VALUE_ATTRIBUTED
    assert m.total_roi == pytest.approx(0.2)  # (9000 - 7500) / 7500
    assert (m.incremental_reach, m.incremental_reach_estimated, m.incremental_reach_method) == (500, False, REACH_EXACT)


def test_zero_spend_gives_no_ratio_over_spend_but_free_results() -> None:
    m = snapshot_metrics(**(BASE | {"paid_spend_cents": 0}))
    assert m.paid_roas is None and m.total_roi is None
    assert m.paid_cpa == 0.0 and m.cost_per_result == 0.0  # results that cost nothing


def test_no_delivery_no_conversions() -> None:
    m = snapshot_metrics(
        paid_impressions=0, paid_clicks=0, paid_conversions=0, paid_conversion_value_cents=0, paid_spend_cents=0,
        attributed_conversions=0, attributed_overlap=0, attributed_value_cents=0, organic_reach=0,
    )
    assert m.paid_ctr == 0.0
    assert (m.paid_cpa, m.paid_roas, m.cost_per_result, m.total_roi) == (None, None, None, None)
    assert (m.incremental_reach, m.incremental_reach_estimated, m.incremental_reach_method) == (0, True, REACH_NO_PAID_REACH)


def test_spend_without_conversions_is_a_total_loss() -> None:
    m = snapshot_metrics(**(BASE | {"paid_conversions": 0, "paid_conversion_value_cents": 0, "attributed_conversions": 0,
                                    "attributed_overlap": 0, "attributed_value_cents": 0}))
    assert m.paid_cpa is None and m.cost_per_result is None
    assert m.paid_roas == 0.0
    assert m.total_roi == -1.0  # (0 - 7500) / 7500
    assert m.value_source == VALUE_PLATFORM


def test_platform_value_is_used_without_attributed_conversions() -> None:
    m = snapshot_metrics(**(BASE | {"attributed_conversions": 0, "attributed_overlap": 0, "attributed_value_cents": 0}))
    assert m.total_value_cents == 10_000 and m.value_source == VALUE_PLATFORM
    assert m.total_roi == pytest.approx((10_000 - 7500) / 7500)
    assert m.cost_per_result == 3750.0  # 7500 / (2 + 0)


def test_fractional_overlap_from_a_model() -> None:
    m = snapshot_metrics(**(BASE | {"attributed_overlap": 0.5}))
    assert m.cost_per_result == 3000.0  # 7500 / 2.5


def test_incremental_reach_cases() -> None:
    # independence: 2700 * (1 - 1000 / 10000) = 2430
    r = incremental_reach(organic_reach=1000, total_reach=None, paid_reach=2700, audience_size=10_000)
    assert (r.value, r.estimated, r.method) == (2430, True, REACH_INDEPENDENCE)
    # the universe is at least as large as either audience: N = max(500, 1000, 2700) = 2700
    # -> 2700 * (1 - 1000/2700) = 1700 = paid - organic: the organic set lies inside the paid set
    r = incremental_reach(organic_reach=1000, total_reach=None, paid_reach=2700, audience_size=500)
    assert r.value == 1700
    r = incremental_reach(organic_reach=1000, total_reach=None, paid_reach=2700, audience_size=None)
    assert (r.value, r.method) == (2700, REACH_NO_AUDIENCE)
    # platform figures slightly inconsistent: clamped at 0
    r = incremental_reach(organic_reach=1000, total_reach=990, paid_reach=None, audience_size=None)
    assert (r.value, r.estimated) == (0, False)


def test_paid_reach_over_periods() -> None:
    assert paid_reach_over_periods(reach_sum=2700, periods_with_reach=2, impressions=3000).value == 2700
    assert paid_reach_over_periods(reach_sum=5000, periods_with_reach=2, impressions=3000).value == 3000
    assert paid_reach_over_periods(reach_sum=None, periods_with_reach=0, impressions=3000).value is None


def test_chord_estimate() -> None:
    pub = datetime(2026, 3, 1, tzinfo=UTC)
    # observed 1000 at 40 h after publication; boost at 10 h -> 1000 * 10/40 = 250
    e = chord_estimate(later_value=1000, published_at=pub, later_at=pub + timedelta(hours=40), at=pub + timedelta(hours=10))
    assert (e.value, e.fraction) == (250, 0.25)
    assert chord_estimate(later_value=7, published_at=pub, later_at=pub, at=pub).value == 7
    assert chord_estimate(later_value=7, published_at=pub, later_at=pub + timedelta(hours=1), at=pub - timedelta(hours=1)).value == 0


@pytest.mark.parametrize("field", ["paid_spend_cents", "paid_clicks", "attributed_overlap"])
def test_negative_input_is_refused_with_its_name(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        snapshot_metrics(**(BASE | {field: -1}))


def test_nan_input_is_refused() -> None:
    with pytest.raises(ValueError, match="attributed_overlap"):
        snapshot_metrics(**(BASE | {"attributed_overlap": float("nan")}))


counts = st.integers(min_value=0, max_value=10**9)


@given(imp=counts, clicks=counts, conv=counts, value=counts, spend=counts, att=st.floats(0, 1e6), overlap=st.floats(0, 1e6),
       att_value=counts, org=counts, paid_reach=st.none() | counts, audience=st.none() | counts,
       total=st.none() | counts)
def test_never_nan_and_reach_within_bounds(imp, clicks, conv, value, spend, att, overlap, att_value, org, paid_reach,
                                           audience, total) -> None:  # noqa: ANN001
    m = snapshot_metrics(
        paid_impressions=imp, paid_clicks=clicks, paid_conversions=conv, paid_conversion_value_cents=value,
        paid_spend_cents=spend, attributed_conversions=att, attributed_overlap=overlap, attributed_value_cents=att_value,
        organic_reach=org, total_reach=total, paid_reach=paid_reach, audience_size=audience,
    )
    for x in (m.paid_ctr, m.paid_cpa, m.paid_roas, m.cost_per_result, m.total_roi):
        assert x is None or math.isfinite(x)
    assert m.incremental_reach >= 0
    if total is None and paid_reach is not None:
        # overlap cannot exceed either audience: max(0, paid - organic) <= incremental <= paid
        assert max(0, paid_reach - org) - 1 <= m.incremental_reach <= paid_reach
    if spend > 0:
        assert m.total_roi >= -1.0

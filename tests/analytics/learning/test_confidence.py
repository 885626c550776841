"""Recommendation confidence: P(ROI > 0) from the projection's interval, hand-worked values, and the levels."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from boostloop.analytics.learning.confidence import (
    CONFIDENCE_HIGH,
    CONFIDENCE_MEDIUM,
    SHRINKAGE_DISCOUNT,
    confidence,
    confidence_level,
    measured_roi_coverage,
    profit_probability,
)
from boostloop.analytics.learning.optimizers import OutcomeForecast


def _fc(roi, method="cqr"):  # noqa: ANN001, ANN202
    return OutcomeForecast(reach=(1.0, 0.0, 2.0), conversions=(1.0, 0.0, 2.0), roi=roi, level=0.9, method=method)


def _val(roi_cov, n):  # noqa: ANN001, ANN202
    return {"coverage": {"overall": {"reach": 0.9, "conversions": 0.9, "roi": roi_cov, "n": n}}}


def test_lower_end_at_zero_is_the_one_sided_95_percent():
    # low = 0: the median is 1.645 sds above 0 -> Phi(1.645) = 0.95
    assert profit_probability((1.0, 0.0, 3.0), 0.9) == pytest.approx(0.95, abs=1e-3)


def test_the_briefs_example_roi_2_interval_half_to_4_is_high():
    # z x point / (point - low) = 1.6449 x 2 / 1.5 = 2.193 -> Phi = 0.9859
    p = profit_probability((2.0, 0.5, 4.0), 0.9)
    assert p == pytest.approx(stats.norm.cdf(1.6448536 * 2 / 1.5), abs=1e-6) and p == pytest.approx(0.9859, abs=1e-4)
    assert confidence_level(confidence(_fc((2.0, 0.5, 4.0)), _val(0.9, 20))) == "high"


def test_negative_projection_uses_the_upper_half():
    # point -0.2, high 1.0: Phi(1.645 x -0.2 / 1.2) = Phi(-0.274) = 0.392
    assert profit_probability((-0.2, -1.0, 1.0), 0.9) == pytest.approx(0.3920, abs=1e-4)
    assert profit_probability((0.0, -1.0, 1.0), 0.9) == pytest.approx(0.5)


def test_degenerate_intervals():
    assert profit_probability((0.5, 0.5, 0.5), 0.9) == 1.0
    assert profit_probability((-0.5, -0.5, -0.5), 0.9) == 0.0


def test_measured_under_coverage_lowers_confidence_and_over_coverage_is_not_credited():
    fc = _fc((1.0, -0.5, 3.0))
    nominal = confidence(fc, _val(0.9, 20))
    assert nominal == pytest.approx(stats.norm.cdf(1.6448536 / 1.5), abs=1e-6)  # 0.8638
    # covered 70 %: the interval's ends are Phi^-1(0.85) = 1.036 sds out -> Phi(1.036 / 1.5) = 0.755
    assert confidence(fc, _val(0.7, 20)) == pytest.approx(stats.norm.cdf(stats.norm.ppf(0.85) / 1.5), abs=1e-6)
    assert confidence(fc, _val(1.0, 20)) == pytest.approx(nominal)
    # too few held-out rows: unmeasured, read at the nominal level
    assert measured_roi_coverage(_val(0.5, 9)) is None
    assert confidence(fc, _val(0.5, 9)) == pytest.approx(nominal)
    assert confidence(fc, None) == pytest.approx(nominal)


def test_shrinkage_projections_are_discounted_and_never_high():
    roi = (3.0, 2.0, 4.0)  # the lower end far above 0: P ~ 1
    assert confidence(_fc(roi, "shrinkage"), _val(0.9, 12)) == pytest.approx(SHRINKAGE_DISCOUNT, abs=1e-6)
    assert confidence_level(confidence(_fc(roi, "shrinkage"), _val(0.9, 12))) == "medium"
    assert confidence_level(confidence(_fc(roi, "cqr"), _val(0.9, 12))) == "high"


def test_levels():
    assert confidence_level(CONFIDENCE_HIGH) == "high"
    assert confidence_level(math.nextafter(CONFIDENCE_HIGH, 0)) == "medium"
    assert confidence_level(CONFIDENCE_MEDIUM) == "medium"
    assert confidence_level(math.nextafter(CONFIDENCE_MEDIUM, 0)) == "low"


@given(point=st.floats(-1.0, 5.0), lo_gap=st.floats(0.0, 5.0), hi_gap=st.floats(0.0, 5.0),
       cov=st.floats(0.0, 1.0), shrink=st.booleans())
def test_confidence_is_a_probability_and_grows_with_the_lower_end(point, lo_gap, hi_gap, cov, shrink):
    fc = _fc((point, point - lo_gap, point + hi_gap), "shrinkage" if shrink else "cqr")
    c = confidence(fc, _val(cov, 30))
    assert 0.0 <= c <= 1.0
    tighter = _fc((point, point - lo_gap / 2, point + hi_gap), fc.method)
    if point > 0:
        assert confidence(tighter, _val(cov, 30)) >= c - 1e-12

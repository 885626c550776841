from __future__ import annotations

import pytest

from boostloop.analytics.effectiveness.inputs import BoostFacts, PostHistory, build_inputs
from boostloop.enums import ContentType, Platform


def _post(total_reach: int | None) -> PostHistory:
    # Captures at ages 2 (before the boost at 5 h) and 30 (the analysis end): reach 1000 -> 4000.
    return PostHistory.build("p", Platform.FACEBOOK, ContentType.IMAGE, 0.0, [
        (2.0, {"reach": 1000, "impressions": 1500, "engagements": 50}, None),
        (30.0, {"reach": 4000, "impressions": 6000, "engagements": 200}, total_reach),
    ])


def _facts(**kw) -> BoostFacts:
    args = dict(boost_id="b", platform=Platform.FACEBOOK, boost_age_hours=5.0, spend_cents=10_000,
                paid_impressions=5000, paid_reach=1000, paid_clicks=40, days_observed=1.0, conversions=12,
                organic_conversions=4, value_cents=24_000)
    args.update(kw)
    return BoostFacts(**args)


def test_overlap_share_from_the_combined_unique_reach_by_hand():
    # Organic 4000, paid 1000, combined unique 4800: paid-only 4800 - 4000 = 800, overlap V = 1000 - 800 = 200,
    # s = V / paid = 0.2 (overlap_split.estimate_split's share_paid_also_organic).
    inp = build_inputs(_facts(), _post(4800), [], max_end_age=30.0)
    assert inp.obs.share_paid_also_organic == pytest.approx(0.2)
    assert inp.obs.incremental_paid_reach == 800


def test_overlap_share_under_independence_by_hand():
    # No combined reach: independence in a universe of 20000 people, expected overlap 4000 * 1000 / 20000 = 200
    # (incremental 800), s = 0.2 again; without a universe no overlap can be estimated: s = 0 (term left out).
    assert build_inputs(_facts(audience_size=20_000), _post(None), [], max_end_age=30.0) \
        .obs.share_paid_also_organic == pytest.approx(0.2)
    assert build_inputs(_facts(), _post(None), [], max_end_age=30.0).obs.share_paid_also_organic == 0.0


def test_overlap_share_uses_paid_reach_capped_by_impressions():
    # Summed period reach 3000 but only 2000 impressions: paid unique reach <= 2000 (paid_reach_over_periods);
    # paid-only 800 -> V = 1200, s = 0.6.
    inp = build_inputs(_facts(paid_reach=3000, paid_impressions=2000), _post(4800), [], max_end_age=30.0)
    assert inp.obs.share_paid_also_organic == pytest.approx(0.6)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boostloop.analytics.learning.features import (
    AccountHistory,
    BoostOutcome,
    BoostRecord,
    OrganicPoint,
    boost_labels,
    build_training_rows,
    targeting_breadth,
)
from tests.analytics.learning.synthetic import make_records

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday


def _record(boost_id="b1", account="acc", boosted_at=T0 + timedelta(hours=30), ended_after_days=3, outcome=True, **kw):
    published = kw.pop("published_at", T0)
    series = kw.pop(
        "organic_series",
        [OrganicPoint(published + timedelta(hours=h), 100 * h, 10 * h, 80 * h) for h in (1, 2, 6, 24, 30)],
    )
    return BoostRecord(
        boost_id=boost_id,
        account_id=account,
        platform=kw.pop("platform", "FACEBOOK"),
        content_type=kw.pop("content_type", "IMAGE"),
        text_length=kw.pop("text_length", 120),
        media_count=1,
        hashtag_count=3,
        published_at=published,
        boosted_at=boosted_at,
        budget_cents=kw.pop("budget_cents", 10_000),
        duration_days=3,
        targeting=kw.pop("targeting", {"age_min": 18, "age_max": 44, "genders": ["F"], "interests": ["x", "y"],
                                      "locations": ["US", "CA"], "segment": "YOUNG"}),
        organic_series=series,
        ended_at=None if ended_after_days is None else boosted_at + timedelta(days=ended_after_days),
        outcome=(
            BoostOutcome(spend_cents=kw.pop("spend", 9_000), paid_impressions=10_000, paid_clicks=200, conversions=8,
                         conversion_value_cents=kw.pop("value", 18_000), incremental_reach=4_000,
                         organic_reach_end=2_000, engagements_gained=300, baseline_engagements=200.0)
            if outcome else None
        ),
    )


def test_hand_worked_features_and_labels_in_the_workspace_time_zone():
    rec = _record()
    row = build_training_rows([rec], "America/New_York").rows[0]
    f, lab = row.features, row.labels
    # boosted at Tuesday 18:00 UTC = 13:00 in New York (EST, UTC-5)
    assert (f["weekday"], f["hour"], f["month"]) == (1, 13, 3)
    assert f["post_age_hours"] == 30.0
    # velocity: last point 30 h (3000 impressions) vs the last point <= 24 h earlier (6 h: 600) -> 2400/24
    assert f["organic_velocity"] == pytest.approx(100.0)
    assert f["engagement_rate"] == pytest.approx(0.1)
    assert f["age_span"] == 26 and f["n_interests"] == 2 and f["n_locations"] == 2 and f["segment"] == "YOUNG"
    assert f["targeting_breadth"] == pytest.approx(26 / 52 * 0.5 * 0.5)
    assert f["account_past_roi"] is None and f["account_past_boosts"] == 0
    assert lab["roi"] == pytest.approx(1.0)  # (18000 - 9000) / 9000
    assert lab["conversion_rate"] == pytest.approx(8 / 200)
    assert lab["cost_per_result"] == pytest.approx(9000 / 8)
    assert lab["reach_lift"] == pytest.approx(2.0)
    assert lab["engagement_lift"] == pytest.approx(0.5)
    assert lab["success"] == 1 and lab["reach"] == 4000 and lab["conversions"] == 8
    # 14 of 15 tracked fields: no other posts, so no account median engagement
    assert row.is_training_ready and row.quality_score == pytest.approx(14 / 15)


def test_history_uses_only_boosts_finished_before_the_start():
    a = _record("a", boosted_at=T0 + timedelta(hours=30), ended_after_days=2, value=27_000)  # ROI 2.0
    b = _record("b", boosted_at=T0 + timedelta(hours=30 + 24), ended_after_days=2)  # starts while a runs
    c = _record("c", boosted_at=T0 + timedelta(hours=30 + 60), ended_after_days=2)  # after a ended, b running
    rows = {r.boost_id: r for r in build_training_rows([c, b, a], "UTC").rows}
    assert rows["b"].features["account_past_roi"] is None
    assert rows["c"].features["account_past_roi"] == pytest.approx(2.0)
    assert rows["c"].features["account_past_boosts"] == 1
    # ordered by start
    assert [r.boost_id for r in build_training_rows([c, b, a], "UTC").rows] == ["a", "b", "c"]


def test_engagement_vs_account_median_excludes_the_post_and_later_posts():
    hist = AccountHistory(posts={"acc": [("p1", T0 - timedelta(days=2), 100.0), ("p2", T0 - timedelta(days=1), 500.0),
                                         ("me", T0 - timedelta(days=1), 9e9), ("later", T0 + timedelta(days=9), 9e9)]})
    row = build_training_rows([_record()], "UTC", history=hist, post_keys={"b1": "me"}).rows[0]
    # 300 engagements at the boost (30 h x 10) against the median of 100 and 500
    assert row.features["engagement_vs_account_median"] == pytest.approx(300 / 300)


def test_unfinished_boost_has_no_labels_and_is_not_ready():
    row = build_training_rows([_record(ended_after_days=None)], "UTC").rows[0]
    assert all(v is None for v in row.labels.values())
    assert not row.is_training_ready
    assert row.quality_score < 1.0


def test_inconsistent_row_fails_its_check_and_lowers_the_score():
    row = build_training_rows([_record(spend=20_000)], "UTC").rows[0]  # spent twice the 10,000 budget
    assert row.failed_checks == ("spend_within_budget",)
    assert not row.is_training_ready
    assert row.quality_score == pytest.approx(14 / 15 * 8 / 9)


def test_zero_spend_and_no_clicks_give_none_not_nan():
    lab = boost_labels(BoostOutcome(spend_cents=0, paid_impressions=0, paid_clicks=0, conversions=0,
                                    conversion_value_cents=0, incremental_reach=0))
    assert lab["roi"] is None and lab["conversion_rate"] is None and lab["cost_per_result"] is None
    assert lab["success"] is None


def test_untargeted_is_full_breadth():
    assert targeting_breadth(None) == 1.0
    assert targeting_breadth({"age_min": 13, "age_max": 65, "interests": ["a", "b", "c", "d", "e"]}) == 1.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 25))
def test_invariants_on_generated_records(seed, n):
    recs = make_records(n, seed)
    ts = build_training_rows(recs, "Europe/Berlin")
    assert len(ts.rows) == n and len({r.boost_id for r in ts.rows}) == n
    for r in ts.rows:
        assert 0.0 <= r.quality_score <= 1.0
        assert 0 <= r.features["hour"] <= 23 and 0 <= r.features["weekday"] <= 6
        assert 0.0 <= r.features["targeting_breadth"] <= 1.0
        # no leakage: the history count never includes a boost that ended after this one started
        ended_before = sum(1 for o in recs if o.account_id == next(x for x in recs if x.boost_id == r.boost_id).account_id
                           and o.ended_at <= r.boosted_at)
        assert r.features["account_past_boosts"] == ended_before
    assert [r.boosted_at for r in ts.rows] == sorted(r.boosted_at for r in ts.rows)

from __future__ import annotations

import pytest

from boostloop.analytics.effectiveness.confidence import ConfidenceLevel, confidence_level

H, M, L = ConfidenceLevel.HIGH, ConfidenceLevel.MEDIUM, ConfidenceLevel.LOW


@pytest.mark.parametrize("days,conv,level", [
    (21, 15, H), (30, 100, H), (20.9, 100, M), (21, 14, M), (14, 5, M), (13.9, 50, L), (30, 4, L), (0, 0, L),
    (1 / 24, 0, L),  # a boost cancelled after one hour
])
def test_thresholds(days, conv, level):
    assert confidence_level(days, conv).level == level


def test_missing_history_caps_at_medium_and_no_baseline_at_low():
    c = confidence_level(30, 50, counterfactual_basis="controls_only", history_missing=True)
    assert c.level == M and any("no own organic history" in r for r in c.reasons)
    assert confidence_level(30, 50, counterfactual_basis="none").level == L
    assert confidence_level(30, 50, counterfactual_basis="controls_absolute").level == L
    assert confidence_level(30, 50, counterfactual_basis="trajectory_only").level == M

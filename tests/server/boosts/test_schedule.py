"""Snapshot grid, end of a boost, and the status transition table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from boostloop.enums import BoostStatus
from boostloop.server.boosts.schedule import days_since, due_snapshot_time, transition_allowed

B = datetime(2026, 3, 2, 9, 17, tzinfo=UTC)  # not on the hour: the grid follows the boost, not the clock
H = timedelta(hours=1)


def test_grid_aligned_to_boost_start() -> None:
    assert due_snapshot_time(B, 1, 7, B + 59 * timedelta(minutes=1)) is None  # before the first point
    assert due_snapshot_time(B, 1, 7, B + H) == B + H
    assert due_snapshot_time(B, 1, 7, B + 2.9 * H) == B + 2 * H
    assert due_snapshot_time(B, 6, 7, B + 13 * H) == B + 12 * H


def test_end_is_the_final_point_even_off_grid() -> None:
    end = B + timedelta(days=7)
    # 5-hour cadence over 168 hours: the last grid point is 165 h, then the end at 168 h
    assert due_snapshot_time(B, 5, 7, B + 167 * H) == B + 165 * H
    assert due_snapshot_time(B, 5, 7, end) == end
    assert due_snapshot_time(B, 5, 7, end + 30 * timedelta(days=1)) == end


def test_days_since() -> None:
    assert days_since(B, B + 23 * H) == 0
    assert days_since(B, B + 24 * H) == 1
    assert days_since(B, B - H) == 0


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        (BoostStatus.ACTIVE, BoostStatus.PAUSED, True),
        (BoostStatus.ACTIVE, BoostStatus.COMPLETED, True),
        (BoostStatus.ACTIVE, BoostStatus.CANCELLED, True),
        (BoostStatus.PAUSED, BoostStatus.ACTIVE, True),
        (BoostStatus.PAUSED, BoostStatus.CANCELLED, True),
        (BoostStatus.PAUSED, BoostStatus.COMPLETED, True),
        (BoostStatus.COMPLETED, BoostStatus.ACTIVE, False),
        (BoostStatus.COMPLETED, BoostStatus.CANCELLED, False),
        (BoostStatus.CANCELLED, BoostStatus.ACTIVE, False),
        (BoostStatus.CANCELLED, BoostStatus.PAUSED, False),
        (BoostStatus.COMPLETED, BoostStatus.COMPLETED, True),  # same status: a no-op
    ],
)
def test_transition_table(current: BoostStatus, target: BoostStatus, ok: bool) -> None:
    assert transition_allowed(current, target) is ok

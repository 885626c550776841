"""When a boost is snapshotted, when it ends, and which status changes are allowed (pure functions).

Snapshot times lie on a grid aligned to the boost's start: ``boosted_at + k * cadence`` for k >= 1,
plus the boost's end ``boosted_at + duration_days`` as the final point (also when the end is not on the
grid, e.g. a 5-hour cadence over 7 days). A collection run at time ``now`` takes the latest grid point
at or before ``now``; earlier points it missed (the job did not run) are not back-filled: every figure
of a snapshot is cumulative, so a missed point loses time resolution, never a count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from boostloop.enums import BoostStatus

# The allowed status changes. COMPLETED and CANCELLED are terminal: a finished boost's figures are its
# outcome, and a cancelled one is not restarted (create a new boost instead). A change to the status the
# boost already has is a no-op, not an error (a repeated request must not fail).
TRANSITIONS: dict[BoostStatus, frozenset[BoostStatus]] = {
    BoostStatus.ACTIVE: frozenset({BoostStatus.PAUSED, BoostStatus.COMPLETED, BoostStatus.CANCELLED}),
    BoostStatus.PAUSED: frozenset({BoostStatus.ACTIVE, BoostStatus.COMPLETED, BoostStatus.CANCELLED}),
    BoostStatus.COMPLETED: frozenset(),
    BoostStatus.CANCELLED: frozenset(),
}
TERMINAL = frozenset({BoostStatus.COMPLETED, BoostStatus.CANCELLED})


def transition_allowed(current: BoostStatus, target: BoostStatus) -> bool:
    return target == current or target in TRANSITIONS[current]


def boost_end(boosted_at: datetime, duration_days: int) -> datetime:
    """The scheduled end of a boost: ``boosted_at + duration_days`` days."""

    return boosted_at + timedelta(days=duration_days)


def due_snapshot_time(
    boosted_at: datetime, cadence_hours: int, duration_days: int, now: datetime
) -> datetime | None:
    """The snapshot time a collection run at ``now`` should record for an ACTIVE boost, or None.

    - before the first grid point (``now < boosted_at + cadence``): None;
    - while the boost runs: the latest ``boosted_at + k * cadence <= now`` (k >= 1) before the end;
    - once ``now >= end``: the end itself (the final snapshot, after which the boost is COMPLETED).
    """

    cadence = timedelta(hours=max(1, int(cadence_hours)))
    end = boost_end(boosted_at, duration_days)
    if now >= end:
        return end
    k = (now - boosted_at) // cadence
    if k < 1:
        return None
    return boosted_at + k * cadence


def days_since(boosted_at: datetime, at: datetime) -> int:
    """Whole days elapsed from ``boosted_at`` to ``at`` (0 during the first 24 hours)."""

    return max(0, (at - boosted_at) // timedelta(days=1))

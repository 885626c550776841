"""The computed figures of one boost performance snapshot (pure: no database, no clock).

Every function takes plain numbers (money in integer cents of the workspace currency, counts as
non-negative numbers) and returns a frozen dataclass. Degenerate input (zero spend, zero impressions,
no conversions, missing reach figures) gives a defined value (``None`` where a ratio has no
denominator, ``0`` where the plan's column is a count), never NaN and never an exception; negative or
non-finite input is refused with a ``ValueError`` that names the field (that is a bug upstream).

Definitions (../shared/PLAN.md, ``boost_performance_snapshots``):

- ``paid_ctr = paid_clicks / paid_impressions``: a fraction; ``0.0`` without impressions (the column is
  NOT NULL: no delivery, no clicks).
- ``paid_cpa = paid_spend_cents / paid_conversions``: cents per platform-reported conversion;
  ``None`` without conversions.
- ``paid_roas = paid_conversion_value_cents / paid_spend_cents``: a ratio (value per unit of spend);
  ``None`` without spend.
- ``cost_per_result = paid_spend_cents / (paid_conversions + attributed_overlap)``: cents per result, as
  the plan defines it (``paidSpend / (paidConversions + attributedOverlap)``). Note that it adds a
  platform count (paid conversions) to an event-attribution count (overlap conversions), as the plan
  does. ``None`` when the denominator is 0; ``0.0`` when there are results and no spend.
- ``total_roi = (total_value_cents - paid_spend_cents) / paid_spend_cents``: a fraction (0.25 = 25 %
  return); ``None`` without spend. The total value is the value of the conversions attributed to the
  boost by touchpoint events (organic + paid + overlap) when there are any, else the platform-reported
  paid conversion value (a workspace without event tracking still gets an ROI); ``value_source`` says
  which.
- incremental reach: see :func:`incremental_reach`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

# How the incremental reach figure was obtained (stored beside it; see incremental_reach()).
REACH_EXACT = "platform_unique_reach"
REACH_INDEPENDENCE = "independence_overlap"
REACH_NO_AUDIENCE = "paid_reach_no_overlap_known"
REACH_NO_PAID_REACH = "no_paid_reach"

VALUE_ATTRIBUTED = "attributed_events"
VALUE_PLATFORM = "platform_paid_value"


def _check(name: str, value: float | int | None, *, optional: bool = False) -> None:
    if value is None:
        if optional:
            return
        raise ValueError(f"{name}: missing")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: must be >= 0, got {value!r}")


@dataclass(frozen=True)
class IncrementalReach:
    """People reached by the paid delivery who were not already reached organically.

    ``value`` is a head count; ``estimated`` is False only when it comes from the platform's combined
    unique reach; ``method`` is one of the ``REACH_*`` names of this module; ``paid_reach`` is the paid
    unique reach the estimate started from (``None`` when unknown).
    """

    value: int
    estimated: bool
    method: str
    paid_reach: int | None


def incremental_reach(
    *,
    organic_reach: int,
    total_reach: int | None,
    paid_reach: int | None,
    audience_size: int | None,
) -> IncrementalReach:
    """Incremental reach of a boost: paid unique reach minus the part already reached organically.

    1. Exact, when the platform reports the post's unique reach across organic and paid delivery
       (``total_reach``, e.g. Meta's ``post_impressions_unique``):
       ``incremental = max(0, total_reach - organic_reach)`` (the union minus the organic set is exactly
       the paid-only set; clamped at 0 against platform rounding). ``estimated = False``.
    2. Else estimated under independence: if the organic audience (``organic_reach`` people) and the paid
       audience (``paid_reach`` people) are drawn independently from one universe of ``N`` people, the
       expected overlap is ``organic_reach * paid_reach / N`` (hypergeometric mean), so
       ``incremental = paid_reach * (1 - organic_reach / N)``, rounded to the nearest person.
       ``N`` is ``audience_size`` (the boost's targeted audience size when the targeting says so, else
       the account's followers: the caller chooses), raised to ``max(N, organic_reach, paid_reach)`` so
       that the overlap never exceeds either set. Using followers as ``N`` errs towards *more* overlap
       (paid delivery also reaches non-followers), i.e. a conservative incremental reach.
    3. No audience size known: no overlap can be estimated; ``incremental = paid_reach`` (an upper
       bound), flagged estimated.
    4. No paid reach known either: ``0``, flagged estimated (nothing measured, nothing claimed).
    """

    _check("organic_reach", organic_reach)
    _check("total_reach", total_reach, optional=True)
    _check("paid_reach", paid_reach, optional=True)
    _check("audience_size", audience_size, optional=True)
    if total_reach is not None:
        return IncrementalReach(max(0, int(total_reach) - int(organic_reach)), False, REACH_EXACT, paid_reach)
    if paid_reach is None:
        return IncrementalReach(0, True, REACH_NO_PAID_REACH, None)
    if not audience_size:
        return IncrementalReach(int(paid_reach), True, REACH_NO_AUDIENCE, paid_reach)
    universe = max(int(audience_size), int(organic_reach), int(paid_reach))
    if universe == 0:
        return IncrementalReach(0, True, REACH_INDEPENDENCE, paid_reach)
    value = paid_reach * (1.0 - organic_reach / universe)
    return IncrementalReach(int(round(value)), True, REACH_INDEPENDENCE, paid_reach)


@dataclass(frozen=True)
class SnapshotMetrics:
    """The computed columns of one snapshot. Units: cents for money, fractions for rates."""

    paid_ctr: float
    paid_cpa: float | None
    paid_roas: float | None
    cost_per_result: float | None
    total_value_cents: int
    value_source: str
    total_roi: float | None
    incremental_reach: int
    incremental_reach_estimated: bool
    incremental_reach_method: str
    paid_reach: int | None


def snapshot_metrics(
    *,
    paid_impressions: int,
    paid_clicks: int,
    paid_conversions: int,
    paid_conversion_value_cents: int,
    paid_spend_cents: int,
    attributed_conversions: float,
    attributed_overlap: float,
    attributed_value_cents: int,
    organic_reach: int,
    total_reach: int | None = None,
    paid_reach: int | None = None,
    audience_size: int | None = None,
) -> SnapshotMetrics:
    """Compute CTR, CPA, ROAS, cost per result, total ROI and incremental reach (formulas in the module
    docstring and in :func:`incremental_reach`).

    ``attributed_conversions`` is organic + paid + overlap conversions attributed by touchpoint events
    and ``attributed_value_cents`` their value; ``attributed_overlap`` the overlap part of them.
    """

    for name, value in (
        ("paid_impressions", paid_impressions),
        ("paid_clicks", paid_clicks),
        ("paid_conversions", paid_conversions),
        ("paid_conversion_value_cents", paid_conversion_value_cents),
        ("paid_spend_cents", paid_spend_cents),
        ("attributed_conversions", attributed_conversions),
        ("attributed_overlap", attributed_overlap),
        ("attributed_value_cents", attributed_value_cents),
    ):
        _check(name, value)

    ctr = paid_clicks / paid_impressions if paid_impressions > 0 else 0.0
    cpa = paid_spend_cents / paid_conversions if paid_conversions > 0 else None
    roas = paid_conversion_value_cents / paid_spend_cents if paid_spend_cents > 0 else None
    results = paid_conversions + attributed_overlap
    cost_per_result = paid_spend_cents / results if results > 0 else None
    if attributed_conversions > 0:
        total_value, source = int(attributed_value_cents), VALUE_ATTRIBUTED
    else:
        total_value, source = int(paid_conversion_value_cents), VALUE_PLATFORM
    roi = (total_value - paid_spend_cents) / paid_spend_cents if paid_spend_cents > 0 else None
    reach = incremental_reach(
        organic_reach=organic_reach, total_reach=total_reach, paid_reach=paid_reach, audience_size=audience_size
    )
    return SnapshotMetrics(
        paid_ctr=float(ctr),
        paid_cpa=None if cpa is None else float(cpa),
        paid_roas=None if roas is None else float(roas),
        cost_per_result=None if cost_per_result is None else float(cost_per_result),
        total_value_cents=total_value,
        value_source=source,
        total_roi=None if roi is None else float(roi),
        incremental_reach=reach.value,
        incremental_reach_estimated=reach.estimated,
        incremental_reach_method=reach.method,
        paid_reach=reach.paid_reach,
    )


@dataclass(frozen=True)
class PaidReachEstimate:
    """Paid unique reach over several reporting periods; ``None`` when no period reported a reach."""

    value: int | None
    periods_with_reach: int


def paid_reach_over_periods(*, reach_sum: int | None, periods_with_reach: int, impressions: int) -> PaidReachEstimate:
    """Paid unique reach over a window from per-period unique reach figures.

    Unique reach does not add up across periods: the union of the periods' audiences is at most the sum
    of their reaches and at least the largest one. We take ``min(sum of period reach, impressions)``:
    an upper bound that overstates by the cross-period repeat factor (people reached in several hours or
    days are counted once per period). The lower bound (the largest period) understates by roughly the
    number of periods, far worse for hourly rows, so the sum is the less wrong of the two. The figure
    feeds only an *estimated* incremental reach (flagged as such); the exact figure comes from the
    platform's combined unique reach when it reports one.
    """

    _check("impressions", impressions)
    if not periods_with_reach or reach_sum is None:
        return PaidReachEstimate(None, 0)
    _check("reach_sum", reach_sum)
    return PaidReachEstimate(int(min(reach_sum, impressions)), periods_with_reach)


@dataclass(frozen=True)
class CumulativeEstimate:
    """A cumulative organic count at a time, estimated from a later observation of the same post."""

    value: int
    fraction: float


def chord_estimate(*, later_value: int, published_at: datetime, later_at: datetime, at: datetime) -> CumulativeEstimate:
    """Estimate a post's cumulative organic count at ``at`` from a later observation.

    Linear interpolation between ``(published_at, 0)`` and ``(later_at, later_value)``:
    ``value(at) = later_value * (at - published_at) / (later_at - published_at)``, rounded down. Organic
    trajectories decay (the hourly rate falls with the post's age), so the cumulative curve is concave and
    the chord lies *below* it: a lower bound. A later observation taken after a boost started may also
    contain organic spill-over from the paid delivery (shares, follows), which pushes the other way. Used
    only when no observation at or before ``at`` exists, and flagged ``estimated``.
    Times before publication give 0; ``later_at <= published_at`` gives ``later_value``.
    """

    _check("later_value", later_value)
    span = (later_at - published_at).total_seconds()
    if span <= 0:
        return CumulativeEstimate(int(later_value), 1.0)
    fraction = min(1.0, max(0.0, (at - published_at).total_seconds() / span))
    return CumulativeEstimate(int(math.floor(later_value * fraction)), fraction)

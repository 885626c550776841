"""Reading boosts for the dashboard through ``boostloop.server.boosts.service`` (never around it), and the
small per-page aggregates the pages show (sums and means of the services' own numbers)."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from boostloop.server.web.render import Period, period_from

# The overview and the scatter read at most this many boosts (10 pages of the service's maximum page);
# a workspace with more sees the most recent ones and a note saying so.
MAX_BOOSTS = 2000


def attribution_split(session, workspace, boost_id: uuid.UUID):  # noqa: ANN001, ANN201
    """The boost's attribution split as the API's boost detail shows it: the one the snapshots job stored
    (``boosts.split_store``), computed now only when missing or stale."""
    from boostloop.server.boosts import split_store

    return split_store.current(session, workspace, boost_id, now=datetime.now(UTC))


def latest_boost_at(session, workspace_id: uuid.UUID) -> datetime | None:
    from boostloop.server.boosts import service

    page = service.list_boosts(session, workspace_id, sort="boosted_at", descending=True, limit=1)
    return page.items[0].boost.boosted_at if page.items else None


def period_for(session, workspace_id: uuid.UUID, key: str | None) -> Period:
    return period_from(key, latest_boost_at(session, workspace_id))


def all_boosts(session, workspace_id: uuid.UUID, period: Period, *, sort: str = "boosted_at",
               descending: bool | None = None, **filters) -> tuple[list, bool]:
    """Every boost in the period (each with its latest snapshot), and whether the list was cut."""
    from boostloop.server.boosts import service

    items, cursor = [], None
    while True:
        page = service.list_boosts(session, workspace_id, boosted_from=period.start, boosted_to=period.end,
                                   sort=sort, descending=descending, cursor=cursor, limit=service.MAX_PAGE,
                                   **filters)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items, False
        if len(items) >= MAX_BOOSTS:
            return items[:MAX_BOOSTS], True


@dataclass(frozen=True)
class Totals:
    boosts: int
    measured: int  # boosts with at least one snapshot
    spend_cents: int
    value_cents: int
    conversions: float  # all conversions the boosted posts drove (organic + paid + both)
    paid_only: float  # conversions credited to paid touches alone
    overall_roi: float | None  # (value - spend) / spend over all measured boosts
    mean_roi: float | None
    cost_per_paid_conversion: float | None  # cents


def totals(items) -> Totals:
    snaps = [i.latest_snapshot for i in items if i.latest_snapshot is not None]
    spend = sum(s.paid_spend_cents for s in snaps)
    value = sum(s.attributed_value_cents for s in snaps)
    conv = sum(s.attributed_organic + s.attributed_paid + s.attributed_overlap for s in snaps)
    paid = sum(s.attributed_paid for s in snaps)
    rois = [s.total_roi for s in snaps if s.total_roi is not None and math.isfinite(s.total_roi)]
    return Totals(
        boosts=len(items), measured=len(snaps), spend_cents=spend, value_cents=value, conversions=conv,
        paid_only=paid, overall_roi=(value - spend) / spend if spend else None,
        mean_roi=float(np.mean(rois)) if rois else None,
        cost_per_paid_conversion=spend / paid if paid else None,
    )


def weekly(items) -> dict[str, list[float]]:
    """Per ISO week of the boost start: boosts, spend, conversions, ROI (spend-weighted)."""
    weeks: dict[datetime, list] = defaultdict(list)
    for i in items:
        at = i.boost.boosted_at
        monday = (at - timedelta(days=at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        weeks[monday].append(i)
    out = {"week": [], "boosts": [], "spend": [], "conversions": [], "roi": []}
    for monday in sorted(weeks):
        t = totals(weeks[monday])
        out["week"].append(monday)
        out["boosts"].append(t.boosts)
        out["spend"].append(t.spend_cents / 100)
        out["conversions"].append(t.conversions)
        out["roi"].append(t.overall_roi if t.overall_roi is not None else 0.0)
    return out


@dataclass(frozen=True)
class ResponseCurve:
    """ROI = a + b * ln(budget): the simplest concave response, the shape of diminishing returns in budget
    (each doubling of the budget changes ROI by the same b * ln 2). Least squares; ``r2`` is its fit."""

    a: float
    b: float
    r2: float
    n: int

    def at(self, budget: np.ndarray) -> np.ndarray:
        return self.a + self.b * np.log(budget)


# Below 5 boosts with both a budget and an ROI, a fitted curve says more about noise than about budgets.
MIN_POINTS_FOR_CURVE = 5


def response_curve(budgets: list[float], rois: list[float]) -> ResponseCurve | None:
    x = np.asarray(budgets, dtype=float)
    y = np.asarray(rois, dtype=float)
    keep = (x > 0) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < MIN_POINTS_FOR_CURVE or np.ptp(np.log(x)) == 0:
        return None
    design = np.column_stack([np.ones_like(x), np.log(x)])
    (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - (a + b * np.log(x))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum(resid ** 2)) / total if total > 0 else 0.0
    return ResponseCurve(float(a), float(b), r2, int(x.size))

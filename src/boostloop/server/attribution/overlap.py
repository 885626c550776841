"""Correct observed organic / paid / overlap splits for untracked exposure (the server side of
:mod:`boostloop.analytics.attribution.overlap_split`): reads the reach figures and tracked-people counts
of many (boost, until) pairs in a few batched statements and applies :func:`estimate_split` to each.

Reach figures as of ``until``, read like the snapshot collector reads them (``boosts.snapshot_repository``):

* the post's latest organic metric captured at or before ``until``: organic reach, and the platform's
  combined unique reach (``total_reach``) when it was captured after the boost started;
* the campaign's paid unique reach summed over its complete reporting periods from the boost's start to that
  capture (``paid_reach_over_periods``), so that organic, paid and total reach describe the same moment;
  without a usable total reach, up to ``until`` (the independence estimate only needs the audiences);
* the universe for the independence estimate: the boost's targeted audience size, else the account's
  followers (``boosts.snapshots.audience_size``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from boostloop.analytics.attribution.overlap_split import (
    DEFAULT_DRAWS,
    DEFAULT_LEVEL,
    EstimatedSplit,
    ObservedSplit,
    ReachFigures,
    estimate_split,
)
from boostloop.analytics.snapshot_metrics import paid_reach_over_periods
from boostloop.server.attribution import repository
from boostloop.server.boosts import snapshot_repository as snaps


def reach_figures(
    session: Session, workspace_id: uuid.UUID, targets: Sequence[tuple[Any, uuid.UUID, datetime]]
) -> dict[Any, ReachFigures]:
    """For each ``(key, boost, until)`` (keys unique): the boost's :class:`ReachFigures` as of ``until``
    (module docstring); a key is left out when the boost has no paid reach to go by (no campaign)."""
    from boostloop.server.boosts.snapshots import audience_size  # the collector's universe rule (no cycle)

    rows = {b.id: b for b in snaps.boosts(session, workspace_id, sorted({b for _, b, _ in targets}))}
    todo = [(k, rows[b], until) for k, b, until in targets if b in rows]
    uid = {k: uuid.UUID(int=i + 1) for i, (k, _, _) in enumerate(todo)}  # the snapshot queries key by UUID
    organic = snaps.organic_as_of(session, workspace_id, [(uid[k], b.post_id, u) for k, b, u in todo if b.post_id])
    paid_at: dict[Any, datetime] = {}
    for k, b, until in todo:
        o = organic.get(uid[k])
        exact = o is not None and o.total_reach is not None and o.captured_at > b.boosted_at
        paid_at[k] = o.captured_at if exact else until
    paid = snaps.paid_totals(
        session, workspace_id, [(uid[k], b.campaign_id, b.boosted_at, paid_at[k]) for k, b, _ in todo if b.campaign_id]
    )
    tracked = repository.tracked_people(session, workspace_id, [(k, b.id, u) for k, b, u in todo])
    out: dict[Any, ReachFigures] = {}
    for k, b, _ in todo:
        p, o = paid.get(uid[k]), organic.get(uid[k])
        if p is None:
            continue
        reach = paid_reach_over_periods(reach_sum=p.reach_sum, periods_with_reach=p.periods_with_reach,
                                        impressions=p.impressions).value
        exact = o is not None and o.total_reach is not None and o.captured_at > b.boosted_at
        t_o, t_p = tracked.get(k, (0, 0))
        out[k] = ReachFigures(
            organic_reach=0 if o is None else o.reach, paid_reach=reach,
            total_reach=o.total_reach if exact else None, tracked_organic=t_o, tracked_paid=t_p,
            audience_size=audience_size(b),
        )
    return out


def correct_splits(
    session: Session, workspace_id: uuid.UUID, items: Sequence[tuple[Any, uuid.UUID, datetime, ObservedSplit]], *,
    n_draws: int = DEFAULT_DRAWS, level: float = DEFAULT_LEVEL, seed: int = 0,
) -> dict[Any, EstimatedSplit]:
    """For each ``(key, boost, until, observed)``: the corrected split (``estimate_split``; without reach
    figures the observed split, flagged ``estimated`` with method ``no_reach``). ``n_draws=0``: no interval."""
    reach = reach_figures(session, workspace_id, [(k, b, u) for k, b, u, _ in items])
    return {
        k: estimate_split(obs, reach.get(k), level=level, n_draws=n_draws, seed=seed + i)
        for i, (k, _, _, obs) in enumerate(items)
    }

"""Choosing comparable unboosted posts of the same workspace as controls for a boosted post.

A control must be comparable at the same *post age*: the counterfactual compares the control's growth
from age ``a`` (the boosted post's age at the boost) to ``a + h`` with the boosted post's. So a candidate

- is another post on the **same platform** (always: organic decay differs by platform: the simulator's
  default world has half-lives of 5 h on Instagram and 14 h on LinkedIn);
- was **observed up to age a + h** (its captures reach that far);
- was **not boosted before age a + h** (a post boosted later is a valid control for the earlier ages);
- preferably has the **same content type** and was **published within ``period_days``** of the boosted
  post (same season, same account size).

If fewer than ``min_controls`` candidates meet the preferred rules, the period rule is dropped first,
then the content-type rule (never the platform or age rules); each relaxation is reported. At most
``max_controls`` are kept, the nearest in publication time first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from boostloop.enums import ContentType, Platform

DEFAULT_PERIOD_DAYS = 30.0
DEFAULT_MIN_CONTROLS = 8  # >= MIN_CALIBRATION_CONTROLS (5) with room for controls whose fit fails
DEFAULT_MAX_CONTROLS = 40  # beyond ~40 the t quantile and the sd estimate barely change (t_39 vs t_inf: 2 %)


@dataclass(frozen=True)
class PostMeta:
    post_id: str
    platform: Platform
    content_type: ContentType
    published_hours: float  # publication time in hours on any common clock (e.g. hours since an epoch)
    last_age_hours: float  # age of the post's last organic capture
    boosted_at_age_hours: float | None = None  # None: never boosted


@dataclass(frozen=True)
class ControlSelection:
    post_ids: tuple[str, ...]
    relaxed: tuple[str, ...]  # "period", "content_type": rules dropped to find enough controls


def select_controls(
    target: PostMeta,
    candidates: Sequence[PostMeta],
    *,
    boost_age_hours: float,
    horizon_hours: float,
    period_days: float = DEFAULT_PERIOD_DAYS,
    min_controls: int = DEFAULT_MIN_CONTROLS,
    max_controls: int = DEFAULT_MAX_CONTROLS,
) -> ControlSelection:
    end_age = boost_age_hours + horizon_hours
    base = [
        c for c in candidates
        if c.post_id != target.post_id
        and c.platform == target.platform
        and c.last_age_hours >= end_age - 1e-9
        and (c.boosted_at_age_hours is None or c.boosted_at_age_hours > end_age)
    ]

    def near(c: PostMeta) -> bool:
        return abs(c.published_hours - target.published_hours) <= period_days * 24.0

    def same_type(c: PostMeta) -> bool:
        return c.content_type == target.content_type

    tiers = [((), [c for c in base if same_type(c) and near(c)]),
             (("period",), [c for c in base if same_type(c)]),
             (("period", "content_type"), base)]
    relaxed, chosen = tiers[-1]
    for rel, cands in tiers:
        if len(cands) >= min_controls:
            relaxed, chosen = rel, cands
            break
    chosen = sorted(chosen, key=lambda c: (abs(c.published_hours - target.published_hours), c.post_id))
    return ControlSelection(post_ids=tuple(c.post_id for c in chosen[:max_controls]), relaxed=relaxed)

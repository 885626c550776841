"""From a workspace's observed rows to the inputs of ``analyze_boost`` (pure: plain values in, dataclasses out).

Shared by the product (``boostloop.server.effectiveness``, rows read from the database) and the validation
harness (``benchmarks/effectiveness/harness.py``, rows from the simulator), so both analyse a boost the
same way.

Per boost (times in hours; a post's *age* is hours since its publication):

- ``a``, the analysis start: the age of the post's last organic capture at or before the boost (the
  pre-boost snapshot); the boost's own age if the post has no capture before it;
- ``T``, the analysis end: the age of the post's last capture in ``(a, max_end_age]``; ``max_end_age`` is
  chosen by the caller (the product: the boost's scheduled end plus the attribution click window, capped
  at "now"; the harness: the end of the truth's counterfactual series). Without any capture after ``a``
  the horizon is ``max_end_age - a`` (at least 1 hour) and the analysis is flagged
  ``no_post_boost_capture``: the actual organic total is then the last known one.
- controls: ``select_controls`` over every other post of the workspace (same platform; content type and
  period preferred; observed up to ``T``; not boosted before ``T``).
- incremental paid reach: the platform's unique organic+paid reach at ``T`` minus the organic reach at
  ``T`` when the capture at ``T`` reports it, else the campaign's summed reach (an upper bound: it counts
  people also reached organically, flagged ``paid_reach_not_deduplicated``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from boostloop.analytics.attribution.overlap_split import ObservedSplit, ReachFigures, estimate_split
from boostloop.analytics.effectiveness.analysis import METRICS, BoostObservation
from boostloop.analytics.effectiveness.controls import (
    DEFAULT_MAX_CONTROLS,
    ControlSelection,
    PostMeta,
    select_controls,
)
from boostloop.analytics.effectiveness.counterfactual import PostSeries
from boostloop.analytics.effectiveness.overlap import PI_UNKNOWN
from boostloop.enums import ContentType, Platform


@dataclass(frozen=True)
class PostHistory:
    """One post and its cumulative organic captures (ages in hours since publication, ascending)."""

    post_id: str
    platform: Platform
    content_type: ContentType
    published_hours: float  # on any clock common to the workspace (e.g. hours since the Unix epoch)
    ages: np.ndarray
    metrics: Mapping[str, np.ndarray]  # reach / impressions / engagements, cumulative, aligned with ages
    total_reach: Sequence[int | None] = ()  # the platform's unique organic+paid reach per capture, if any
    boosted_at_age_hours: float | None = None  # the age at its first boost; None if never boosted

    @staticmethod
    def build(post_id: str, platform: Platform, content_type: ContentType, published_hours: float,
              captures: Sequence[tuple[float, Mapping[str, float], int | None]],
              boosted_at_age_hours: float | None = None) -> PostHistory:
        """``captures``: ``(age, {metric: value}, total_reach)`` in any order."""
        rows = sorted(captures, key=lambda r: r[0])
        ages = np.asarray([r[0] for r in rows], dtype=float)
        metrics = {k: np.asarray([float(r[1].get(k) or 0) for r in rows], dtype=float) for k in METRICS}
        return PostHistory(post_id, platform, content_type, published_hours, ages, metrics,
                           tuple(r[2] for r in rows), boosted_at_age_hours)

    def meta(self) -> PostMeta:
        return PostMeta(post_id=self.post_id, platform=self.platform, content_type=self.content_type,
                        published_hours=self.published_hours,
                        last_age_hours=float(self.ages.max()) if self.ages.size else 0.0,
                        boosted_at_age_hours=self.boosted_at_age_hours)

    def series(self) -> dict[str, PostSeries]:
        return {k: PostSeries.of(self.ages, self.metrics[k], self.post_id) for k in METRICS}


@dataclass(frozen=True)
class BoostFacts:
    """What was measured about a boost, apart from its post's organic captures. Money in cents."""

    boost_id: str
    platform: Platform
    boost_age_hours: float  # the post's age at the boost
    spend_cents: int
    paid_impressions: float
    paid_reach: float  # summed over the reporting periods (not deduplicated across periods)
    paid_clicks: float
    days_observed: float  # days of paid delivery reported
    conversions: float  # every conversion of the post up to the analysis end
    organic_conversions: float  # of which on an ORGANIC touchpoint
    value_cents: int
    baseline: Mapping[str, float | None] = field(default_factory=dict)  # the pre-boost snapshot per metric
    # For the overlap term (``overlap``): the universe of the independence overlap estimate when the platform
    # reports no combined unique reach (the boost's targeted audience, else the account's followers:
    # ``boosts.snapshots.audience_size``), and its ``pi`` (``overlap.paid_first_share`` of the conversions).
    audience_size: int | None = None
    paid_first: float = PI_UNKNOWN


@dataclass(frozen=True)
class BoostInputs:
    obs: BoostObservation
    controls: dict[str, list[PostSeries]]
    selection: ControlSelection
    a: float  # analysis start age
    end_age: float  # analysis end age
    actual_organic_reach_end: float
    flags: tuple[str, ...]


def _share_paid_also_organic(facts: BoostFacts, organic_reach: float, total_reach: float | None) -> float:
    """The attribution split's ``s`` (share of paid-reached people also reached organically) from the reach
    figures at the analysis end, through ``overlap_split.estimate_split`` itself (the same overlap-reach
    rules: exact from the combined unique reach, else independence within ``audience_size``, else none).
    Paid unique reach over the window: ``min(summed period reach, impressions)``
    (``snapshot_metrics.paid_reach_over_periods``, as the split's server side reads it)."""
    paid = int(min(facts.paid_reach, facts.paid_impressions))
    if paid <= 0:
        return 0.0
    rf = ReachFigures(organic_reach=int(max(organic_reach, 0)), paid_reach=paid,
                      total_reach=None if total_reach is None else int(total_reach),
                      audience_size=facts.audience_size)
    return estimate_split(ObservedSplit(), rf, n_draws=0).share_paid_also_organic


def analysis_window(post: PostHistory | None, boost_age: float, max_end_age: float) -> tuple[float, float, bool]:
    """``(a, T, observed)`` (see the module docstring); ``observed`` is False without a post-boost capture."""
    ages = post.ages if post is not None else np.empty(0)
    pre = ages[ages <= boost_age + 1e-9]
    a = float(pre.max()) if pre.size else float(boost_age)
    after = ages[(ages > a) & (ages <= max_end_age + 1e-9)]
    if after.size:
        return a, float(after.max()), True
    return a, max(float(max_end_age), a + 1.0), False


def build_inputs(
    facts: BoostFacts,
    post: PostHistory | None,
    candidates: Sequence[PostHistory],
    *,
    max_end_age: float,
    max_controls: int = DEFAULT_MAX_CONTROLS,
    series_cache: dict[str, dict[str, PostSeries]] | None = None,
) -> BoostInputs:
    """The observation and controls for one boost (``post`` None: the post has no captures or is gone)."""
    flags: list[str] = []
    a, end_age, observed = analysis_window(post, facts.boost_age_hours, max_end_age)
    if not observed:
        flags.append("no_post_boost_capture")
    cache = series_cache if series_cache is not None else {}

    def series_of(p: PostHistory) -> dict[str, PostSeries]:
        got = cache.get(p.post_id)
        if got is None:
            got = cache[p.post_id] = p.series()
        return got

    if post is not None:
        selection = select_controls(post.meta(), [c.meta() for c in candidates], boost_age_hours=a,
                                    horizon_hours=end_age - a, max_controls=max_controls)
    else:  # the post is unknown (deleted): no age or period to match controls on
        flags.append("post_missing")
        selection = ControlSelection(post_ids=(), relaxed=())
    by_id = {c.post_id: c for c in candidates}
    controls = {k: [series_of(by_id[c])[k] for c in selection.post_ids] for k in METRICS}

    own: dict[str, PostSeries | None] = {k: None for k in METRICS}
    org_reach_end = float(facts.baseline.get("reach") or 0.0)
    inc_paid_reach = float(facts.paid_reach)
    dedup = False
    if post is not None and post.ages.size:
        own = dict(series_of(post))
        idx = np.flatnonzero(np.isclose(post.ages, end_age))
        if idx.size:
            i = int(idx[0])
            org_reach_end = float(post.metrics["reach"][i])
            tr = post.total_reach[i] if i < len(post.total_reach) else None
            if tr is not None and observed:
                inc_paid_reach, dedup = float(tr) - org_reach_end, True
        else:
            org_reach_end = float(post.metrics["reach"][-1])
    if not dedup and inc_paid_reach > 0:
        flags.append("paid_reach_not_deduplicated")
    share = _share_paid_also_organic(facts, org_reach_end, float(tr) if dedup else None) if post is not None else 0.0
    obs = BoostObservation(
        boost_id=facts.boost_id, platform=facts.platform, boost_age_hours=a, horizon_hours=end_age - a,
        days_observed=facts.days_observed, organic=own, spend_cents=int(facts.spend_cents),
        conversions=facts.conversions, organic_conversions=facts.organic_conversions,
        value_cents=int(facts.value_cents), paid_impressions=facts.paid_impressions,
        incremental_paid_reach=max(inc_paid_reach, 0.0), paid_engagements=facts.paid_clicks,
        paid_clicks=facts.paid_clicks, baseline=dict(facts.baseline),
        share_paid_also_organic=share, paid_first=facts.paid_first,
    )
    return BoostInputs(obs, controls, selection, a, end_age, org_reach_end, tuple(flags))

"""Effectiveness use cases: one boost's analysis, the comparison across a workspace's boosts, and the
dashboard overview. The inputs are read in a few batched queries (``repository``), turned into
``analyze_boost`` inputs by ``analytics.effectiveness.inputs`` (the same builder the validation harness
uses on the simulator), and analysed by the pure core.

Per boost (times UTC):
- analysis window: from the post's last organic capture at or before ``boosted_at`` to its last capture
  at or before ``min(now, boosted_at + duration_days + click window)``: the click window
  (``Workspace.click_window_days``, 7 by default) lets conversions that the boost started arrive;
- paid delivery: the linked campaign's complete reporting periods in ``[boosted_at, window end]`` (the
  snapshot collector's query); without a campaign, the boost's latest snapshot; without either, zero;
- conversions: every conversion event of the post up to the window end (those on an ORGANIC touchpoint
  are the organic ones), with their value; the order of its paid and organic conversions and the boost's
  audience size (the universe of the independence overlap estimate) feed the overlap term
  (``analytics.effectiveness.overlap``);
- benchmarks: the platform defaults with ``Workspace.benchmarks`` overrides;
- seed of the conversion-interval simulation: the boost id's low 32 bits (same boost, same numbers).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from boostloop.analytics.effectiveness import analyze_boost, compare_boosts, resolve_benchmarks
from boostloop.analytics.effectiveness.analysis import METRICS, BoostEffectiveness
from boostloop.analytics.effectiveness.compare import Comparable, summary_by_platform
from boostloop.analytics.effectiveness.confidence import ConfidenceLevel
from boostloop.analytics.effectiveness.inputs import (
    BoostFacts,
    BoostInputs,
    PostHistory,
    analysis_window,
    build_inputs,
)
from boostloop.analytics.effectiveness.lift import Interval
from boostloop.enums import MetricGranularity, Platform
from boostloop.errors import NotFound
from boostloop.server.db.models import BoostCampaign
from boostloop.server.effectiveness import repository as repo
from boostloop.server.effectiveness import schemas as s

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _hours(t: datetime, ref: datetime) -> float:
    return (t - ref).total_seconds() / 3600.0


# The metrics whose counterfactual is also computed over the window (the boost-detail chart plots
# impressions, the metric of its organic-and-paid chart); the others only at the window end.
SERIES_METRICS = ("impressions",)


def seed_for(boost_id: uuid.UUID) -> int:
    return boost_id.int & 0xFFFFFFFF


@dataclass(frozen=True)
class Analysis:
    boost: BoostCampaign
    inputs: BoostInputs
    result: BoostEffectiveness
    window_start: datetime
    window_end: datetime
    snapshots: int
    flags: tuple[str, ...]


def _baseline(organic_metrics: dict | None) -> dict[str, float | None]:
    snap = organic_metrics or {}
    if not snap.get("captured_at"):
        return {k: None for k in METRICS}
    return {k: (float(snap[k]) if snap.get(k) is not None else None) for k in METRICS}


def analyze(session: Session, workspace_id: uuid.UUID, *, now: datetime,
            boost_ids: Sequence[uuid.UUID] | None = None) -> list[Analysis]:
    """Analyse the workspace's boosts (all, or ``boost_ids``) as of ``now``. Boosts that start after
    ``now`` are left out."""
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    boosts = [b for b in repo.boosts(session, workspace_id, boost_ids) if b.boosted_at <= now]
    if not boosts:
        return []
    bench = resolve_benchmarks(ws.benchmarks)
    platforms = sorted({b.platform for b in boosts})
    posts = {p.id: p for p in repo.posts(session, workspace_id, platforms)}
    captures: dict[uuid.UUID, list] = defaultdict(list)
    for pid, at, reach, imp, eng, total in repo.organic_captures(session, workspace_id, platforms):
        p = posts.get(pid)
        if p is not None:
            captures[pid].append((_hours(at, p.published_at),
                                  {"reach": reach, "impressions": imp, "engagements": eng}, total))
    # A post's boosted age is its first boost's (every boost of the workspace, not only those analysed).
    first_boost: dict[uuid.UUID, datetime] = {}
    all_boosts = boosts if boost_ids is None else repo.boosts(session, workspace_id)
    for b in all_boosts:
        if b.original_post_id is not None:
            cur = first_boost.get(b.original_post_id)
            first_boost[b.original_post_id] = b.boosted_at if cur is None else min(cur, b.boosted_at)
    histories: dict[uuid.UUID, PostHistory] = {}
    by_platform: dict = defaultdict(list)
    for pid, p in posts.items():
        fb = first_boost.get(pid)
        h = PostHistory.build(str(pid), p.platform, p.content_type, _hours(p.published_at, EPOCH), captures[pid],
                              boosted_at_age_hours=_hours(fb, p.published_at) if fb else None)
        histories[pid] = h
        by_platform[p.platform].append(h)

    window = timedelta(days=ws.click_window_days)
    plans = []
    for b in boosts:
        post = posts.get(b.original_post_id) if b.original_post_id else None
        limit = min(now, b.boosted_at + timedelta(days=b.duration_days) + window)
        if post is not None:
            hist = histories[post.id]
            boost_age = _hours(b.boosted_at, post.published_at)
            a, end_age, _ = analysis_window(hist, boost_age, _hours(limit, post.published_at))
            start_t = post.published_at + timedelta(hours=a)
            end_t = post.published_at + timedelta(hours=end_age)
        else:
            start_t, end_t = b.boosted_at, limit
        plans.append((b, post, max(end_t, b.boosted_at), start_t, limit))

    paid = repo.paid_totals(session, workspace_id,
                            [(b.id, b.campaign_id, b.boosted_at, end_t) for b, _, end_t, _, _ in plans if b.campaign_id])
    conv = repo.conversions_by_post(session, workspace_id,
                                    [(b.id, p.id, end_t) for b, p, end_t, _, _ in plans if p is not None])
    ids = [b.id for b, *_ in plans]
    audience = repo.audience_sizes(session, workspace_id, ids)
    latest = repo.latest_snapshots(session, workspace_id, ids)
    counts = repo.snapshot_counts(session, workspace_id, ids)

    out: list[Analysis] = []
    cache: dict = {}
    for b, post, end_t, start_t, limit in plans:
        flags: list[str] = []
        pt = paid.get(b.id)
        snap = latest.get(b.id)
        if pt is not None:
            spend, imp, reach, clicks = pt.spend_cents, pt.impressions, pt.reach_sum or 0, pt.clicks
            days = pt.periods / 24.0 if pt.granularity == MetricGranularity.HOUR else float(pt.periods)
        elif snap is not None:
            flags.append("paid_from_snapshot")
            spend, imp, reach, clicks = snap.paid_spend_cents, snap.paid_impressions, snap.paid_reach or 0, snap.paid_clicks
            days = _hours(min(snap.snapshot_at, end_t), b.boosted_at) / 24.0
        else:
            flags.append("no_paid_delivery")
            spend = imp = reach = clicks = 0
            days = 0.0
        c = conv.get(b.id) or repo.Conversions(0, 0, 0)
        if not counts.get(b.id):
            flags.append("no_snapshots")
        hist = histories.get(post.id) if post is not None else None
        boost_age = _hours(b.boosted_at, post.published_at) if post is not None else 0.0
        facts = BoostFacts(
            boost_id=str(b.id), platform=b.platform, boost_age_hours=boost_age, spend_cents=int(spend),
            paid_impressions=float(imp), paid_reach=float(reach), paid_clicks=float(clicks),
            days_observed=max(days, 0.0), conversions=float(c.total), organic_conversions=float(c.organic),
            value_cents=int(c.value_cents), baseline=_baseline(b.organic_metrics),
            audience_size=audience.get(b.id), paid_first=c.paid_first,
        )
        max_end_age = _hours(limit, post.published_at) if post is not None else _hours(limit, b.boosted_at)
        candidates = [h for h in by_platform.get(b.platform, []) if post is None or h.post_id != str(post.id)]
        inputs = build_inputs(facts, hist, candidates if post is not None else [], max_end_age=max_end_age,
                              series_cache=cache)
        result = analyze_boost(inputs.obs, inputs.controls, bench[b.platform], seed=seed_for(b.id),
                               series_metrics=SERIES_METRICS)
        out.append(Analysis(b, inputs, result, start_t, end_t, counts.get(b.id, 0),
                            tuple(sorted(set(flags) | set(inputs.flags) | set(result.flags)))))
    return out


# ---- API shapes -------------------------------------------------------------------------------


def to_out(a: Analysis, currency: str) -> s.BoostEffectivenessOut:
    r, e = a.result, a.result.economics
    cfs = []
    for m in METRICS:
        cf, lift = r.counterfactuals[m], r.lifts[m]
        actual = lift.actual
        paid_part = {"reach": a.inputs.obs.incremental_paid_reach, "impressions": a.inputs.obs.paid_impressions,
                     "engagements": a.inputs.obs.paid_engagements}[m]
        cfs.append(s.CounterfactualOut(
            metric=m, baseline=s.finite(cf.baseline), actual_organic=float(actual - max(paid_part, 0.0)),
            with_boost=float(actual), counterfactual=s.IntervalOut.of(lift.counterfactual),
            lift=s.IntervalOut.of(lift.absolute), lift_fraction=s.IntervalOut.of(lift.fraction), basis=cf.basis,
            weight_trajectory=float(cf.weight_trajectory), n_controls=int(cf.n_controls),
            series=_series_out(r.series.get(m), a.window_start),
        ))
    sc = r.score
    return s.BoostEffectivenessOut(
        boost_id=a.boost.id, post_id=a.boost.original_post_id, platform=a.boost.platform.value,
        status=a.boost.status.value, boosted_at=a.boost.boosted_at, currency=currency, level=e.level,
        window=s.WindowOut(start=a.window_start, end=a.window_end, horizon_hours=a.inputs.obs.horizon_hours,
                           controls=len(a.inputs.selection.post_ids),
                           controls_relaxed=list(a.inputs.selection.relaxed)),
        counterfactuals=cfs, spend_cents=e.spend_cents, value_cents=e.value_cents,
        conversions=float(e.actual_conversions), organic_conversions=float(a.inputs.obs.organic_conversions),
        counterfactual_conversions=s.IntervalOut.of(e.counterfactual_conversions),
        incremental_conversions=s.IntervalOut.of(e.incremental_conversions),
        incremental_value_cents=s.IntervalOut.of(e.incremental_value_cents),
        cost_per_incremental_result_cents=s.IntervalOut.of(e.cost_per_incremental_result_cents),
        total_roi=s.finite(e.total_roi), incremental_roi=s.IntervalOut.of(e.incremental_roi),
        incremental_roas=s.IntervalOut.of(e.incremental_roas),
        score=s.ScoreOut(
            score=float(sc.score), lower=float(sc.lower), upper=float(sc.upper),
            components=[s.ScoreComponentOut(
                name=c.name, weight=c.weight, effective_weight=c.effective_weight, value=s.finite(c.value),
                reference=s.finite(c.reference), points=s.finite(c.points), points_lower=s.finite(c.points_lower),
                points_upper=s.finite(c.points_upper), explanation=c.explanation) for c in sc.components],
            benchmark_source=sc.benchmark_source, notes=list(sc.notes)),
        confidence=s.ConfidenceOut(level=r.confidence.level.value, days_observed=float(r.confidence.days_observed),
                                   conversions=float(r.confidence.conversions), reasons=list(r.confidence.reasons)),
        benchmark=s.BenchmarkOut(roas=r.benchmark.roas, cpa_cents=r.benchmark.cpa_cents, ctr=r.benchmark.ctr,
                                 conversion_rate=r.benchmark.conversion_rate, source=r.benchmark.source,
                                 assumed=r.benchmark.assumed),
        snapshots=a.snapshots, flags=list(a.flags),
    )


def _series_out(cs, start: datetime) -> s.CounterfactualSeriesOut | None:
    if cs is None:
        return None
    return s.CounterfactualSeriesOut(
        times=[start + timedelta(hours=h) for h in cs.hours], hours=list(cs.hours),
        estimate=[float(v) for v in cs.estimate], lower=[float(v) for v in cs.lower],
        upper=[float(v) for v in cs.upper],
        actual_organic=[None if v is None else float(v) for v in cs.actual_organic])


def boost_effectiveness(session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID, *,
                        now: datetime) -> s.BoostEffectivenessOut:
    """One boost's analysis: its stored result (``store``), computed now if missing or stale."""
    from boostloop.server.effectiveness import store  # store builds on analyze / to_out above

    if repo.workspace(session, workspace_id) is None:
        raise NotFound(f"workspace {workspace_id} not found")
    got = store.current(session, workspace_id, now=now, boost_ids=[boost_id], with_result=True)
    if not got:
        raise NotFound(f"boost {boost_id} not found")
    return s.BoostEffectivenessOut.model_validate(got[0].result)


def _comparable(r) -> Comparable:
    """The ranking inputs of a stored result (``store.StoredResult``: its ranking columns, no JSON)."""
    return Comparable(
        boost_id=str(r.boost_id), platform=Platform(r.platform), spend_cents=int(r.spend_cents),
        cost_per_result=Interval(r.cost_per_result, r.cost_per_result_lower, r.cost_per_result_upper),
        incremental_roi=Interval(r.incremental_roi, r.incremental_roi_lower, r.incremental_roi_upper),
        cpa_cents=float(r.benchmark_cpa_cents), roas=float(r.benchmark_roas), confidence=ConfidenceLevel(r.confidence))


def comparison(session: Session, workspace_id: uuid.UUID, *, now: datetime) -> s.ComparisonOut:
    """The ranking over every boost's stored result (``store``; missing or stale ones computed first), from
    the results' ranking columns (``store.ranking_columns``): the ranking itself is ``compare_boosts``
    (ties, undefined values, verdicts), a sort of 1,000 rows in Python."""
    from boostloop.server.effectiveness import store  # store builds on analyze / to_out above

    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    cmp = compare_boosts([_comparable(r) for r in store.current(session, workspace_id, now=now)])

    def rows(ranked) -> list[s.RankedBoostOut]:
        return [s.RankedBoostOut(rank=r.rank, boost_id=uuid.UUID(r.boost_id), platform=r.platform.value,
                                 value=s.IntervalOut.of(r.value), benchmark=float(r.benchmark),
                                 vs_benchmark=r.vs_benchmark, confidence=r.confidence.value) for r in ranked]

    return s.ComparisonOut(
        currency=ws.currency,
        by_cost_per_result=rows(cmp.by_cost_per_result), by_incremental_roi=rows(cmp.by_incremental_roi),
        by_platform={p.value: d for p, d in summary_by_platform(cmp).items()},
    )


OVERVIEW_DEFINITIONS = {
    "average_roi": "(sum of conversion value - sum of spend) / sum of spend over the analysed boosts "
                   "(pooled, so a large boost weighs by its spend; None without spend)",
    "incremental_roi": "(sum of incremental value - sum of spend) / sum of spend",
    "incremental_conversions": "sum over boosts of (actual conversions - organic-only counterfactual conversions)",
    "cost_per_incremental_conversion_cents": "sum of spend / sum of incremental conversions (None when <= 0)",
    "cost_without_boosts_cents": "the same incremental conversions bought as ordinary paid ads at the "
                                 "platform benchmark CPA (workspace overrides applied): sum over boosts of "
                                 "max(incremental conversions, 0) x benchmark CPA of the boost's platform",
    "savings_vs_benchmark_cents": "cost_without_boosts - sum of spend (positive: boosting was cheaper)",
}


OVERVIEW_WINDOW = ("each boost's analysis window: from its post's last organic capture before the boost to the "
                   "end of its flight plus the workspace's click window (or now, if sooner); conversions are "
                   "every conversion of the post up to that end")


def overview(session: Session, workspace_id: uuid.UUID, *, now: datetime,
             boost_ids: Sequence[uuid.UUID] | None = None) -> s.OverviewOut:
    """Totals over the stored results (``store``) of every boost that started by ``now`` (or of
    ``boost_ids``, e.g. the boosts of a dashboard period); missing or stale results are computed first."""
    from boostloop.server.effectiveness import store  # store builds on analyze / to_out above

    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    t = store.totals(session, workspace_id, now=now, boost_ids=boost_ids)
    spend, value, inc = t.spend_cents, t.value_cents, t.incremental_conversions
    return s.OverviewOut(
        currency=ws.currency, total_boosts=t.boosts,
        analysed_boosts=t.analysed, total_spend_cents=spend, total_value_cents=value,
        average_roi=(value - spend) / spend if spend > 0 else None,
        incremental_roi=(t.incremental_value_cents - spend) / spend if spend > 0 else None,
        conversions=t.conversions, window=OVERVIEW_WINDOW,
        incremental_conversions=inc,
        incremental_conversions_range=s.IntervalOut(estimate=inc, lower=t.incremental_conversions_lower,
                                                    upper=t.incremental_conversions_upper),
        cost_per_incremental_conversion_cents=spend / inc if inc > 0 else None,
        cost_without_boosts_cents=t.cost_without_boosts_cents if t.analysed else None,
        savings_vs_benchmark_cents=t.cost_without_boosts_cents - spend if t.analysed else None,
        confidence=t.confidence, definitions=OVERVIEW_DEFINITIONS,
    )

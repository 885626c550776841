"""Recommendations: generated daily (and on demand), dismissed or applied by a person, expired by time.

Types and their rules (each recommendation carries the model's projection with its 90 % interval):

* BOOST_TRENDING: an unboosted post at most ``TRENDING_MAX_AGE_H`` (48 h) old whose organic velocity
  (impressions / h over the last day) is at least ``TRENDING_VELOCITY_RATIO`` (2x) the median velocity at
  boost time of the workspace's past boosts on that platform: it is still gaining fast, and organic reach
  decays within hours (simulated and observed half-lives 5-14 h), so it expires after 24 h.
* BOOST_HIGH_PERFORMER: an unboosted post of the last 72 h (or the newest ``MIN_CANDIDATE_POSTS``, up to a
  week, for a workspace that posts less often) whose organic engagements are at least
  ``HIGH_PERFORMER_RATIO`` (1.5x) its account's median post (with post quality log-normal with sd 0.45,
  as in the default simulated world, 1.5x is about the top fifth of posts).
* REPLICATE_SUCCESS: the best successful finished boost of the last 60 days (by ROI) among those with a fresh
  post of the same platform and content type, applied to that post with the boost's audience, budget,
  duration and start hour.
* ADJUST_TIMING: when fewer than a third of the last 20 boosts started in the model's best three hours
  and the best window is predicted to earn at least ``MIN_ROI_GAIN`` (0.1) more ROI than the hours used.
* OPTIMIZE_TARGETING: a running boost whose audience is predicted to earn at least 0.1 ROI less than the
  best audience the workspace has used.
* INCREASE_BUDGET: a running boost whose suggested budget (marginal return down to the workspace target)
  is at least 1.25x its current budget.

A BOOST_* or REPLICATE recommendation is only made when its projected ROI is positive. Only projections are
made: nothing is boosted until a person applies the recommendation.

Confidence = the projection's chance of paying back its spend, P(ROI > 0), from its 90 % ROI interval and
the interval's coverage measured on the holdout (``analytics.learning.confidence``: levels, formula and the
measured check against the simulator's truth).
Priority 1 (act first) to 5: by confidence x projected profit (value - spend), in quintiles of the batch.
Exploration: see ``analytics.learning.exploration`` (20 % of the audience choices come from Thompson
sampling over segments; marked in ``supporting_data``).
"""

from __future__ import annotations

import hashlib
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from boostloop.analytics.learning.confidence import confidence, confidence_level  # noqa: F401 - the dashboard label
from boostloop.analytics.learning.exploration import sampler_from_history, should_explore
from boostloop.analytics.learning.features import BoostRecord, OrganicPoint, boost_features
from boostloop.analytics.learning.optimizers import (
    OutcomeForecast,
    optimize_targeting,
    predict_boost_outcome,
    suggest_budget,
    suggest_timing,
    targeting_features,
)
from boostloop.analytics.learning.response import fit_response_model
from boostloop.enums import BoostSource, RecommendationStatus, RecommendationType
from boostloop.errors import Conflict, InvalidInput, NotFound
from boostloop.server.db.models import RECOMMENDER, BoostRecommendation
from boostloop.server.learning import repository as repo
from boostloop.server.learning.training import current_model
from boostloop.server.learning.training_data import light_context, record_of

TRENDING_MAX_AGE_H = 48
TRENDING_VELOCITY_RATIO = 2.0
HIGH_PERFORMER_RATIO = 1.5
CANDIDATE_WINDOW_H = 72
# The window follows the workspace's own posting rate: when the last 72 h hold fewer than
# MIN_CANDIDATE_POSTS unboosted posts, it reaches back to the newest MIN_CANDIDATE_POSTS, up to a week.
# 6 posts = about two days of the default simulated workspace's posting (2.5 a day); a week because
# organic reach is spent within days (half-lives 5-14 h), after which only the engagement rule applies.
MIN_CANDIDATE_POSTS = 6
MAX_CANDIDATE_WINDOW_H = 168
MIN_ROI_GAIN = 0.1
BUDGET_INCREASE_RATIO = 1.25
MAX_CANDIDATES = 15  # model work for the 15 strongest candidates only: each model call costs ~0.1 s (9 GBMs), measured
MAX_ACTIVE = 10  # and for the 10 running boosts with the largest budgets (where a change matters most)
EXPIRY = {RecommendationType.BOOST_TRENDING: timedelta(hours=24)}
DEFAULT_EXPIRY = timedelta(hours=72)


@dataclass(frozen=True)
class GenerationResult:
    created: tuple[BoostRecommendation, ...]
    skipped_duplicates: int
    expired: int
    model_version: int


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _next_local_hour(now: datetime, hour: int, tz: ZoneInfo, weekday: int | None = None) -> datetime:
    """The first whole hour after ``now`` at local ``hour`` (and ``weekday`` when given)."""
    local = now.astimezone(tz).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    for _ in range(24 * 8):
        if local.hour == hour and (weekday is None or local.weekday() == weekday):
            return local.astimezone(now.tzinfo)
        local = (local + timedelta(hours=1)).astimezone(tz)
    return now


@dataclass
class _Draft:
    type: RecommendationType
    post_id: uuid.UUID | None
    fingerprint: str
    budget_cents: int
    duration_days: int
    timing: datetime
    targeting: dict
    forecast: OutcomeForecast
    reason: str
    supporting: dict
    expires_at: datetime


def generate_recommendations(
    session: Session, workspace_id: uuid.UUID, now: datetime, *, seed: int = 0
) -> GenerationResult:
    """Expire stale recommendations, then create every type the data supports (never a live duplicate)."""
    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    expired = repo.expire_recommendations(session, workspace_id, now)
    model, record = current_model(session, workspace_id, now)
    validity = float((record.validation or {}).get("validity", 0.5))
    tz = ZoneInfo(ws.timezone)
    boosts, all_posts, history = light_context(session, workspace_id)
    trained = [(row, at) for row, at in repo.training_rows(session, workspace_id, ready_only=True)]
    feats_hist = [row.features for row, _ in trained]
    # Audience candidates: the targeting last used for each segment.
    segments: dict[str, dict] = {}
    for b in boosts:
        if b.targeting_criteria and b.targeting_criteria.get("segment"):
            segments[str(b.targeting_criteria["segment"])] = dict(b.targeting_criteria)
    budgets = [int(b.initial_budget_cents) for b in boosts] or [50_000]
    durations = [int(b.duration_days) for b in boosts] or [7]
    default_budget = int(statistics.median(budgets))
    default_duration = int(statistics.median(durations))
    budget_lo, budget_hi = max(500, min(budgets) // 2), max(budgets) * 3 // 2 + 500
    refs = feats_hist[-50:]
    timing = suggest_timing(model, refs[-1] if refs else {}, reference_rows=refs or None) if refs else None
    velocity_by_platform: dict[str, float] = {}
    for p in {f.get("platform") for f in feats_hist}:
        v = [f["organic_velocity"] for f in feats_hist if f.get("platform") == p and f.get("organic_velocity")]
        if v:
            velocity_by_platform[str(p)] = statistics.median(v)
    # Each boost's own response curve (K per platform, level from the GLM of ``analytics.learning.response``);
    # platforms without the data for a curve fall back to the curve read off the model's predictions.
    levels = fit_response_model(feats_hist, [row.labels.get("spend_cents") or 0 for row, _ in trained],
                                [row.labels.get("value_cents") or 0 for row, _ in trained]) if trained else None
    seg_history = [
        (str(row.features.get("segment")), float(row.labels.get("success") or 0)) for row, _ in trained
        if row.features.get("segment") and row.labels.get("success") is not None
    ]

    drafts: list[_Draft] = []
    used_posts: set[uuid.UUID] = set()

    # ---- new posts: trending / high performers --------------------------------------------------
    week = repo.recent_unboosted_posts(session, workspace_id, now - timedelta(hours=MAX_CANDIDATE_WINDOW_H), now)
    candidates = [p for p in week if p.published_at >= now - timedelta(hours=CANDIDATE_WINDOW_H)]
    if len(candidates) < MIN_CANDIDATE_POSTS:
        candidates = week[-MIN_CANDIDATE_POSTS:]  # oldest first, as the query orders them
    series = repo.organic_series(session, workspace_id, {p.id for p in candidates})
    scored = []
    for post in candidates:
        start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        rec = BoostRecord(
            boost_id=f"plan:{post.id}", account_id=str(post.account_id), platform=str(post.platform),
            content_type=str(post.content_type), text_length=post.text_length, media_count=post.media_count,
            hashtag_count=post.hashtag_count, published_at=post.published_at, boosted_at=start,
            budget_cents=default_budget, duration_days=default_duration,
            targeting=next(iter(segments.values()), None),
            organic_series=tuple(OrganicPoint(t, i, e, r) for (t, i, e, r, _) in series.get(post.id, [])),
        )
        f = boost_features(rec, history, ws.timezone, str(post.id))
        age_h = (now - post.published_at).total_seconds() / 3600.0
        med_v = velocity_by_platform.get(str(post.platform))
        v_ratio = (f["organic_velocity"] / med_v) if (med_v and f["organic_velocity"] is not None) else 0.0
        e_ratio = f["engagement_vs_account_median"] or 0.0
        if age_h <= TRENDING_MAX_AGE_H and v_ratio >= TRENDING_VELOCITY_RATIO:
            scored.append((v_ratio, RecommendationType.BOOST_TRENDING, post, f, v_ratio, e_ratio))
        elif e_ratio >= HIGH_PERFORMER_RATIO:
            scored.append((e_ratio, RecommendationType.BOOST_HIGH_PERFORMER, post, f, v_ratio, e_ratio))
    scored.sort(key=lambda s: -s[0])
    for idx, (_, rtype, post, f, v_ratio, e_ratio) in enumerate(scored[:MAX_CANDIDATES]):
        explore = should_explore(seed, idx) and len(segments) > 1
        if explore:
            seg = sampler_from_history(sorted(segments), seg_history, seed=seed * 7919 + idx).choose()
            plan = targeting_features(f, dict(segments[seg], segment=seg))
            tsel = {"segment": seg, "policy": "thompson", "posterior_success": _posteriors(segments, seg_history)}
        else:
            t = optimize_targeting(model, f, segments)
            seg = t.segment
            plan = targeting_features(f, t.targeting) if segments else f
            tsel = {"segment": seg, "policy": "model-argmax", "by_segment_roi": {k: v["roi"] for k, v in t.by_segment.items()}}
        hour = timing.best_hours[0] if timing else plan["hour"]
        when = _next_local_hour(now, hour, tz)
        plan = dict(plan, hour=hour, weekday=when.astimezone(tz).weekday(),
                    post_age_hours=(when - post.published_at).total_seconds() / 3600.0)
        b = suggest_budget(model, plan, ws.target_marginal_roas, min_cents=budget_lo, max_cents=budget_hi,
                           curve=levels.curve_for(plan) if levels else None)
        # A budget at the top of the grid means the curve never saturated within the budgets tried (always
        # so in the shrinkage regime, where ROI does not depend on budget): keep the workspace's usual budget.
        budget = default_budget if b.extrapolated else b.budget_cents
        plan = dict(plan, budget_cents=budget)
        fc = b.forecast if budget == b.budget_cents else predict_boost_outcome(model, plan)
        if fc.roi[0] <= 0:
            continue
        if rtype is RecommendationType.BOOST_TRENDING:
            reason = (f"This post is gaining organic impressions {v_ratio:.1f}x as fast as your boosted posts did "
                      f"when boosted; boosting while it is fresh is projected to return ROI {fc.roi[0]:.2f} "
                      f"(90% interval {fc.roi[1]:.2f} to {fc.roi[2]:.2f}).")
        else:
            reason = (f"This post has {e_ratio:.1f}x the engagements of its account's median post; a boost is projected "
                      f"to return ROI {fc.roi[0]:.2f} (90% interval {fc.roi[1]:.2f} to {fc.roi[2]:.2f}).")
        drafts.append(_Draft(
            rtype, post.id, _fingerprint(rtype.value, post.id), budget, int(plan["duration_days"]), when,
            dict(segments.get(seg, {}), segment=seg) if segments else {}, fc, reason,
            {"velocity_ratio": v_ratio, "engagement_vs_account_median": e_ratio, "targeting": tsel,
             "exploration": bool(explore), "budget_curve": {"v_max_cents": b.v_max_cents, "k_cents": b.k_cents,
             "marginal_roas_at_budget": b.marginal_roas_at_budget, "extrapolated": b.extrapolated},
             "best_hours": list(timing.best_hours) if timing else []},
            now + EXPIRY.get(rtype, DEFAULT_EXPIRY),
        ))
        used_posts.add(post.id)

    # ---- replicate the best recent success on a fresh post ----------------------------------------
    recent = [(row, at) for row, at in trained if at >= now - timedelta(days=60) and row.labels.get("success") == 1]
    # The best success (by ROI) that has a fresh post of its platform and content type to be replicated on.
    for best_row, _ in sorted(recent, key=lambda x: -(x[0].labels.get("roi") or -1)):
        bf = best_row.features
        fresh = [p for p in candidates if p.id not in used_posts and str(p.platform) == bf.get("platform")
                 and str(p.content_type) == bf.get("content_type")]
        if fresh:
            post = fresh[-1]
            when = _next_local_hour(now, int(bf["hour"]), tz)
            plan = dict(bf, post_age_hours=(when - post.published_at).total_seconds() / 3600.0,
                        weekday=when.astimezone(tz).weekday())
            fc = predict_boost_outcome(model, plan)
            if fc.roi[0] > 0:
                seg = bf.get("segment")
                drafts.append(_Draft(
                    RecommendationType.REPLICATE_SUCCESS, post.id,
                    _fingerprint(RecommendationType.REPLICATE_SUCCESS.value, post.id), int(bf["budget_cents"]),
                    int(bf["duration_days"]), when, dict(segments.get(seg, {}), segment=seg) if seg else {}, fc,
                    f"A {bf.get('content_type', '').lower()} boost on {bf.get('platform')} returned ROI "
                    f"{best_row.labels['roi']:.2f}; the same audience, budget and start hour on this new post is "
                    f"projected to return {fc.roi[0]:.2f} (90% interval {fc.roi[1]:.2f} to {fc.roi[2]:.2f}).",
                    {"source_boost_id": str(best_row.boost_campaign_id), "source_labels": best_row.labels},
                    now + DEFAULT_EXPIRY,
                ))
                used_posts.add(post.id)
            break

    # ---- timing habit --------------------------------------------------------------------------
    if timing and feats_hist:
        last = feats_hist[-20:]
        in_window = sum(1 for f in last if f.get("hour") in timing.best_hours) / len(last)
        used_hours = Counter(f.get("hour") for f in last)
        used_roi = statistics.fmean(timing.hour_profile[h] for h in (f.get("hour") for f in last) if h is not None)
        best_roi = timing.hour_profile[timing.best_hours[0]]
        target_post = next((p for p in reversed(candidates) if p.id not in used_posts), None)
        if in_window < 1 / 3 and best_roi - used_roi >= MIN_ROI_GAIN:
            when = _next_local_hour(now, timing.best_hour, tz, timing.best_weekday)
            plan = dict(refs[-1], hour=timing.best_hour, weekday=timing.best_weekday)
            fc = predict_boost_outcome(model, plan)
            week = now.astimezone(tz).isocalendar()
            drafts.append(_Draft(
                RecommendationType.ADJUST_TIMING, target_post.id if target_post else None,
                _fingerprint(RecommendationType.ADJUST_TIMING.value, week.year, week.week),
                int(plan["budget_cents"]), int(plan["duration_days"]), when, {}, fc,
                f"Only {in_window:.0%} of your last {len(last)} boosts started in the best hours "
                f"({', '.join(f'{h}:00' for h in timing.best_hours)} local); starting there is predicted to add "
                f"{best_roi - used_roi:.2f} ROI on average.",
                {"hour_profile_roi": list(timing.hour_profile), "used_hours": {str(k): v for k, v in used_hours.items()},
                 "best_weekday": timing.best_weekday},
                now + DEFAULT_EXPIRY,
            ))

    # ---- running boosts: audience and budget ------------------------------------------------------
    active = sorted(repo.active_boosts(session, workspace_id, now), key=lambda b: -b.initial_budget_cents)[:MAX_ACTIVE]
    active_series = repo.organic_series(session, workspace_id, {b.original_post_id for b in active if b.original_post_id})
    for boost in active:
        post = all_posts.get(boost.original_post_id)
        if post is None:
            continue
        f = boost_features(record_of(boost, post, active_series.get(post.id, [])), history, ws.timezone, str(post.id))
        end = boost.boosted_at + timedelta(days=boost.duration_days)
        expires = min(now + DEFAULT_EXPIRY, end) if end > now else now + timedelta(hours=1)
        if len(segments) > 1:
            t = optimize_targeting(model, f, segments)
            if t.segment != f.get("segment") and t.roi_gain >= MIN_ROI_GAIN:
                fc = t.forecast
                drafts.append(_Draft(
                    RecommendationType.OPTIMIZE_TARGETING, boost.original_post_id,
                    _fingerprint(RecommendationType.OPTIMIZE_TARGETING.value, boost.id), int(boost.initial_budget_cents),
                    int(boost.duration_days), _next_local_hour(now, now.astimezone(tz).hour, tz), t.targeting, fc,
                    f"The audience '{t.segment}' is projected to return ROI {fc.roi[0]:.2f} against "
                    f"{t.current.roi[0]:.2f} for the current '{f.get('segment')}' on this boost.",
                    {"boost_id": str(boost.id), "by_segment": t.by_segment}, expires,
                ))
        b = suggest_budget(model, f, ws.target_marginal_roas, min_cents=budget_lo, max_cents=budget_hi,
                           curve=levels.curve_for(f) if levels else None)
        if not b.extrapolated and b.budget_cents >= BUDGET_INCREASE_RATIO * boost.initial_budget_cents:
            fc = b.forecast
            drafts.append(_Draft(
                RecommendationType.INCREASE_BUDGET, boost.original_post_id,
                _fingerprint(RecommendationType.INCREASE_BUDGET.value, boost.id), b.budget_cents,
                int(boost.duration_days), now, dict(boost.targeting_criteria or {}), fc,
                f"Returns are still above your target of {ws.target_marginal_roas:.2f} per dollar at the margin: "
                f"raising the budget from ${boost.initial_budget_cents / 100:,.0f} to ${b.budget_cents / 100:,.0f} is "
                f"projected to return ROI {fc.roi[0]:.2f}.",
                {"boost_id": str(boost.id), "current_budget_cents": int(boost.initial_budget_cents),
                 "marginal_roas_at_budget": b.marginal_roas_at_budget, "extrapolated": b.extrapolated}, expires,
            ))

    # ---- persist: confidence, priority, no live duplicate ------------------------------------------------
    live = repo.live_fingerprints(session, workspace_id, now)
    fresh_drafts, skipped, seen = [], 0, set()
    for d in drafts:
        if d.fingerprint in live or d.fingerprint in seen:
            skipped += 1
            continue
        seen.add(d.fingerprint)
        fresh_drafts.append(d)
    scores = []
    for d in fresh_drafts:
        c = confidence(d.forecast, record.validation)
        profit = d.forecast.roi[0] * d.budget_cents
        scores.append((c, c * max(0.0, profit)))
    order = sorted(range(len(fresh_drafts)), key=lambda i: -scores[i][1])
    n = len(order)
    created = []
    for rank, i in enumerate(order):
        d = fresh_drafts[i]
        fc = d.forecast
        priority = 1 + (rank * 5) // max(1, n)
        rec = BoostRecommendation(
            workspace_id=workspace_id, suggested_post_id=d.post_id, recommendation_type=d.type,
            confidence=scores[i][0], priority=int(min(5, max(1, priority))), suggested_budget_cents=int(d.budget_cents),
            suggested_duration_days=int(d.duration_days), suggested_timing=d.timing, suggested_targeting=d.targeting,
            projected_reach=int(round(fc.reach[0])), projected_conversions=int(round(fc.conversions[0])),
            projected_roi=float(fc.roi[0]),
            confidence_interval={"reach": {"low": fc.reach[1], "high": fc.reach[2]},
                                 "conversions": {"low": fc.conversions[1], "high": fc.conversions[2]},
                                 "roi": {"low": fc.roi[1], "high": fc.roi[2]}, "level": fc.level, "method": fc.method},
            reason=d.reason, supporting_data=_clean(d.supporting | {"validity": validity}), fingerprint=d.fingerprint,
            model_version=record.version, status=RecommendationStatus.PENDING, expires_at=d.expires_at,
            created_at=now,
        )
        session.add(rec)
        created.append(rec)
    session.flush()
    return GenerationResult(tuple(created), skipped, expired, record.version)


def _posteriors(segments: dict, history: list) -> dict:
    s = sampler_from_history(sorted(segments), history, seed=0)
    return {p.arm: {"alpha": p.alpha, "beta": p.beta, "mean": p.mean} for p in s.posteriors()}


def _clean(x):  # noqa: ANN001, ANN202
    from boostloop.server.learning.training import _jsonable

    return _jsonable(x)


def dismiss_recommendation(session: Session, workspace_id: uuid.UUID, rec_id: uuid.UUID, now: datetime) -> BoostRecommendation:
    rec = repo.recommendation(session, workspace_id, rec_id)
    if rec is None:
        raise NotFound(f"recommendation {rec_id} not found")
    if rec.status is not RecommendationStatus.PENDING:
        raise Conflict(f"recommendation {rec_id} is {rec.status.value}, only a PENDING one can be dismissed")
    rec.status = RecommendationStatus.DISMISSED
    rec.dismissed_at = now
    session.flush()
    return rec


def apply_recommendation(
    session: Session, workspace_id: uuid.UUID, rec_id: uuid.UUID, *, user_id: uuid.UUID, now: datetime
) -> BoostRecommendation:
    """A person (ADMIN: checked by the API) applies a recommendation: the boost it describes is created
    through the boosts service and linked. Never called by a job: nothing is boosted without a person."""
    from boostloop.server.boosts.service import create_boost  # the boosts domain (interfaces.md)

    rec = repo.recommendation(session, workspace_id, rec_id)
    if rec is None:
        raise NotFound(f"recommendation {rec_id} not found")
    if rec.status is not RecommendationStatus.PENDING:
        raise Conflict(f"recommendation {rec_id} is {rec.status.value}, only a PENDING one can be applied")
    if rec.expires_at <= now:
        rec.status = RecommendationStatus.EXPIRED
        session.flush()
        raise Conflict(f"recommendation {rec_id} expired at {rec.expires_at.isoformat()}")
    if rec.suggested_post_id is None:
        raise InvalidInput([], summary=f"recommendation {rec_id} names no post to boost")
    boost = create_boost(
        session, workspace_id, post_id=rec.suggested_post_id, boosted_at=max(now, rec.suggested_timing),
        boosted_by=RECOMMENDER, boosted_by_user_id=user_id, reason=rec.reason,
        strategy=rec.recommendation_type.value, targeting=rec.suggested_targeting or None,
        budget_cents=int(rec.suggested_budget_cents), duration_days=int(rec.suggested_duration_days),
        source=BoostSource.RECOMMENDATION,
    )
    rec.status = RecommendationStatus.APPLIED
    rec.applied_at = now
    rec.applied_by_user_id = user_id
    rec.resulting_boost_id = boost.id
    session.flush()
    return rec

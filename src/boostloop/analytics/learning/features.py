"""Training rows for the outcome model: one row per finished boost, its features and its labels.

Pure: plain dataclasses in, a frozen :class:`TrainingSet` out; no database, no clock. The same function
builds the features of a *planned* boost (no outcome yet), so training and prediction share one code path.

Features (``FEATURE_NAMES``; units in brackets)
    content   ``content_type`` (category), ``text_length`` [characters], ``media_count``, ``hashtag_count``
    timing    ``weekday`` (0 = Monday) and ``hour`` (0-23) of the boost start **in the workspace time zone**,
              ``month`` (1-12, same zone), ``post_age_hours`` [h] = boosted_at - published_at,
              ``organic_velocity`` [impressions / h] = impressions gained over the last ``VELOCITY_WINDOW_H``
              hours before the boost (the post's own organic series); when no point lies that far back,
              lifetime impressions / post age
    audience  ``targeting_breadth`` in [0, 1] (rule in :func:`targeting_breadth`), ``age_span`` [years],
              ``n_interests``, ``n_locations``, ``segment`` (category)
    plan      ``budget_cents`` [cents], ``duration_days`` [days]
    history   ``account_past_roi`` = mean ROI of the same account's boosts that *ended at or before* this
              boost started (no leakage: a boost still running or finished later is never used), ``None``
              when there is none; ``account_past_boosts`` = how many such boosts;
              ``engagement_vs_account_median`` = the post's organic engagements at the boost divided by
              the median lifetime engagements of the account's other posts published before the boost
              (counts, not rates: a post's quality shows in how many people engage, while the rate per
              impression is mostly the platform's; organic engagement saturates within a few half-lives of
              5-14 h, so earlier posts' lifetime totals are close to final)
    context   ``platform`` (category), ``month``

Labels (``LABEL_NAMES``)
    ``reach``           incremental unique reach of the boost [people] (the model's first target)
    ``conversions``     paid-attributed conversions [count] (second target)
    ``roi``             (conversion value - spend) / spend [fraction] (third target)
    ``conversion_rate`` conversions / paid clicks [fraction]; ``None`` without clicks
    ``cost_per_result`` spend / conversions [cents]; ``None`` without conversions
    ``reach_lift``      incremental reach / organic reach of the post at the boost's end [fraction]
    ``engagement_lift`` engagements gained in the boost window / the engagements the post would have gained
                        without the boost, minus 1 [fraction]; ``None`` when no counterfactual is known
    ``spend_cents``, ``value_cents``  what was spent and the conversion value [cents] (kept for sums)
    ``success``         written rule: ROI > 0 (the boost's value covered its spend) **and** incremental reach
                        > 0 (it reached people the post would not have). 1 / 0.

Data quality (``quality_score`` in [0, 1]) = completeness x consistency, where completeness is the share
of the ``TRACKED_FIELDS`` present and consistency the share of the ``CONSISTENCY_CHECKS`` passed. A row is
training-ready when the boost finished, all three model targets are present, every consistency check
passes and completeness >= ``READY_MIN_COMPLETENESS`` (0.8: at most one in five optional fields missing;
the gradient-boosted model handles a missing feature natively, but a row that is mostly gaps mostly
teaches the imputation).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

VELOCITY_WINDOW_H = 24.0  # organic velocity window: the last day before the boost (posts decay within days)
READY_MIN_COMPLETENESS = 0.8
# Platforms never spend more than a lifetime budget; 2 % tolerance covers currency rounding and the
# small daily over-delivery some platforms true up afterwards.
SPEND_TOLERANCE = 1.02
# Age span of an unrestricted audience: 13-65+, the range Meta and TikTok ads accept.
FULL_AGE_SPAN = 52.0

CATEGORICAL_FEATURES = ("platform", "content_type", "segment")
NUMERIC_FEATURES = (
    "text_length",
    "media_count",
    "hashtag_count",
    "weekday",
    "hour",
    "month",
    "post_age_hours",
    "organic_velocity",
    "engagement_rate",
    "engagement_vs_account_median",
    "targeting_breadth",
    "age_span",
    "n_interests",
    "n_locations",
    "budget_cents",
    "duration_days",
    "account_past_roi",
    "account_past_boosts",
)
FEATURE_NAMES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
TARGETS = ("reach", "conversions", "roi")
LABEL_NAMES = TARGETS + (
    "conversion_rate", "cost_per_result", "reach_lift", "engagement_lift", "success", "spend_cents", "value_cents"
)
# Fields whose absence lowers completeness (the optional ones; the targets are required separately).
TRACKED_FIELDS = (
    "content_type",
    "text_length",
    "media_count",
    "hashtag_count",
    "organic_velocity",
    "engagement_rate",
    "engagement_vs_account_median",
    "segment",
    "age_span",
    "reach",
    "conversions",
    "roi",
    "conversion_rate",
    "reach_lift",
    "engagement_lift",
)


@dataclass(frozen=True)
class OrganicPoint:
    """The post's lifetime organic totals as of ``captured_at``."""

    captured_at: datetime
    impressions: int
    engagements: int
    reach: int


@dataclass(frozen=True)
class BoostOutcome:
    """What a finished boost did (from its last performance snapshot)."""

    spend_cents: int
    paid_impressions: int
    paid_clicks: int
    conversions: float
    conversion_value_cents: int
    incremental_reach: int
    organic_reach_end: int | None = None
    engagements_gained: int | None = None  # organic + paid engagements during the boost window
    baseline_engagements: float | None = None  # counterfactual engagements in the window, if estimated


@dataclass(frozen=True)
class BoostRecord:
    """One boost (finished, running, or only planned) and the post it promoted."""

    boost_id: str
    account_id: str
    platform: str
    content_type: str | None
    text_length: int | None
    media_count: int | None
    hashtag_count: int | None
    published_at: datetime
    boosted_at: datetime
    budget_cents: int
    duration_days: int
    targeting: Mapping | None = None
    organic_series: Sequence[OrganicPoint] = ()  # the post's organic points (only those <= boosted_at count)
    ended_at: datetime | None = None  # None: not finished (or planned)
    outcome: BoostOutcome | None = None


@dataclass(frozen=True)
class TrainingRow:
    boost_id: str
    boosted_at: datetime
    features: dict
    labels: dict
    completeness: float
    consistency: float
    quality_score: float
    is_training_ready: bool
    failed_checks: tuple[str, ...]


@dataclass(frozen=True)
class TrainingSet:
    rows: tuple[TrainingRow, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> tuple[TrainingRow, ...]:
        return tuple(r for r in self.rows if r.is_training_ready)


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def roi(value_cents: float, spend_cents: float) -> float | None:
    """ROI = (value - spend) / spend [fraction]; ``None`` when nothing was spent."""
    if spend_cents is None or spend_cents <= 0:
        return None
    return (float(value_cents) - float(spend_cents)) / float(spend_cents)


def targeting_breadth(targeting: Mapping | None) -> float:
    """How much of the platform's audience a targeting allows, in [0, 1] (1 = untargeted).

    breadth = (age span / 52) x (genders allowed / 2) x interest factor, where the interest factor is 1
    without interests and min(1, 0.25 x n_interests) with them (interests narrow to people who share at
    least one; each extra interest widens the union, four or more approaching the untargeted audience).
    Locations are not in the product: the locations a workspace picks are its market, not a narrowing.
    A rule, not a measured audience size (platforms' reach estimates are not available offline).
    """
    if not targeting:
        return 1.0
    age_min = targeting.get("age_min")
    age_max = targeting.get("age_max")
    span = FULL_AGE_SPAN if age_min is None or age_max is None else max(0.0, float(age_max) - float(age_min))
    age_f = min(1.0, span / FULL_AGE_SPAN)
    genders = targeting.get("genders") or []
    gender_f = 1.0 if not genders else min(1.0, len(set(genders)) / 2.0)
    interests = targeting.get("interests") or []
    interest_f = 1.0 if not interests else min(1.0, 0.25 * len(interests))
    return age_f * gender_f * interest_f


def _local(t: datetime, tz: ZoneInfo) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: times must be timezone-aware UTC")
    return t.astimezone(tz)


def organic_state(series: Sequence[OrganicPoint], at: datetime, published_at: datetime) -> dict:
    """Impressions, engagements, reach at ``at`` (last point at or before it) and the velocity rule above."""
    pts = sorted((p for p in series if p.captured_at <= at), key=lambda p: p.captured_at)
    if not pts:
        return {"impressions": None, "engagements": None, "reach": None, "velocity": None}
    last = pts[-1]
    window_start = at - timedelta(hours=VELOCITY_WINDOW_H)
    earlier = [p for p in pts if p.captured_at <= window_start]
    if earlier:
        ref = earlier[-1]
        hours = (last.captured_at - ref.captured_at).total_seconds() / 3600.0
        velocity = (last.impressions - ref.impressions) / hours if hours > 0 else None
    else:
        age_h = (last.captured_at - published_at).total_seconds() / 3600.0
        velocity = last.impressions / age_h if age_h > 0 else None
    return {
        "impressions": last.impressions,
        "engagements": last.engagements,
        "reach": last.reach,
        "velocity": velocity,
    }


@dataclass(frozen=True)
class AccountHistory:
    """What was known about each account at a point in time: finished boosts' ROI and posts' engagement.

    ``boosts``: account -> [(ended_at, roi)]; ``posts``: account -> [(post_key, published_at, lifetime
    organic engagements)]. Look-ups take the time and only see what ended / was published before it.
    """

    boosts: Mapping[str, Sequence[tuple[datetime, float]]] = field(default_factory=dict)
    posts: Mapping[str, Sequence[tuple[str, datetime, float]]] = field(default_factory=dict)

    def past_roi(self, account_id: str, before: datetime) -> tuple[float | None, int]:
        vals = [r for (ended, r) in self.boosts.get(account_id, ()) if ended <= before and r is not None]
        return (statistics.fmean(vals) if vals else None), len(vals)

    def median_engagements(self, account_id: str, before: datetime, exclude: str | None) -> float | None:
        vals = [er for (key, pub, er) in self.posts.get(account_id, ()) if pub < before and key != exclude]
        return statistics.median(vals) if vals else None


def history_from_records(
    records: Sequence[BoostRecord], extra_posts: Mapping[str, Sequence[tuple[str, datetime, float]]] | None = None
) -> AccountHistory:
    """Account history built from the boosts themselves (their ROI once ended) plus other posts' rates."""
    boosts: dict[str, list] = defaultdict(list)
    for r in records:
        if r.ended_at is not None and r.outcome is not None:
            value = roi(r.outcome.conversion_value_cents, r.outcome.spend_cents)
            if value is not None:
                boosts[r.account_id].append((r.ended_at, value))
    return AccountHistory(boosts=dict(boosts), posts=dict(extra_posts or {}))


def boost_features(record: BoostRecord, history: AccountHistory, timezone: str, post_key: str | None = None) -> dict:
    """The feature dict of one boost (finished or planned); see the module docstring for each field."""
    tz = ZoneInfo(timezone)
    local = _local(record.boosted_at, tz)
    org = organic_state(record.organic_series, record.boosted_at, record.published_at)
    eng_rate = None
    if org["impressions"]:
        eng_rate = org["engagements"] / org["impressions"]
    median_eng = history.median_engagements(record.account_id, record.boosted_at, post_key)
    vs_median = org["engagements"] / median_eng if (org["engagements"] is not None and median_eng) else None
    past_roi, past_n = history.past_roi(record.account_id, record.boosted_at)
    t = record.targeting or {}
    age_span = None
    if t.get("age_min") is not None and t.get("age_max") is not None:
        age_span = float(t["age_max"]) - float(t["age_min"])
    elif record.targeting is not None:
        age_span = FULL_AGE_SPAN
    return {
        "platform": str(record.platform),
        "content_type": None if record.content_type is None else str(record.content_type),
        "segment": t.get("segment") or ("BROAD" if record.targeting is not None else None),
        "text_length": record.text_length,
        "media_count": record.media_count,
        "hashtag_count": record.hashtag_count,
        "weekday": local.weekday(),
        "hour": local.hour,
        "month": local.month,
        "post_age_hours": max(0.0, (record.boosted_at - record.published_at).total_seconds() / 3600.0),
        "organic_velocity": _finite(org["velocity"]),
        "engagement_rate": _finite(eng_rate),
        "engagement_vs_account_median": _finite(vs_median),
        "targeting_breadth": targeting_breadth(record.targeting),
        "age_span": age_span,
        "n_interests": len(t.get("interests") or []),
        "n_locations": len(t.get("locations") or []),
        "budget_cents": int(record.budget_cents),
        "duration_days": int(record.duration_days),
        "account_past_roi": _finite(past_roi),
        "account_past_boosts": past_n,
    }


def boost_labels(outcome: BoostOutcome | None) -> dict:
    """The label dict of a finished boost; every label ``None`` without an outcome."""
    if outcome is None:
        return {k: None for k in LABEL_NAMES}
    o = outcome
    r = roi(o.conversion_value_cents, o.spend_cents)
    conv_rate = o.conversions / o.paid_clicks if o.paid_clicks > 0 else None
    cpr = o.spend_cents / o.conversions if o.conversions > 0 else None
    reach_lift = o.incremental_reach / o.organic_reach_end if o.organic_reach_end else None
    eng_lift = None
    if o.engagements_gained is not None and o.baseline_engagements and o.baseline_engagements > 0:
        eng_lift = o.engagements_gained / o.baseline_engagements - 1.0
    success = None
    if r is not None:
        success = int(r > 0 and o.incremental_reach > 0)
    return {
        "reach": int(o.incremental_reach),
        "conversions": float(o.conversions),
        "roi": _finite(r),
        "conversion_rate": _finite(conv_rate),
        "cost_per_result": _finite(cpr),
        "reach_lift": _finite(reach_lift),
        "engagement_lift": _finite(eng_lift),
        "success": success,
        "spend_cents": int(o.spend_cents),
        "value_cents": int(o.conversion_value_cents),
    }


def consistency_checks(record: BoostRecord) -> dict[str, bool]:
    """Each written consistency rule and whether the record passes it."""
    o = record.outcome
    org = sorted((p for p in record.organic_series if p.captured_at <= record.boosted_at), key=lambda p: p.captured_at)
    checks = {
        "boosted_after_published": record.boosted_at >= record.published_at,
        "budget_positive": record.budget_cents > 0,
        "ended_after_boosted": record.ended_at is None or record.ended_at > record.boosted_at,
        "organic_reach_within_impressions": all(p.reach <= p.impressions for p in org),
        "organic_series_non_decreasing": all(
            b.impressions >= a.impressions and b.engagements >= a.engagements
            for a, b in zip(org, org[1:])
        ),
    }
    if o is not None:
        checks.update(
            {
                "spend_positive": o.spend_cents > 0,
                "spend_within_budget": o.spend_cents <= record.budget_cents * SPEND_TOLERANCE,
                "clicks_within_impressions": o.paid_clicks <= o.paid_impressions,
                "non_negative_outcomes": min(o.conversions, o.conversion_value_cents, o.incremental_reach) >= 0,
            }
        )
    return checks


def build_training_rows(
    records: Sequence[BoostRecord],
    timezone: str,
    *,
    history: AccountHistory | None = None,
    post_keys: Mapping[str, str] | None = None,
) -> TrainingSet:
    """One :class:`TrainingRow` per record, ordered by boost start (the time order the model splits on).

    ``history`` defaults to the history built from ``records`` themselves (past ROI only); pass one with
    ``posts`` to get the engagement-vs-median feature. ``post_keys`` maps boost id -> post key so that the
    post itself is excluded from its account's median.
    """
    history = history if history is not None else history_from_records(records)
    post_keys = post_keys or {}
    rows = []
    for rec in sorted(records, key=lambda r: (r.boosted_at, r.boost_id)):
        feats = boost_features(rec, history, timezone, post_keys.get(rec.boost_id))
        labels = boost_labels(rec.outcome if rec.ended_at is not None else None)
        merged = {**feats, **labels}
        completeness = sum(merged.get(k) is not None for k in TRACKED_FIELDS) / len(TRACKED_FIELDS)
        checks = consistency_checks(rec)
        consistency = sum(checks.values()) / len(checks)
        failed = tuple(sorted(k for k, ok in checks.items() if not ok))
        ready = (
            rec.ended_at is not None
            and rec.outcome is not None
            and all(labels[t] is not None for t in TARGETS)
            and not failed
            and completeness >= READY_MIN_COMPLETENESS
        )
        rows.append(
            TrainingRow(
                boost_id=rec.boost_id,
                boosted_at=rec.boosted_at,
                features=feats,
                labels=labels,
                completeness=completeness,
                consistency=consistency,
                quality_score=completeness * consistency,
                is_training_ready=bool(ready),
                failed_checks=failed,
            )
        )
    return TrainingSet(rows=tuple(rows))


def model_inputs(rows: Sequence[TrainingRow]) -> tuple[list[dict], list[list[float]]]:
    """(feature dicts, target rows in ``TARGETS`` order) of the training-ready rows, in time order."""
    ready = [r for r in rows if r.is_training_ready]
    return [r.features for r in ready], [[float(r.labels[t]) for t in TARGETS] for r in ready]

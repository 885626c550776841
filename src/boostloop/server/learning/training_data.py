"""The weekly training-data job: one ``boost_ml_training_data`` row per finished boost, rebuilt in place.

Outcomes come from the boost's latest performance snapshot when the effectiveness job wrote one (its
attributed value and estimated incremental reach); otherwise from the campaign's summed delivery rows and
the platform's unique organic+paid reach (``total_reach - reach`` at the post's last capture before the
boost ended: the people only the paid delivery reached). A platform that reports neither leaves the reach
label missing, and the row is then not training-ready.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from boostloop.analytics.learning.features import (
    AccountHistory,
    BoostOutcome,
    BoostRecord,
    OrganicPoint,
    build_training_rows,
    history_from_records,
)
from boostloop.errors import NotFound
from boostloop.server.db.models import BoostCampaign, BoostMlTrainingData, SocialPost
from boostloop.server.learning import repository as repo


@dataclass(frozen=True)
class TrainingDataResult:
    created: int
    updated: int
    training_ready: int
    mean_quality: float


def _outcome(boost: BoostCampaign, snap, totals: dict | None, series: list) -> BoostOutcome | None:
    end = boost.ended_at
    before_end = [p for p in series if end is None or p[0] <= end]
    start = [p for p in series if p[0] <= boost.boosted_at]
    organic_reach_end = before_end[-1][3] if before_end else None
    eng_gained = (before_end[-1][2] - (start[-1][2] if start else 0)) if before_end else None
    if snap is not None:
        value = snap.attributed_value_cents or snap.paid_conversion_value_cents
        return BoostOutcome(
            spend_cents=int(snap.paid_spend_cents),
            paid_impressions=int(snap.paid_impressions),
            paid_clicks=int(snap.paid_clicks),
            conversions=float(snap.paid_conversions),
            conversion_value_cents=int(value),
            incremental_reach=int(snap.incremental_reach),
            organic_reach_end=organic_reach_end,
            engagements_gained=eng_gained,
        )
    if totals is None:
        return None
    inc_reach = None
    if before_end and before_end[-1][4] is not None:
        inc_reach = max(0, int(before_end[-1][4]) - int(before_end[-1][3]))
    if inc_reach is None:
        return None  # reach unknown: no outcome row can carry all three targets
    return BoostOutcome(
        spend_cents=totals["spend_cents"],
        paid_impressions=totals["impressions"],
        paid_clicks=totals["clicks"],
        conversions=float(totals["conversions"]),
        conversion_value_cents=totals["value_cents"],
        incremental_reach=inc_reach,
        organic_reach_end=organic_reach_end,
        engagements_gained=eng_gained,
    )


def boost_records(session: Session, workspace_id: uuid.UUID, now: datetime) -> tuple[list[BoostRecord], AccountHistory, dict]:
    """Every boost of the workspace as a ``BoostRecord`` (outcome only when finished by ``now``), the
    account history (finished boosts' ROI, posts' engagement rates) and boost id -> post key."""
    boosts = repo.boosts(session, workspace_id)
    post_ids = {b.original_post_id for b in boosts if b.original_post_id is not None}
    posts = repo.posts_by_id(session, workspace_id, post_ids)
    series = repo.organic_series(session, workspace_id, post_ids)
    snaps = repo.latest_snapshots(session, workspace_id)
    totals = repo.campaign_totals(session, workspace_id, {b.campaign_id for b in boosts if b.campaign_id})
    records, keys = [], {}
    for b in boosts:
        post = posts.get(b.original_post_id)
        if post is None:
            continue
        s = series.get(post.id, [])
        finished = b.status in repo.FINISHED and b.ended_at is not None and b.ended_at <= now
        outcome = _outcome(b, snaps.get(b.id), totals.get(b.campaign_id), s) if finished else None
        records.append(_record(b, post, s, outcome if finished else None, b.ended_at if finished else None))
        keys[str(b.id)] = str(post.id)
    rates = repo.latest_engagements(session, workspace_id)
    all_posts = repo.posts_by_id(session, workspace_id)
    by_account: dict[str, list] = defaultdict(list)
    for pid, rate in rates.items():
        p = all_posts.get(pid)
        if p is not None:
            by_account[str(p.account_id)].append((str(pid), p.published_at, rate))
    history = history_from_records(records, by_account)
    return records, history, keys


def light_context(session: Session, workspace_id: uuid.UUID) -> tuple[list[BoostCampaign], dict, AccountHistory]:
    """What recommendations need without re-reading every boost's outcome: the boosts, their posts, and the
    account history taken from the stored training rows (ROI of finished boosts) and posts' engagements."""
    boosts = repo.boosts(session, workspace_id)
    by_id = {b.id: b for b in boosts}
    all_posts = repo.posts_by_id(session, workspace_id)
    past: dict[str, list] = defaultdict(list)
    for row, _ in repo.training_rows(session, workspace_id):
        b = by_id.get(row.boost_campaign_id)
        post = all_posts.get(b.original_post_id) if b is not None else None
        if post is not None and b.ended_at is not None and row.labels.get("roi") is not None:
            past[str(post.account_id)].append((b.ended_at, float(row.labels["roi"])))
    by_account: dict[str, list] = defaultdict(list)
    for pid, eng in repo.latest_engagements(session, workspace_id).items():
        p = all_posts.get(pid)
        if p is not None:
            by_account[str(p.account_id)].append((str(pid), p.published_at, eng))
    return boosts, all_posts, AccountHistory(boosts=dict(past), posts=dict(by_account))


def record_of(b: BoostCampaign, post: SocialPost, series: list) -> BoostRecord:
    """A running boost as a record (no outcome), for its features."""
    return _record(b, post, series, None, None)


def _record(b: BoostCampaign, post: SocialPost, s: list, outcome: BoostOutcome | None, ended_at) -> BoostRecord:  # noqa: ANN001
    return BoostRecord(
        boost_id=str(b.id),
        account_id=str(post.account_id),
        platform=str(b.platform),
        content_type=str(post.content_type),
        text_length=post.text_length,
        media_count=post.media_count,
        hashtag_count=post.hashtag_count,
        published_at=post.published_at,
        boosted_at=b.boosted_at,
        budget_cents=int(b.initial_budget_cents),
        duration_days=int(b.duration_days),
        targeting=b.targeting_criteria,
        organic_series=tuple(OrganicPoint(t, i, e, r) for (t, i, e, r, _tr) in s),
        ended_at=ended_at,
        outcome=outcome,
    )


def build_training_data(session: Session, workspace_id: uuid.UUID, now: datetime) -> TrainingDataResult:
    """Rebuild the training row of every boost finished by ``now`` (update in place, never duplicate)."""
    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    records, history, keys = boost_records(session, workspace_id, now)
    rows = build_training_rows(records, ws.timezone, history=history, post_keys=keys)
    existing = repo.training_rows_by_boost(session, workspace_id)
    finished = {r.boost_id for r in records if r.ended_at is not None}
    created = updated = ready = 0
    qualities = []
    for r in rows.rows:
        if r.boost_id not in finished:
            continue
        bid = uuid.UUID(r.boost_id)
        row = existing.get(bid)
        if row is None:
            row = BoostMlTrainingData(workspace_id=workspace_id, boost_campaign_id=bid)
            session.add(row)
            created += 1
        else:
            updated += 1
        row.features = r.features
        row.labels = r.labels | {"failed_checks": list(r.failed_checks)}
        row.data_quality_score = float(r.quality_score)
        row.is_training_ready = bool(r.is_training_ready)
        row.aggregated_at = now
        ready += int(r.is_training_ready)
        qualities.append(r.quality_score)
    session.flush()
    return TrainingDataResult(created, updated, ready, float(sum(qualities) / len(qualities)) if qualities else 0.0)

"""Insight use cases: build the detectors' input from the database, run them, store the survivors
without duplicating a live insight, list them (top five first) and acknowledge them.

Services never commit: the caller's ``session_scope`` does.

Where each number comes from:
- a boost's outcome (spend, impressions, clicks, conversions, value) is the sum of its campaign's delivery
  rows (``ad_campaign_metrics``, the platform's own report) from ``boosted_at`` to the period end, one
  granularity per campaign (hourly rows when there are any, else daily); a boost without campaign rows
  falls back to its latest performance snapshot (cumulative paid figures);
- its start weekday and hour are ``boosted_at`` in the workspace's time zone;
- its history for anomalies is its snapshots (cumulative) when it has at least two, else the running sum
  of its campaign's rows;
- organic engagement over the last 7 days of a post is its lifetime engagements at its latest capture at
  or before the period end minus those at its latest capture at or before 7 days earlier (0 before the
  first capture), over the posts with a capture in those 7 days.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from boostloop.analytics.insights import (
    BoostOutcome,
    InsightInput,
    InsightReport,
    OrganicPost,
    SnapshotPoint,
    generate_insights,
)
from boostloop.enums import BoostStatus, InsightCategory, InsightSeverity, MetricGranularity
from boostloop.errors import FieldError, InvalidInput, NotFound
from boostloop.server.db.models import BoostInsight
from boostloop.server.insights import repository as repo
from boostloop.server.insights.schemas import GenerateSummary

DEFAULT_PERIOD_DAYS = 90
ORGANIC_WINDOW = timedelta(days=7)
# "Still spending": delivery in the last 24 hours of the period (one day of pacing).
RECENT = timedelta(hours=24)
TOP = 5


@dataclass(frozen=True)
class GenerateResult:
    summary: GenerateSummary
    created: list[BoostInsight]
    report: InsightReport


def _age_band(t: dict) -> str | None:
    if t.get("age_min") is None and t.get("age_max") is None:
        return None
    return f"{t.get('age_min', '')}-{t.get('age_max', '')}"


def build_input(
    session: Session, workspace_id: uuid.UUID, *, period_end: datetime, period_days: int = DEFAULT_PERIOD_DAYS
) -> InsightInput:
    """The detectors' input for the boosts started in ``[period_end - period_days, period_end]``."""

    workspace = repo.get_workspace(session, workspace_id)
    if workspace is None:
        raise NotFound(f"workspace {workspace_id} not found")
    errors = []
    if period_end.tzinfo is None:
        errors.append(FieldError(("period_end",), "must be timezone-aware"))
    if period_days < 1:
        errors.append(FieldError(("period_days",), "must be >= 1", period_days))
    if errors:
        raise InvalidInput(errors=errors)
    end = period_end.astimezone(UTC)
    start = end - timedelta(days=period_days)
    tz = ZoneInfo(workspace.timezone)
    pairs = repo.boosts_started_between(session, workspace_id, start, end)
    boost_ids = [b.id for b, _ in pairs]
    campaign_ids = sorted({b.campaign_id for b, _ in pairs if b.campaign_id is not None})

    by_campaign: dict[uuid.UUID, list] = defaultdict(list)
    for m in repo.campaign_metrics(session, workspace_id, campaign_ids, end):
        by_campaign[m.campaign_id].append(m)
    snaps_by_boost: dict[uuid.UUID, list] = defaultdict(list)
    for s in repo.snapshots(session, workspace_id, boost_ids, end):
        snaps_by_boost[s.boost_campaign_id].append(s)

    outcomes: list[BoostOutcome] = []
    histories: list[SnapshotPoint] = []
    for boost, post in pairs:
        rows = [m for m in by_campaign.get(boost.campaign_id, []) if m.period_start >= boost.boosted_at]
        if any(m.granularity == MetricGranularity.HOUR for m in rows):
            rows = [m for m in rows if m.granularity == MetricGranularity.HOUR]
        snaps = snaps_by_boost.get(boost.id, [])
        if rows:
            spend = sum(m.spend_cents for m in rows)
            imps = sum(m.impressions for m in rows)
            clicks = sum(m.clicks for m in rows)
            conv = sum(m.conversions for m in rows)
            value = sum(m.conversion_value_cents for m in rows)
            recent = sum(m.spend_cents for m in rows if m.period_start >= end - RECENT)
        elif snaps:
            last = snaps[-1]
            spend, imps, clicks = last.paid_spend_cents, last.paid_impressions, last.paid_clicks
            conv, value = last.paid_conversions, last.paid_conversion_value_cents
            before = [s for s in snaps if s.snapshot_at <= end - RECENT]
            recent = spend - (before[-1].paid_spend_cents if before else 0)
        else:
            spend = imps = clicks = conv = value = recent = 0
        local = boost.boosted_at.astimezone(tz)
        t = boost.targeting_criteria or {}
        active = boost.status == BoostStatus.ACTIVE and (boost.ended_at is None or boost.ended_at > end)
        outcomes.append(
            BoostOutcome(
                boost_id=str(boost.id),
                weekday=local.weekday(),
                hour=local.hour,
                platform=boost.platform.value,
                content_type=post.content_type.value if post is not None else "UNKNOWN",
                spend_cents=int(spend),
                impressions=int(imps),
                clicks=int(min(clicks, imps)),
                conversions=int(conv),
                value_cents=int(value),
                budget_cents=int(boost.initial_budget_cents),
                segment=t.get("segment") or None,
                age_band=_age_band(t),
                interests=tuple(str(x) for x in t.get("interests") or ()),
                locations=tuple(str(x) for x in t.get("locations") or ()),
                active=active,
                recent_spend_cents=int(max(recent, 0)),
            )
        )
        if len(snaps) >= 2:
            for s in snaps:
                histories.append(
                    SnapshotPoint(
                        str(boost.id),
                        (s.snapshot_at - boost.boosted_at).total_seconds() / 3600,
                        s.paid_spend_cents,
                        s.paid_impressions,
                        s.paid_clicks,
                        s.paid_conversions,
                    )
                )
        elif rows:
            cum = [0, 0, 0, 0]
            for m in rows:
                cum = [
                    cum[0] + m.spend_cents,
                    cum[1] + m.impressions,
                    cum[2] + m.clicks,
                    cum[3] + m.conversions,
                ]
                width = 1.0 if m.granularity == MetricGranularity.HOUR else 24.0
                hours = (m.period_start - boost.boosted_at).total_seconds() / 3600 + width
                histories.append(
                    SnapshotPoint(str(boost.id), hours, cum[0], cum[1], min(cum[2], cum[1]), cum[3])
                )

    organic = organic_posts(session, workspace_id, end)
    return InsightInput(
        boosts=tuple(outcomes),
        period_start=start,
        period_end=end,
        snapshots=tuple(histories),
        organic_posts=tuple(organic),
        target_marginal_roas=float(workspace.target_marginal_roas),
        currency=workspace.currency,
    )


def organic_posts(session: Session, workspace_id: uuid.UUID, end: datetime) -> list[OrganicPost]:
    posts = repo.posts_captured_between(session, workspace_id, end - ORGANIC_WINDOW, end)
    if not posts:
        return []
    ids = [p.id for p in posts]
    now = repo.organic_totals_at(session, workspace_id, end, ids)
    before = repo.organic_totals_at(session, workspace_id, end - ORGANIC_WINDOW, ids)
    boosted = repo.boosted_post_ids(session, workspace_id)
    out = []
    for p in posts:
        e1, i1 = now.get(p.id, (0, 0))
        e0, i0 = before.get(p.id, (0, 0))
        out.append(
            OrganicPost(
                str(p.id),
                p.platform.value,
                p.content_type.value,
                max(e1 - e0, 0),
                max(i1 - i0, 0),
                boosted=p.id in boosted,
            )
        )
    return out


def generate_and_store(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    now: datetime | None = None,
    period_days: int = DEFAULT_PERIOD_DAYS,
    seed: int = 0,
    alpha: float = 0.05,
    families: str = "all",
) -> GenerateResult:
    """Run the detectors over the period ending ``now`` and store every surviving insight that is not
    already live (an unacknowledged insight of the workspace with the same fingerprint)."""

    end = now or datetime.now(UTC)
    data = build_input(session, workspace_id, period_end=end, period_days=period_days)
    report = generate_insights(data, alpha=alpha, seed=seed, families=families)
    live = repo.live_fingerprints(session, workspace_id, (i.fingerprint for i in report.insights))
    rows = [
        BoostInsight(
            workspace_id=workspace_id,
            insight_type=i.insight_type,
            category=i.category,
            severity=i.severity,
            title=i.title,
            description=i.description,
            visualization=i.visualization,
            data_points=i.data_points,
            comparison_metrics=i.comparison_metrics,
            actionable=i.actionable,
            suggested_actions=list(i.suggested_actions),
            impact=float(i.impact),
            fingerprint=i.fingerprint,
            period_start=i.period_start,
            period_end=i.period_end,
        )
        for i in report.insights
        if i.fingerprint not in live
    ]
    repo.add_insights(session, rows)
    summary = GenerateSummary(
        period_start=data.period_start,
        period_end=data.period_end,
        boosts_analysed=len(data.boosts),
        tests=report.n_tests,
        significant=report.n_significant,
        created=len(rows),
        already_live=len(report.insights) - len(rows),
        created_ids=[r.id for r in rows],
    )
    return GenerateResult(summary=summary, created=rows, report=report)


def list_insights(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    category: InsightCategory | None = None,
    severity: InsightSeverity | None = None,
    acknowledged: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[BoostInsight], int, list[BoostInsight]]:
    """(page, total, top five): all ordered by severity (CRITICAL first), then impact, then newest."""

    page, total = repo.list_insights(
        session,
        workspace_id,
        category=category,
        severity=severity,
        acknowledged=acknowledged,
        limit=limit,
        offset=offset,
    )
    top = (
        page[:TOP]
        if offset == 0
        else repo.list_insights(
            session, workspace_id, category=category, severity=severity, acknowledged=acknowledged, limit=TOP
        )[0]
    )
    return page, total, top


def acknowledge(
    session: Session, workspace_id: uuid.UUID, insight_id: uuid.UUID, *, by: str, at: datetime | None = None
) -> BoostInsight:
    """Mark an insight acknowledged by ``by`` at ``at`` (now). Idempotent: acknowledging again keeps the first
    who and when. Another workspace's insight is not found."""

    if not by or len(by) > 64:
        raise InvalidInput(errors=[FieldError(("acknowledged_by",), "1 to 64 characters")])
    insight = repo.get_insight(session, workspace_id, insight_id)
    if insight is None:
        raise NotFound(f"insight {insight_id} not found")
    if not insight.acknowledged:
        insight.acknowledged = True
        insight.acknowledged_by = by
        insight.acknowledged_at = at or datetime.now(UTC)
        session.flush()
    return insight

"""What to notify, once each, with retries.

Subjects: insights of severity HIGH or CRITICAL, and PENDING recommendations with priority <=
``BOOSTLOOP_NOTIFY_MAX_PRIORITY`` (default 2; priority 1 is the highest of 1-5), created after the
channel was (a new channel does not replay history).

``collect`` adds one ``notification_deliveries`` row per (channel, subject) (unique: once each);
``deliver_due`` sends the rows that are due. A failed send is retried after 1, 2, 4 and 8 minutes
(exponential backoff, 5 attempts in ~15 minutes: long enough to ride out a receiver restart, short enough
that a HIGH insight still arrives the same morning), then the row is FAILED with the last error.
Delivery is at-least-once: a process killed after a send and before its commit sends again, with the same
``X-Boostloop-Delivery`` id (derived from channel and subject) so receivers can drop the duplicate.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import InsightSeverity, RecommendationStatus
from boostloop.errors import FieldError, InvalidInput, NotFound
from boostloop.server.db.models import (
    BoostInsight,
    BoostRecommendation,
    NotificationChannel,
    NotificationDelivery,
)
from boostloop.server.notifications import senders
from boostloop.server.observability import metrics
from boostloop.server.settings import Settings, get_settings

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
KINDS = ("WEBHOOK", "EMAIL")
_NS = uuid.UUID("8c1d3a55-5b0e-4c4b-9d0a-6f3f5b7e2a10")


def delivery_id(channel_id: uuid.UUID, subject_type: str, subject_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{channel_id}:{subject_type}:{subject_id}")


def _check(kind: str, url: str | None, recipients: list[str] | None) -> None:
    errors = []
    if kind not in KINDS:
        errors.append(FieldError(("kind",), "WEBHOOK or EMAIL"))
    if kind == "WEBHOOK":
        parsed = urlparse(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors.append(FieldError(("url",), "an http(s) URL"))
    if kind == "EMAIL":
        if not recipients:
            errors.append(FieldError(("recipients",), "at least one address"))
        for i, r in enumerate(recipients or []):
            if "@" not in r or any(c.isspace() for c in r):
                errors.append(FieldError(("recipients", i), "not an e-mail address"))
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid notification channel")


def create_channel(session: Session, workspace_id: uuid.UUID, *, kind: str, name: str = "",
                   url: str | None = None, recipients: list[str] | None = None) -> NotificationChannel:
    _check(kind, url, recipients)
    ch = NotificationChannel(
        workspace_id=workspace_id, kind=kind, name=name, url=url if kind == "WEBHOOK" else None,
        secret=secrets.token_urlsafe(32) if kind == "WEBHOOK" else None,
        recipients=recipients if kind == "EMAIL" else None, enabled=True, created_at=datetime.now(UTC),
    )
    session.add(ch)
    session.flush()
    return ch


def list_channels(session: Session, workspace_id: uuid.UUID) -> list[NotificationChannel]:
    return list(session.scalars(sa.select(NotificationChannel).where(NotificationChannel.workspace_id == workspace_id)
                                .order_by(NotificationChannel.created_at)))


def get_channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> NotificationChannel:
    ch = session.scalar(sa.select(NotificationChannel).where(
        NotificationChannel.workspace_id == workspace_id, NotificationChannel.id == channel_id))
    if ch is None:
        raise NotFound(f"notification channel {channel_id} not found")
    return ch


def update_channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID, changes: dict[str, Any]) -> NotificationChannel:
    ch = get_channel(session, workspace_id, channel_id)
    changes = {k: v for k, v in changes.items() if v is not None or k in ("url", "recipients")}
    _check(ch.kind, changes.get("url", ch.url), changes.get("recipients", ch.recipients))
    for k, v in changes.items():
        setattr(ch, k, v)
    session.flush()
    return ch


def delete_channel(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> None:
    session.delete(get_channel(session, workspace_id, channel_id))
    session.flush()


def list_deliveries(session: Session, workspace_id: uuid.UUID, *, status: str | None = None,
                    limit: int = 100) -> list[NotificationDelivery]:
    q = sa.select(NotificationDelivery).where(NotificationDelivery.workspace_id == workspace_id)
    if status:
        q = q.where(NotificationDelivery.status == status)
    return list(session.scalars(q.order_by(NotificationDelivery.created_at.desc()).limit(limit)))


def _insight_payload(ins: BoostInsight) -> tuple[str, str, dict]:
    title = f"[Boostloop] {ins.severity.value} insight: {ins.title}"
    text = f"{ins.description}\n\nCategory: {ins.category.value}. Suggested actions: " \
           f"{'; '.join(map(str, ins.suggested_actions or [])) or 'none'}"
    event = {"event": "insight.created", "id": str(ins.id), "severity": ins.severity.value,
             "category": ins.category.value, "type": ins.insight_type.value, "title": ins.title,
             "description": ins.description, "created_at": ins.created_at.isoformat()}
    return title, text, event


def _recommendation_payload(rec: BoostRecommendation, currency: str) -> tuple[str, str, dict]:
    title = f"[Boostloop] Priority {rec.priority} recommendation: {rec.recommendation_type.value}"
    text = (f"{rec.reason}\n\nBudget {rec.suggested_budget_cents / 100:,.2f} {currency} for "
            f"{rec.suggested_duration_days} days from {rec.suggested_timing.isoformat()}; projected ROI "
            f"{rec.projected_roi:.2f}, confidence {rec.confidence:.0%}.")
    event = {"event": "recommendation.created", "id": str(rec.id), "priority": rec.priority,
             "type": rec.recommendation_type.value, "confidence": rec.confidence,
             "suggested_budget_cents": rec.suggested_budget_cents, "currency": currency,
             "projected_roi": rec.projected_roi, "confidence_interval": rec.confidence_interval,
             "reason": rec.reason, "created_at": rec.created_at.isoformat()}
    return title, text, event


def slack_body(title: str, text: str, event: dict, workspace_id: uuid.UUID) -> dict:
    return {
        "text": title,
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                   {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
        "boostloop": {**event, "workspace_id": str(workspace_id)},
    }


def collect(session: Session, workspace_id: uuid.UUID, now: datetime, settings: Settings) -> int:
    """Queue one delivery per enabled channel for each new subject; returns how many were queued."""
    queued = 0
    channels = [c for c in list_channels(session, workspace_id) if c.enabled]
    if not channels:
        return 0
    from boostloop.server.db.models import Workspace

    currency = session.get(Workspace, workspace_id).currency
    for ch in channels:
        done = set(session.execute(sa.select(NotificationDelivery.subject_type, NotificationDelivery.subject_id)
                                   .where(NotificationDelivery.channel_id == ch.id)).all())
        insights = session.scalars(sa.select(BoostInsight).where(
            BoostInsight.workspace_id == workspace_id, BoostInsight.created_at >= ch.created_at,
            BoostInsight.severity.in_([InsightSeverity.HIGH, InsightSeverity.CRITICAL])))
        recs = session.scalars(sa.select(BoostRecommendation).where(
            BoostRecommendation.workspace_id == workspace_id, BoostRecommendation.created_at >= ch.created_at,
            BoostRecommendation.status == RecommendationStatus.PENDING,
            BoostRecommendation.priority <= settings.notify_max_priority))
        subjects = [("INSIGHT", i.id, _insight_payload(i)) for i in insights] + \
                   [("RECOMMENDATION", r.id, _recommendation_payload(r, currency)) for r in recs]
        for stype, sid, (title, text, event) in subjects:
            if (stype, sid) in done:
                continue
            session.add(NotificationDelivery(
                id=delivery_id(ch.id, stype, sid), workspace_id=workspace_id, channel_id=ch.id,
                subject_type=stype, subject_id=sid, status="PENDING", attempts=0, next_attempt_at=now,
                payload={"title": title, "text": text, "event": event}, created_at=now,
            ))
            queued += 1
    session.flush()
    return queued


def deliver_due(session: Session, workspace_id: uuid.UUID, now: datetime, settings: Settings) -> dict[str, int]:
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    due = list(session.scalars(sa.select(NotificationDelivery).where(
        NotificationDelivery.workspace_id == workspace_id, NotificationDelivery.status == "PENDING",
        NotificationDelivery.next_attempt_at <= now).order_by(NotificationDelivery.created_at)))
    for d in due:
        ch = session.get(NotificationChannel, d.channel_id)
        payload = d.payload or {}
        d.attempts += 1
        d.last_attempt_at = now
        try:
            if not ch.enabled:
                raise senders.DeliveryError("channel disabled")
            if ch.kind == "WEBHOOK":
                d.response_status = senders.post_webhook(
                    ch.url, ch.secret, slack_body(payload["title"], payload["text"], payload["event"], workspace_id),
                    str(d.id), timeout=settings.webhook_timeout_seconds)
            else:
                senders.send_email(settings, list(ch.recipients or []), payload["title"], payload["text"], str(d.id))
            d.status, d.delivered_at, d.last_error, d.next_attempt_at = "DELIVERED", now, None, None
            counts["delivered"] += 1
            metrics.NOTIFICATIONS.labels(channel=ch.kind, outcome="delivered").inc()
        except senders.DeliveryError as exc:
            d.last_error = str(exc)[:2000]
            d.response_status = exc.status
            metrics.NOTIFICATIONS.labels(channel=ch.kind, outcome="error").inc()
            if d.attempts >= MAX_ATTEMPTS:
                d.status, d.next_attempt_at = "FAILED", None
                counts["failed"] += 1
            else:
                d.next_attempt_at = now + BACKOFF_BASE * 2 ** (d.attempts - 1)
                counts["retrying"] += 1
    session.flush()
    return counts


def notify_job(session: Session, workspace_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """The ``notifications`` job body: queue new subjects, then send what is due."""
    settings = get_settings()
    queued = collect(session, workspace_id, now, settings)
    return {"queued": queued, **deliver_due(session, workspace_id, now, settings)}

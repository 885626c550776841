"""HIGH/CRITICAL insights and high-priority recommendations reach webhooks and e-mail once each, with
retries and a delivery log; tested against receivers started on 127.0.0.1."""

from __future__ import annotations

import email
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from boostloop.enums import InsightCategory, InsightSeverity, InsightType, RecommendationType
from boostloop.server.db.models import BoostInsight, BoostRecommendation, NotificationDelivery
from boostloop.server.db.session import session_scope
from boostloop.server.notifications import senders, service
from boostloop.server.settings import Settings
from boostloop.server.workspaces.service import create_workspace
from tests.server.notifications.receivers import SmtpReceiver, WebhookReceiver, free_port

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def ws(engine) -> uuid.UUID:
    with session_scope(engine) as s:
        return create_workspace(s, name="W", slug="w").id


def add_insight(s, ws, severity, title, at):
    i = BoostInsight(workspace_id=ws, insight_type=InsightType.ANOMALY, category=InsightCategory.BUDGET,
                     severity=severity, title=title, description=f"{title} details", data_points={},
                     fingerprint=uuid.uuid4().hex, period_start=at - timedelta(days=7), period_end=at,
                     created_at=at, suggested_actions=["pause boost 7"])
    s.add(i)
    return i


def add_rec(s, ws, priority, at):
    r = BoostRecommendation(
        workspace_id=ws, recommendation_type=RecommendationType.BOOST_HIGH_PERFORMER, confidence=0.8,
        priority=priority, suggested_budget_cents=25_000, suggested_duration_days=5,
        suggested_timing=at + timedelta(days=1), suggested_targeting={}, projected_reach=1000,
        projected_conversions=20, projected_roi=1.8, confidence_interval={"roi": {"low": 1.1, "high": 2.4}},
        reason=f"priority {priority} reason", supporting_data={}, fingerprint=uuid.uuid4().hex,
        expires_at=at + timedelta(days=7), created_at=at)
    s.add(r)
    return r


def settings_for(smtp_port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_from="boostloop@test.local",
                    notify_max_priority=2)


def test_webhook_delivered_once_each_signed_with_retries(engine, ws) -> None:
    settings = settings_for(free_port())
    with WebhookReceiver(plan=[500]) as hook:
        with session_scope(engine) as s:
            ch = service.create_channel(s, ws, kind="WEBHOOK", name="slack", url=hook.url)
            ch.created_at = T0 - timedelta(hours=1)
            secret, ch_id = ch.secret, ch.id
            add_insight(s, ws, InsightSeverity.HIGH, "Budget saturating", T0)
            add_insight(s, ws, InsightSeverity.CRITICAL, "CPA tripled", T0)
            add_insight(s, ws, InsightSeverity.LOW, "Minor", T0)  # not notified
            add_insight(s, ws, InsightSeverity.HIGH, "Before the channel", T0 - timedelta(hours=2))  # not
            rec1 = add_rec(s, ws, 1, T0)
            add_rec(s, ws, 4, T0)  # low priority: not notified
        with session_scope(engine) as s:
            assert service.collect(s, ws, T0, settings) == 3
            counts = service.deliver_due(s, ws, T0, settings)
        assert counts == {"delivered": 2, "retrying": 1, "failed": 0}  # the first POST got a 500
        assert len(hook.requests) == 3
        # the failed one is retried after 1 minute, not before
        with session_scope(engine) as s:
            assert service.deliver_due(s, ws, T0 + timedelta(seconds=59), settings)["delivered"] == 0
            assert service.collect(s, ws, T0 + timedelta(seconds=59), settings) == 0  # nothing new
            assert service.deliver_due(s, ws, T0 + timedelta(minutes=1), settings)["delivered"] == 1
            assert service.deliver_due(s, ws, T0 + timedelta(hours=1), settings) == \
                {"delivered": 0, "retrying": 0, "failed": 0}
        assert len(hook.requests) == 4
    bodies = [json.loads(r["body"]) for r in hook.requests]
    delivered = {}
    for req, body in zip(hook.requests, bodies, strict=True):
        h = req["headers"]
        assert senders.verify(secret, h[senders.TIMESTAMP_HEADER], req["body"], h[senders.SIGNATURE_HEADER])
        assert not senders.verify("wrong-secret", h[senders.TIMESTAMP_HEADER], req["body"], h[senders.SIGNATURE_HEADER])
        assert h["Content-Type"] == "application/json"
        assert body["text"].startswith("[Boostloop]") and body["blocks"][0]["type"] == "header"
        delivered[body["boostloop"]["id"]] = h[senders.DELIVERY_HEADER]
    assert len(delivered) == 3  # three subjects, the retry reused its delivery id
    assert delivered[str(rec1.id)] == str(service.delivery_id(ch_id, "RECOMMENDATION", rec1.id))
    titles = {b["boostloop"].get("title") for b in bodies if b["boostloop"]["event"] == "insight.created"}
    assert titles == {"CPA tripled", "Budget saturating"}
    with session_scope(engine) as s:
        log = s.scalars(sa.select(NotificationDelivery).where(NotificationDelivery.workspace_id == ws)).all()
    assert sorted(d.subject_type for d in log) == ["INSIGHT", "INSIGHT", "RECOMMENDATION"]
    assert {d.status for d in log} == {"DELIVERED"}
    assert sorted(d.attempts for d in log) == [1, 1, 2]  # the one that met the 500 took two
    assert all(d.response_status == 200 for d in log)


def test_undeliverable_webhook_fails_after_five_attempts(engine, ws) -> None:
    settings = settings_for(free_port())
    with session_scope(engine) as s:
        ch = service.create_channel(s, ws, kind="WEBHOOK", url=f"http://127.0.0.1:{free_port()}/nobody")
        ch.created_at = T0 - timedelta(hours=1)
        add_insight(s, ws, InsightSeverity.CRITICAL, "x", T0)
    t = T0
    with session_scope(engine) as s:
        service.collect(s, ws, t, settings)
    waits = []
    for _ in range(5):
        with session_scope(engine) as s:
            service.deliver_due(s, ws, t, settings)
            d = s.scalars(sa.select(NotificationDelivery)).one()
            if d.next_attempt_at:
                waits.append((d.next_attempt_at - t).total_seconds())
                t = d.next_attempt_at
    assert waits == [60, 120, 240, 480]
    assert d.status == "FAILED" and d.attempts == 5 and "ConnectError" in d.last_error


def test_email_delivered_once_through_smtp(engine, ws, monkeypatch) -> None:
    with SmtpReceiver() as smtp:
        settings = settings_for(smtp.port)
        with session_scope(engine) as s:
            ch = service.create_channel(s, ws, kind="EMAIL", recipients=["ana@example.com", "bo@example.com"])
            ch.created_at = T0 - timedelta(hours=1)
            add_insight(s, ws, InsightSeverity.HIGH, "Weekend boosts underperform", T0)
        # through the job body (which reads the global settings)
        monkeypatch.setenv("BOOSTLOOP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("BOOSTLOOP_SMTP_PORT", str(smtp.port))
        from boostloop.server.settings import get_settings

        get_settings.cache_clear()
        try:
            with session_scope(engine) as s:
                counts = service.notify_job(s, ws, T0)
            with session_scope(engine) as s:
                again = service.notify_job(s, ws, T0 + timedelta(minutes=5))
        finally:
            get_settings.cache_clear()
        assert counts == {"queued": 1, "delivered": 1, "retrying": 0, "failed": 0}
        assert again == {"queued": 0, "delivered": 0, "retrying": 0, "failed": 0}
    assert len(smtp.messages) == 1
    m = smtp.messages[0]
    assert m["to"] == ["<ana@example.com>", "<bo@example.com>"]
    msg = email.message_from_string(m["data"])
    assert msg["Subject"] == "[Boostloop] HIGH insight: Weekend boosts underperform"
    assert "pause boost 7" in msg.get_payload()
    assert settings.smtp_port == smtp.port


def test_channel_api_shows_secret_once_and_validates(client, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/notifications"
    h = tenancy.auth("ADMIN")
    r = client.post(f"{base}/channels", json={"kind": "WEBHOOK", "url": "https://hooks.example.com/x"}, headers=h)
    assert r.status_code == 201 and len(r.json()["secret"]) >= 40
    listed = client.get(f"{base}/channels", headers=tenancy.auth("VIEWER")).json()
    assert len(listed) == 1 and "secret" not in listed[0]
    r = client.post(f"{base}/channels", json={"kind": "WEBHOOK", "url": "ftp://x"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["url"]
    r = client.post(f"{base}/channels", json={"kind": "EMAIL", "recipients": ["ok@x.io", "not an address"]},
                    headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["recipients", 1]
    r = client.patch(f"{base}/channels/{listed[0]['id']}", json={"enabled": None, "name": "renamed"}, headers=h)
    assert r.status_code == 200 and r.json()["enabled"] is True and r.json()["name"] == "renamed"
    assert client.get(f"{base}/deliveries", headers=tenancy.auth("VIEWER")).json() == []

"""Transports: a signed webhook POST and an SMTP e-mail.

Webhook request::

    POST <url>
    Content-Type: application/json
    X-Boostloop-Delivery: <delivery id; the same on every retry of one delivery, for de-duplication>
    X-Boostloop-Timestamp: <unix seconds>
    X-Boostloop-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body bytes)>

Verify by recomputing the HMAC over the timestamp, a dot and the raw body with the channel's secret,
comparing in constant time, and refusing timestamps older than 5 minutes (replay). The body is
Slack-compatible (``text`` and ``blocks``, accepted by Slack incoming webhooks) with the structured event
under ``boostloop``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from email.message import EmailMessage

import httpx

SIGNATURE_HEADER = "X-Boostloop-Signature"
TIMESTAMP_HEADER = "X-Boostloop-Timestamp"
DELIVERY_HEADER = "X-Boostloop-Delivery"


class DeliveryError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance_seconds: int = 300) -> bool:
    """What a receiver does (also used by the tests)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((now or time.time()) - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def post_webhook(url: str, secret: str, payload: dict, delivery_id: str, *, timeout: float = 10.0) -> int:
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    ts = int(time.time())
    headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id, TIMESTAMP_HEADER: str(ts),
               SIGNATURE_HEADER: sign(secret, ts, body), "User-Agent": "Boostloop-Webhook/1"}
    try:
        resp = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= resp.status_code < 300:
        raise DeliveryError(f"HTTP {resp.status_code}", status=resp.status_code)
    return resp.status_code


def send_email(settings, recipients: list[str], subject: str, text: str, delivery_id: str) -> None:
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (BOOSTLOOP_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["X-Boostloop-Delivery"] = delivery_id
    msg.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

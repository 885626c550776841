"""Dashboard sessions: an itsdangerous-signed cookie, and a CSRF token bound to the session.

Cookie ``boostloop_session`` (HttpOnly, SameSite=Lax) carries ``{"uid": user id, "sid": random nonce}``
signed with ``BOOSTLOOP_SECRET_KEY`` and a timestamp (expires after ``session_max_age_seconds``).

CSRF: the token is HMAC-SHA256(secret, "csrf:" + sid) (a synchronizer token derived from the session,
so nothing is stored server-side). It is returned by ``POST /api/v1/auth/login`` and also set in the
readable cookie ``boostloop_csrf``; every unsafe request (POST/PUT/PATCH/DELETE) authenticated by the
session cookie must send it in the ``X-CSRF-Token`` header. A cross-site page can make the browser send
the cookie but cannot read either the token or the cookie, so it cannot forge the header (OWASP CSRF
cheat sheet, "signed double-submit cookie"). Bearer-token requests carry no ambient credential and need
no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_COOKIE = "boostloop_session"
CSRF_COOKIE = "boostloop_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SALT = "boostloop.session"


@dataclass(frozen=True)
class SessionData:
    user_id: uuid.UUID
    sid: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def new_session_cookie(secret: str, user_id: uuid.UUID) -> tuple[str, SessionData]:
    data = SessionData(user_id=user_id, sid=secrets.token_urlsafe(16))
    return _serializer(secret).dumps({"uid": str(user_id), "sid": data.sid}), data


def read_session_cookie(secret: str, value: str, max_age: int) -> SessionData | None:
    try:
        raw = _serializer(secret).loads(value, max_age=max_age)
        return SessionData(user_id=uuid.UUID(raw["uid"]), sid=str(raw["sid"]))
    except (BadSignature, SignatureExpired, KeyError, ValueError, TypeError):
        return None


def csrf_token(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, sid: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret, sid), presented or "")

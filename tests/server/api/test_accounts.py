"""Login with argon2 passwords, the session cookie and its CSRF token, API tokens shown once."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from boostloop.server.auth import passwords, sessions
from boostloop.server.db.models import ApiToken, User
from boostloop.server.db.session import session_scope
from tests.server.api.conftest import PASSWORD


def test_passwords_are_argon2id_and_verify() -> None:
    h = passwords.hash_password("a long enough password")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "a long enough password")
    assert not passwords.verify_password(h, "a long enough passwor")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")


def test_production_argon2_parameters() -> None:
    from argon2 import PasswordHasher, extract_parameters

    real = PasswordHasher()  # what passwords.py uses outside the tests
    p = extract_parameters(real.hash("x" * 12))
    assert (p.type.name, p.time_cost, p.memory_cost, p.parallelism) == ("ID", 3, 65536, 4)


def test_login_sets_session_and_csrf_and_unsafe_requests_need_the_header(client, tenancy) -> None:
    r = client.post("/api/v1/auth/login", json={"email": "OWNER@example.com", "password": "wrong password!"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    assert client.cookies.get(sessions.CSRF_COOKIE) == csrf
    set_cookie = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith(sessions.SESSION_COOKIE))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    # reads with the cookie alone
    assert client.get(f"/api/v1/workspaces/{tenancy.a}").json()["role"] == "OWNER"
    # a write without the CSRF header is refused, with a wrong one too, with the right one it passes
    path = f"/api/v1/workspaces/{tenancy.a}"
    r = client.patch(path, json={"name": "X"})
    assert r.status_code == 403 and r.json()["title"] == "CSRF check failed"
    assert client.patch(path, json={"name": "X"}, headers={sessions.CSRF_HEADER: "0" * 64}).status_code == 403
    r = client.patch(path, json={"name": "Renamed"}, headers={sessions.CSRF_HEADER: csrf})
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    # a tampered cookie is no session
    client.cookies.set(sessions.SESSION_COOKIE, client.cookies.get(sessions.SESSION_COOKIE)[:-2] + "xx")
    assert client.get(path).status_code == 401
    # logout clears the cookies
    client.cookies.clear()
    client.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
    r = client.post("/api/v1/auth/logout", headers={sessions.CSRF_HEADER: client.cookies.get(sessions.CSRF_COOKIE)})
    assert r.status_code == 204
    assert client.get(path).status_code == 401


def test_session_expires(client, tenancy, app) -> None:
    cookie, _ = sessions.new_session_cookie(app.state.settings.secret_key, tenancy.users["OWNER"])
    assert sessions.read_session_cookie(app.state.settings.secret_key, cookie, max_age=60) is not None
    assert sessions.read_session_cookie(app.state.settings.secret_key, cookie, max_age=-1) is None
    assert sessions.read_session_cookie("another-secret", cookie, max_age=60) is None


def test_tokens_are_shown_once_stored_as_sha256_and_revocable(client, engine, tenancy) -> None:
    h = tenancy.auth("MEMBER")
    r = client.post("/api/v1/me/tokens", json={"name": "ingest", "workspace_id": str(tenancy.a)}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert token.startswith("blt_") and body["prefix"] == token[:12]
    with session_scope(engine) as s:
        row = s.get(ApiToken, __import__("uuid").UUID(body["id"]))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    listed = client.get("/api/v1/me/tokens", headers=h).json()
    assert {t["id"] for t in listed} >= {body["id"]} and all("token" not in t for t in listed)
    new = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=new).status_code == 200
    assert client.get("/api/v1/me", headers=new).json()["email"] == "member@example.com"
    # another user cannot revoke it (404), its owner can, then it is 401 everywhere
    assert client.delete(f"/api/v1/me/tokens/{body['id']}", headers=tenancy.auth("OWNER")).status_code == 404
    assert client.delete(f"/api/v1/me/tokens/{body['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=new).status_code == 401
    assert client.get("/api/v1/me", headers=new).status_code == 401


def test_deactivated_user_and_malformed_authorization_are_401(client, engine, tenancy) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer blt_nope"}).status_code == 401
    with session_scope(engine) as s:
        s.execute(sa.update(User).where(User.id == tenancy.users["VIEWER"]).values(is_active=False))
    assert client.get("/api/v1/me", headers=tenancy.auth("VIEWER")).status_code == 401


def test_create_workspace_makes_the_caller_owner(client, tenancy) -> None:
    r = client.post("/api/v1/workspaces", json={"name": "Gamma", "slug": "gamma", "currency": "EUR",
                                                "timezone": "Europe/Paris"}, headers=tenancy.auth("VIEWER"))
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "OWNER" and r.json()["currency"] == "EUR"
    r = client.post("/api/v1/workspaces", json={"name": "Gamma", "slug": "gamma"}, headers=tenancy.auth("VIEWER"))
    assert r.status_code == 409
    r = client.post("/api/v1/workspaces", json={"name": "D", "slug": "delta", "timezone": "Mars/Olympus"},
                    headers=tenancy.auth("VIEWER"))
    assert r.status_code == 422 and r.json()["errors"] == [{"loc": ["timezone"], "msg": "unknown IANA time zone 'Mars/Olympus'"}]


def test_token_expiry(client, engine, tenancy) -> None:
    from datetime import UTC, datetime, timedelta

    h = tenancy.auth("VIEWER")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = client.post("/api/v1/me/tokens", json={"expires_at": past}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["expires_at"]
    r = client.post("/api/v1/me/tokens", json={"expires_at": "2030-01-01T00:00:00"}, headers=h)
    assert r.status_code == 422  # naive
    soon = datetime.now(UTC) + timedelta(hours=1)
    r = client.post("/api/v1/me/tokens", json={"expires_at": soon.isoformat()}, headers=h)
    assert r.status_code == 201
    token = r.json()["token"]
    with session_scope(engine) as s:  # let it expire
        s.execute(sa.update(ApiToken).where(ApiToken.prefix == token[:12])
                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

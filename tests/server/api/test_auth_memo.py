"""The 2 s memo of a Bearer token's membership (``boostloop.server.auth.memo``): a memoised read touches no
database; a change committed in this process (member removed, role lowered, token revoked, user
deactivated) is refused by the very next request; a change made behind its back (another process: here a
plain connection, no ORM session) is seen once the entry is 2 s old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from boostloop.enums import Role
from boostloop.server.auth import service as auth
from boostloop.server.auth import tokens
from boostloop.server.auth.memo import TTL_SECONDS, AuthMemo
from boostloop.server.db.models import ApiToken, Membership, User
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces import service as ws_service


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _statements(engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def _insights(tenancy) -> str:
    return f"/api/v1/workspaces/{tenancy.a}/insights"


def test_a_memoised_cached_read_runs_no_sql(client, engine, tenancy) -> None:
    v = tenancy.auth("VIEWER")
    assert client.get(_insights(tenancy), headers=v).status_code == 200  # lookup + compute + store
    seen = _statements(engine)
    r = client.get(_insights(tenancy), headers=v)
    assert r.status_code == 200 and r.json()["total"] == 0
    assert seen == []
    # another workspace is not in the memo of this token: looked up, 404
    assert client.get(f"/api/v1/workspaces/{tenancy.b}/insights", headers=v).status_code == 404
    assert len(seen) > 0


def test_changes_committed_in_this_process_are_refused_at_once(client, engine, tenancy) -> None:
    url = _insights(tenancy)
    for who in ("VIEWER", "MEMBER", "ADMIN"):
        assert client.get(url, headers=tenancy.auth(who)).status_code == 200
    # a member removed through the API: the next request with their token answers 404
    r = client.delete(f"/api/v1/workspaces/{tenancy.a}/members/{tenancy.users['VIEWER']}",
                      headers=tenancy.auth("OWNER"))
    assert r.status_code in (200, 204), r.text
    assert client.get(url, headers=tenancy.auth("VIEWER")).status_code == 404
    # a role lowered through the API: the next write answers 403
    ack = f"{url}/00000000-0000-0000-0000-000000000000/acknowledge"
    assert client.post(ack, headers=tenancy.auth("MEMBER")).status_code == 404  # allowed: unknown insight
    r = client.patch(f"/api/v1/workspaces/{tenancy.a}/members/{tenancy.users['MEMBER']}", json={"role": "VIEWER"},
                     headers=tenancy.auth("OWNER"))
    assert r.status_code == 200 and r.json()["role"] == "VIEWER"
    assert client.post(ack, headers=tenancy.auth("MEMBER")).status_code == 403
    # a token revoked, a user deactivated, by a session of this process (a job, the dashboard, a test)
    with session_scope(engine) as s:
        row = s.scalar(sa.select(ApiToken).where(ApiToken.user_id == tenancy.users["ADMIN"]))
        auth.revoke_token(s, tenancy.users["ADMIN"], row.id)
    assert client.get(url, headers=tenancy.auth("ADMIN")).status_code == 401
    assert client.get(url, headers=tenancy.auth("OWNER")).status_code == 200
    with session_scope(engine) as s:
        s.execute(sa.update(User).where(User.id == tenancy.users["OWNER"]).values(is_active=False))
    assert client.get(url, headers=tenancy.auth("OWNER")).status_code == 401


def test_a_change_from_another_process_is_seen_within_the_ttl(client, app, engine, tenancy) -> None:
    clock = Clock()
    app.state.auth_memo = AuthMemo(clock=clock)
    url, v = _insights(tenancy), tenancy.auth("VIEWER")
    assert client.get(url, headers=v).status_code == 200
    with engine.begin() as conn:  # no ORM session: what the CLI in another process looks like from here
        conn.execute(sa.delete(Membership.__table__).where(Membership.user_id == tenancy.users["VIEWER"]))
    clock.t += TTL_SECONDS - 0.1
    assert client.get(url, headers=v).status_code == 200  # the documented window: at most TTL_SECONDS
    clock.t += 0.1
    assert client.get(url, headers=v).status_code == 404


def test_token_expiry_is_checked_on_every_use(client, app, engine, tenancy) -> None:
    clock = Clock()
    app.state.auth_memo = AuthMemo(clock=clock)
    expires = datetime.now(UTC) + timedelta(hours=1)
    with session_scope(engine) as s:
        _, token = auth.create_token(s, s.get(User, tenancy.users["VIEWER"]), name="short", expires_at=expires)
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(_insights(tenancy), headers=h).status_code == 200
    digest = tokens.token_hash(token)
    assert app.state.auth_memo.get(digest, tenancy.a, expires - timedelta(seconds=1)).role == Role.VIEWER
    assert app.state.auth_memo.get(digest, tenancy.a, expires) is None  # within the TTL, past the expiry


def test_the_memo_serves_the_role_it_read(client, engine, tenancy) -> None:
    """A memoised VIEWER stays a VIEWER: writes answer 403 from the memo too."""
    url = _insights(tenancy)
    h = tenancy.auth("VIEWER")
    assert client.get(url, headers=h).status_code == 200
    assert client.get(url, headers=h).status_code == 200
    assert client.post(f"{url}/00000000-0000-0000-0000-000000000000/acknowledge", headers=h).status_code == 403
    with session_scope(engine) as s:  # promoted in this process: seen at once
        ws_service.change_role(s, tenancy.a, Role.OWNER, tenancy.users["VIEWER"], Role.MEMBER)
    assert client.post(f"{url}/00000000-0000-0000-0000-000000000000/acknowledge", headers=h).status_code == 404

"""Workspace settings, members, jobs and run history through the API; the CLI for users and tokens."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from boostloop.cli import app as cli
from boostloop.server.db.models import ApiToken, Membership, User
from boostloop.server.db.session import session_scope


def test_settings_round_trip_including_attribution_defaults(client, tenancy) -> None:
    path = f"/api/v1/workspaces/{tenancy.a}"
    body = {"timezone": "America/New_York", "attribution_model": "time_decay", "click_window_days": 28,
            "view_window_days": 0, "time_decay_half_life_days": 3.5, "benchmarks": {"FACEBOOK": {"roas": 2.5}}}
    r = client.patch(path, json=body, headers=tenancy.auth("ADMIN"))
    assert r.status_code == 200, r.text
    got = client.get(path, headers=tenancy.auth("VIEWER")).json()
    assert {k: got[k] for k in body} == body
    assert got["currency"] == "USD"  # not changeable
    r = client.patch(path, json={"currency": "EUR"}, headers=tenancy.auth("OWNER"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "currency"]


def test_members_add_change_remove(client, engine, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/members"
    h = tenancy.auth("ADMIN")
    names = [m["email"] for m in client.get(base, headers=tenancy.auth("VIEWER")).json()]
    assert names == sorted(["admin@example.com", "member@example.com", "owner@example.com", "viewer@example.com"])
    r = client.post(base, json={"email": "Outsider@Example.com", "role": "MEMBER"}, headers=h)
    assert r.status_code == 201 and r.json()["role"] == "MEMBER"
    assert client.post(base, json={"email": "outsider@example.com"}, headers=h).status_code == 409
    r = client.post(base, json={"email": "ghost@example.com"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["email"]
    out = tenancy.users["outsider"]
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("outsider")).status_code == 200
    assert client.patch(f"{base}/{out}", json={"role": "ADMIN"}, headers=h).json()["role"] == "ADMIN"
    assert client.delete(f"{base}/{out}", headers=h).status_code == 204
    # removed: the same token now answers 404 here, and still works on the user's own workspace B
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("outsider")).status_code == 404
    assert client.get(f"/api/v1/workspaces/{tenancy.b}", headers=tenancy.auth("outsider")).status_code == 200
    with session_scope(engine) as s:
        assert s.scalar(sa.select(Membership).where(Membership.user_id == out,
                                                    Membership.workspace_id == tenancy.a)) is None


def test_jobs_list_trigger_and_paginated_history(client, tenancy) -> None:
    base = f"/api/v1/workspaces/{tenancy.a}/jobs"
    jobs = {j["name"]: j for j in client.get(base, headers=tenancy.auth("VIEWER")).json()}
    assert jobs["insights"]["schedule"] == "daily 09:00 workspace time"
    for _ in range(3):
        r = client.post(f"{base}/notifications/runs", headers=tenancy.auth("ADMIN"))
        assert r.status_code == 200 and r.json()["status"] == "SUCCEEDED", r.text
        assert r.json()["runs"][0]["trigger"] == "MANUAL"
    r = client.post(f"{base}/snapshots/runs", headers=tenancy.auth("ADMIN"))
    assert r.status_code == 200  # recorded as FAILED while the boosts domain is not on this branch
    assert r.json()["status"] in ("SUCCEEDED", "FAILED")
    page1 = client.get(f"{base}/runs", params={"limit": 2}, headers=tenancy.auth("VIEWER")).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = client.get(f"{base}/runs", params={"limit": 2, "cursor": page1["next_cursor"]},
                       headers=tenancy.auth("VIEWER")).json()
    assert len(page2["items"]) == 2 and page2["next_cursor"] is None
    ids = [x["id"] for x in page1["items"] + page2["items"]]
    assert len(set(ids)) == 4
    starts = [x["started_at"] for x in page1["items"] + page2["items"]]
    assert starts == sorted(starts, reverse=True)
    only = client.get(f"{base}/runs", params={"job_name": "notifications", "status": "SUCCEEDED"},
                      headers=tenancy.auth("VIEWER")).json()["items"]
    assert len(only) == 3
    # another workspace's history is empty for its own owner
    assert client.get(f"/api/v1/workspaces/{tenancy.b}/jobs/runs", headers=tenancy.auth("outsider")).json()["items"] == []


def test_cli_users_create_and_tokens_create(engine, tenancy, monkeypatch) -> None:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("BOOSTLOOP_NEW_PASSWORD", "a fine long password")
    r = CliRunner().invoke(cli, ["users", "create", "cli@example.com", "--name", "Cli", "--workspace", "acme",
                                 "--role", "MEMBER", "--database-url", url])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["email"] == "cli@example.com"
    r = CliRunner().invoke(cli, ["users", "create", "cli@example.com", "--database-url", url])
    assert r.exit_code == 2 and "already exists" in r.output
    r = CliRunner().invoke(cli, ["tokens", "create", "cli@example.com", "--name", "cron", "--workspace", "acme",
                                 "--database-url", url])
    assert r.exit_code == 0, r.output
    token = json.loads(r.output)["token"]
    with session_scope(engine) as s:
        user = s.scalar(sa.select(User).where(User.email == "cli@example.com"))
        assert user.password_hash.startswith("$argon2id$")
        row = s.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.workspace_id == tenancy.a and row.prefix == token[:12]
    r = CliRunner().invoke(cli, ["tokens", "create", "nobody@example.com", "--database-url", url])
    assert r.exit_code == 2


def test_cli_token_works_against_the_api(client, engine, tenancy) -> None:
    url = engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(cli, ["tokens", "create", "viewer@example.com", "--database-url", url])
    token = json.loads(r.output)["token"]
    r = client.get(f"/api/v1/workspaces/{tenancy.a}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["role"] == "VIEWER"


def test_trigger_while_a_run_holds_the_lease_is_409(client, engine, tenancy) -> None:
    from datetime import UTC, datetime

    from boostloop.server.jobs import lease
    from boostloop.server.jobs.runner import lease_key

    assert lease.acquire(engine, lease_key("notifications", tenancy.a), "other-process", datetime.now(UTC), 600)
    r = client.post(f"/api/v1/workspaces/{tenancy.a}/jobs/notifications/runs", headers=tenancy.auth("ADMIN"))
    assert r.status_code == 409 and "already running" in r.json()["detail"]

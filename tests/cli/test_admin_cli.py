"""``boostloop workspaces create``: a workspace from the command line, with its owner, and clear errors."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from boostloop.cli import app as cli
from boostloop.enums import Role
from boostloop.server.db.models import Membership, User, Workspace
from boostloop.server.db.session import session_scope


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_workspaces_create_with_owner_and_errors(engine, monkeypatch) -> None:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("BOOSTLOOP_NEW_PASSWORD", "a fine long password")
    assert _run("users", "create", "owner@acme.example", "--database-url", url).exit_code == 0

    r = _run("workspaces", "create", "Acme Store", "--slug", "acme", "--currency", "EUR",
             "--timezone", "Europe/Berlin", "--owner", "owner@acme.example", "--database-url", url)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["slug"] == "acme"
    with session_scope(engine) as s:
        ws = s.scalar(sa.select(Workspace).where(Workspace.slug == "acme"))
        assert str(ws.id) == out["id"]
        assert (ws.name, ws.currency, ws.timezone, ws.retention_days) == ("Acme Store", "EUR", "Europe/Berlin", 90)
        role = s.scalar(sa.select(Membership.role).join(User, User.id == Membership.user_id)
                        .where(Membership.workspace_id == ws.id, User.email == "owner@acme.example"))
        assert role == Role.OWNER

    r = _run("workspaces", "create", "Again", "--slug", "acme", "--database-url", url)
    assert r.exit_code == 2 and "already exists" in r.output
    r = _run("workspaces", "create", "Bad", "--slug", "bad", "--currency", "XXQ", "--database-url", url)
    assert r.exit_code == 2 and "currency" in r.output and "XXQ" in r.output
    r = _run("workspaces", "create", "Bad", "--slug", "bad", "--timezone", "Mars/Olympus", "--database-url", url)
    assert r.exit_code == 2 and "timezone" in r.output
    r = _run("workspaces", "create", "Orphan", "--slug", "orphan", "--owner", "nobody@acme.example",
             "--database-url", url)
    assert r.exit_code == 2 and "no user nobody@acme.example" in r.output
    with session_scope(engine) as s:  # none of the refused calls wrote anything
        assert s.scalar(sa.select(sa.func.count()).select_from(Workspace)) == 1

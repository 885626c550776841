"""API fixtures: an app on a fresh database (SQLite, and PostgreSQL when configured), and a seeded
tenancy: workspace A with one user per role plus a removed member, workspace B of an outsider."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from boostloop.enums import Role
from boostloop.server.app import create_app
from boostloop.server.auth import service as auth
from boostloop.server.db.session import session_scope
from boostloop.server.settings import Settings
from boostloop.server.workspaces import service as ws_service

PASSWORD = "correct horse battery staple"


def make_settings(database_url: str, **overrides) -> Settings:
    base = {"database_url": database_url, "log_json": True, "log_level": "WARNING",
            "secret_key": "test-secret-" + "x" * 20, "run_scheduler": False}
    base.update(overrides)
    return Settings(**base)


@dataclass
class Tenancy:
    a: uuid.UUID
    b: uuid.UUID
    tokens: dict[str, str] = field(default_factory=dict)  # role name / "removed" / "outsider" -> token
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def seed(engine) -> Tenancy:
    with session_scope(engine) as s:
        people = {}
        for who in ("OWNER", "ADMIN", "MEMBER", "VIEWER", "removed", "outsider"):
            # only the owner gets a password: argon2 costs ~0.5 s here, and only login tests need one
            people[who] = auth.create_user(s, email=f"{who.lower()}@example.com", name=who,
                                           password=PASSWORD if who == "OWNER" else None)
        a = ws_service.create_workspace(s, name="Acme", slug="acme", timezone="Europe/Berlin")
        b = ws_service.create_workspace(s, name="Beta", slug="beta")
        for role in Role:
            ws_service.add_member(s, a, people[role.value], role)
        ws_service.add_member(s, a, people["removed"], Role.ADMIN)
        ws_service.add_member(s, b, people["outsider"], Role.OWNER)
        t = Tenancy(a=a.id, b=b.id)
        for who, user in people.items():
            _, token = auth.create_token(s, user, name=f"{who} token")
            t.tokens[who] = token
            t.users[who] = user.id
            t.emails[who] = user.email
    with session_scope(engine) as s:
        ws = s.get(type(a), t.a)
        ws_service.remove_member(s, ws.id, Role.OWNER, t.users["removed"])
    return t


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    """Cheap argon2 parameters in tests (the production ones cost ~0.1-1 s per hash on this machine);
    still argon2id, still verified. ``test_production_argon2_parameters`` checks the real ones."""
    from argon2 import PasswordHasher

    from boostloop.server.auth import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(engine):
    url = engine.url.render_as_string(hide_password=False)
    return create_app(make_settings(url), engine=engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def tenancy(engine) -> Tenancy:
    return seed(engine)

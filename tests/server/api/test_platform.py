"""The request unit of work, the login rate limit, and the scheduler inside the app's lifespan."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.testclient import TestClient

from boostloop.errors import Conflict
from boostloop.server.api.deps import CanWrite, DbSession
from boostloop.server.app import create_app
from boostloop.server.db.models import NotificationChannel
from boostloop.server.db.session import session_scope
from boostloop.server.notifications import service as notify
from tests.server.api.conftest import make_settings


def test_request_session_commits_on_success_and_rolls_back_on_error(app, engine, tenancy) -> None:
    router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/test")

    @router.post("/write-then-fail")
    def write_then_fail(access: CanWrite, session: DbSession) -> None:
        notify.create_channel(session, access.workspace_id, kind="EMAIL", name="half", recipients=["a@b.io"])
        raise Conflict("changed my mind")

    @router.post("/write")
    def write(access: CanWrite, session: DbSession) -> dict:
        notify.create_channel(session, access.workspace_id, kind="EMAIL", name="whole", recipients=["a@b.io"])
        return {"ok": True}

    app.include_router(router)
    with TestClient(app) as c:
        r = c.post(f"/api/v1/workspaces/{tenancy.a}/test/write-then-fail", headers=tenancy.auth("MEMBER"))
        assert r.status_code == 409 and r.json()["detail"] == "changed my mind"
        assert c.post(f"/api/v1/workspaces/{tenancy.a}/test/write", headers=tenancy.auth("MEMBER")).status_code == 200
    with session_scope(engine) as s:
        names = s.scalars(sa.select(NotificationChannel.name)).all()
    assert names == ["whole"]


def test_login_is_rate_limited_per_ip(client, tenancy) -> None:
    codes = [client.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": "wrong guess!"})
             .status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]


def test_serve_starts_and_stops_the_scheduler(engine) -> None:
    app = create_app(make_settings(engine.url.render_as_string(hide_password=False)), engine=engine,
                     start_scheduler=True)
    with TestClient(app):
        sched = app.state.scheduler
        assert sched is not None and sched._thread is not None and sched._thread.is_alive()
    assert sched._thread is None
    app = create_app(make_settings(engine.url.render_as_string(hide_password=False)), engine=engine)
    with TestClient(app):
        assert app.state.scheduler is None


def test_root_is_the_dashboard_and_sends_the_signed_out_to_sign_in(client) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_openapi_has_examples_problem_schema_and_security(client) -> None:
    doc = client.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for name in ("WorkspaceOut", "WorkspaceUpdate", "MemberOut", "TokenOut", "JobRunOut", "ChannelCreate",
                 "DeliveryOut"):
        assert doc["components"]["schemas"][name].get("examples"), name
    ws_get = doc["paths"]["/api/v1/workspaces/{workspace_id}"]["get"]
    assert {"401", "403", "404", "429"} <= set(ws_get["responses"])
    assert "application/problem+json" in ws_get["responses"]["404"]["content"]
    assert doc["paths"]["/healthz"]["get"]["security"] == []

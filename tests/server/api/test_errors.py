"""RFC 9457 problem+json for every error; validation errors list each bad field; never a 500 for bad input."""

from __future__ import annotations

import uuid


def test_validation_errors_list_each_field(client, tenancy) -> None:
    r = client.patch(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("ADMIN"),
                     json={"click_window_days": 0, "time_decay_half_life_days": -1, "surprise": 1})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["type"] == "https://boostloop.dev/problems/unprocessable-content"
    assert p["instance"] == f"/api/v1/workspaces/{tenancy.a}"
    locs = sorted(tuple(e["loc"]) for e in p["errors"])
    assert locs == [("body", "click_window_days"), ("body", "surprise"), ("body", "time_decay_half_life_days")]


def test_domain_validation_is_422_with_fields(client, tenancy) -> None:
    r = client.patch(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("ADMIN"),
                     json={"attribution_model": "astrology", "timezone": "Nowhere/Land"})
    assert r.status_code == 422
    assert sorted(e["loc"][0] for e in r.json()["errors"]) == ["attribution_model", "timezone"]
    # nothing was half-written
    ws = client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("ADMIN")).json()
    assert ws["timezone"] == "Europe/Berlin" and ws["attribution_model"] == "markov"


def test_null_for_a_required_setting_means_unchanged_not_500(client, tenancy) -> None:
    r = client.patch(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("ADMIN"),
                     json={"name": None, "timezone": None})
    assert r.status_code == 200 and r.json()["name"] == "Acme"


def test_malformed_json_bad_uuid_unknown_route_and_method(client, tenancy) -> None:
    h = {**tenancy.auth("ADMIN"), "content-type": "application/json"}
    r = client.patch(f"/api/v1/workspaces/{tenancy.a}", content=b"{not json", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] == "body"
    r = client.get("/api/v1/workspaces/not-a-uuid", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["path", "workspace_id"]
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = client.put(f"/api/v1/workspaces/{tenancy.a}", headers=h)
    assert r.status_code == 405 and r.json()["status"] == 405
    r = client.get(f"/api/v1/workspaces/{tenancy.a}/jobs/runs", params={"cursor": "%%%"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
    r = client.post(f"/api/v1/workspaces/{tenancy.a}/jobs/no-such-job/runs", headers=h)
    assert r.status_code == 404 and "no job named" in r.json()["detail"]
    r = client.get(f"/api/v1/workspaces/{uuid.uuid4()}", headers=h)
    assert r.status_code == 404


def test_unexpected_errors_are_500_problems_without_internals(app, client, tenancy) -> None:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.include_router(router)
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/boom")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "secret" not in r.text and r.json()["request_id"] == r.headers["x-request-id"]

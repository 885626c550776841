from __future__ import annotations


def test_workspace_read_and_problem(client, tenancy) -> None:
    r = client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("VIEWER"))
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "VIEWER"
    r = client.get(f"/api/v1/workspaces/{tenancy.b}", headers=tenancy.auth("VIEWER"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    print(r.json())

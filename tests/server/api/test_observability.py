"""Request ids in and out, JSON logs carrying them, Prometheus metrics by route template, health and
readiness, and the shipped alert rules referring to metrics that exist."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from boostloop.server.app import create_app
from boostloop.server.observability import metrics
from boostloop.server.observability.logging import JsonFormatter
from tests.server.api.conftest import make_settings

REPO = Path(__file__).resolve().parents[3]


def test_request_id_is_echoed_or_made(client) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123" and r.json() == {"status": "ok"}
    r = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["request_id"] == r.headers["x-request-id"]


def test_json_logs_carry_the_request_id(client, tenancy, caplog) -> None:
    caplog.set_level(logging.INFO, logger="boostloop.access")
    client.get(f"/api/v1/workspaces/{tenancy.a}", headers={**tenancy.auth("VIEWER"), "X-Request-ID": "rid-77"})
    records = [r for r in caplog.records if r.name == "boostloop.access"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["msg"] == "request" and line["status"] == 200
    assert line["route"] == "/api/v1/workspaces/{workspace_id}" and line["workspace_id"] == str(tenancy.a)
    assert line["user_id"] == str(tenancy.users["VIEWER"])
    # the formatter reads the request id from the context; outside a request there is none
    assert "request_id" not in json.loads(JsonFormatter().format(logging.makeLogRecord({"msg": "x"})))


def test_request_id_reaches_log_lines_written_during_the_request(engine, tenancy) -> None:
    app = create_app(make_settings(engine.url.render_as_string(hide_password=False), log_level="INFO"),
                     engine=engine)
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    h = Capture()
    logging.getLogger("boostloop").addHandler(h)
    try:
        with TestClient(app) as c:
            c.get("/api/v1/me", headers={"X-Request-ID": "rid-in-log"})
    finally:
        logging.getLogger("boostloop").removeHandler(h)
    access = [json.loads(x) for x in lines if json.loads(x)["logger"] == "boostloop.access"]
    assert access and access[-1]["request_id"] == "rid-in-log" and access[-1]["status"] == 401


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_by_route_template_and_job_outcomes(client, tenancy) -> None:
    before = client.get("/metrics").text
    route = "/api/v1/workspaces/{workspace_id}/members"
    n0 = _sample(before, "boostloop_http_request_duration_seconds_count", route=route, status="200")
    j0 = _sample(before, "boostloop_job_runs_total", job="notifications", status="SUCCEEDED")
    for _ in range(3):
        client.get(f"/api/v1/workspaces/{tenancy.a}/members", headers=tenancy.auth("VIEWER"))
    client.post(f"/api/v1/workspaces/{tenancy.a}/jobs/notifications/runs", headers=tenancy.auth("ADMIN"))
    metrics.snapshot_collected(True, 3)
    metrics.snapshot_collected(False)
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert _sample(text, "boostloop_http_request_duration_seconds_count", route=route, status="200") == n0 + 3
    assert _sample(text, "boostloop_job_runs_total", job="notifications", status="SUCCEEDED") == j0 + 1
    assert str(tenancy.a) not in text  # templates, not raw paths (bounded label cardinality)
    assert _sample(text, "boostloop_snapshot_collections_total", outcome="failure") >= 1


def test_attribution_timer_counts_errors() -> None:
    e0 = metrics.ATTRIBUTION_ERRORS.labels(kind="t")._value.get()
    with metrics.attribution_timer("t"):
        pass
    try:
        with metrics.attribution_timer("t"):
            raise ValueError
    except ValueError:
        pass
    assert metrics.ATTRIBUTION_ERRORS.labels(kind="t")._value.get() == e0 + 1


def test_readyz_checks_database_and_migration_head(client, engine) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == r.json()["head"]
    with engine.begin() as conn:  # pretend the database is one migration behind
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    r = client.get("/readyz")
    assert r.status_code == 503 and "boostloop db upgrade" in r.json()["detail"]


def test_readyz_when_the_database_is_unreachable(tmp_path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with TestClient(create_app(make_settings(url))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "unreachable" in r.json()["detail"]
        assert c.get("/healthz").status_code == 200


def test_alert_rules_cover_the_plan_and_name_real_metrics() -> None:
    doc = yaml.safe_load((REPO / "deploy/prometheus/alerts.yml").read_text())
    rules = doc["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert {"BoostloopSnapshotJobFailed", "BoostloopSnapshotSuccessRateLow", "BoostloopAttributionErrors",
            "BoostloopRecommendationGenerationFailed", "BoostloopSlowDashboardQueries"} <= names
    known = {m._name for m in (metrics.HTTP_LATENCY, metrics.JOB_RUNS, metrics.SNAPSHOTS,
                               metrics.ATTRIBUTION_ERRORS, metrics.ATTRIBUTION_LATENCY)}
    for r in rules:
        used = set(re.findall(r"boostloop_[a-z_]+", r["expr"]))
        base = {re.sub(r"_(bucket|count|sum|total)$", "", u) for u in used}
        assert base <= known | {k.removesuffix("_total") for k in known}, (r["alert"], base)
    assert "> 2" in next(r["expr"] for r in rules if r["alert"] == "BoostloopSlowDashboardQueries")

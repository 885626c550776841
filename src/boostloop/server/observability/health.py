"""``/healthz`` (the process answers), ``/readyz`` (database reachable and migrated to head), ``/metrics``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from boostloop.server.api.problems import problem_response, problem_responses
from boostloop.server.db.migrate import alembic_config

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Ready(BaseModel):
    status: str = Field(examples=["ready"])
    database: str = Field(examples=["ok"])
    revision: list[str] = Field(examples=[["0002_api"]])
    head: list[str] = Field(examples=[["0002_api"]])


def _heads(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


@router.get("/healthz", response_model=Health, openapi_extra={"security": []}, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, openapi_extra={"security": []}, summary="Readiness: database reachable and migrated to head",
            responses=problem_responses(503))
def readyz(request: Request):
    engine = request.app.state.engine
    heads = request.app.state.__dict__.setdefault("_migration_heads", None)
    if heads is None:
        heads = _heads(engine.url.render_as_string(hide_password=False))
        request.app.state._migration_heads = heads
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return problem_response(request, 503, f"database unreachable: {type(exc).__name__}")
    if current != heads:
        return problem_response(
            request, 503, f"database at revision {sorted(current)}, code expects {sorted(heads)}: run "
            "`boostloop db upgrade`")
    return JSONResponse({"status": "ready", "database": "ok", "revision": sorted(current), "head": sorted(heads)})


@router.get("/metrics", openapi_extra={"security": []}, summary="Prometheus metrics (text exposition format)",
            responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}})
def metrics_endpoint() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""The FastAPI application factory.

``/`` is the dashboard (``boostloop.server.web``). The
API is under ``/api/v1`` (workspace resources under ``/api/v1/workspaces/{workspace_id}/...``); each
domain's ``endpoints.py`` router is listed in ``ROUTERS`` (see ``boostloop.server.api`` for the pattern).
"""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy.engine import Engine

from boostloop import __version__
from boostloop.server.api import problems
from boostloop.server.auth.memo import AuthMemo
from boostloop.server.cache import build_backends
from boostloop.server.db.session import engine_for
from boostloop.server.observability.logging import configure_logging
from boostloop.server.observability.middleware import ObservabilityMiddleware
from boostloop.server.ratelimit import RateLimiter
from boostloop.server.settings import Settings, get_settings

# One line per domain router (module with a module-level ``router``), in OpenAPI order.
ROUTERS = [
    "boostloop.server.observability.health",
    "boostloop.server.auth.endpoints",
    "boostloop.server.workspaces.endpoints",
    "boostloop.server.jobs.endpoints",
    "boostloop.server.notifications.endpoints",
    "boostloop.server.boosts.endpoints",
    "boostloop.server.ingest.endpoints",
    "boostloop.server.insights.endpoints",
    "boostloop.server.experiments.endpoints",
    "boostloop.server.privacy.endpoints",
    "boostloop.server.attribution.endpoints",
    "boostloop.server.learning.endpoints",
    "boostloop.server.effectiveness.endpoints",
]

DESCRIPTION = """Did boosting pay off, and what to boost next.

**Authentication**: `Authorization: Bearer <token>` (create one with `boostloop tokens create` or
`POST /api/v1/me/tokens`), or the dashboard's session cookie from `POST /api/v1/auth/login` plus the
`X-CSRF-Token` header on unsafe methods.

**Authorization**: another workspace's resources, and workspaces you are not (or no longer) a member of,
answer 404. A role below the endpoint's needs answers 403. VIEWER reads; MEMBER also writes data; ADMIN
also applies recommendations, runs jobs, manages members and settings; OWNER also deletes the workspace.

**Errors** are RFC 9457 `application/problem+json`; validation errors (422) list each bad field in
`errors` (`loc`, `msg`). **Rate limits** answer 429 with `Retry-After`. Every response carries
`X-Request-ID` (yours if you sent one)."""


def create_app(settings: Settings | None = None, *, start_scheduler: bool = False, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    engine = engine or engine_for(settings.database_url)
    cache, limiter_backend = build_backends(settings.redis_url, settings.redis_prefix)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scheduler = None
        if start_scheduler:
            from boostloop.server.jobs.scheduler import Scheduler

            scheduler = Scheduler(engine, cache=cache)
            scheduler.start()
        app.state.scheduler = scheduler
        yield
        if scheduler is not None:
            scheduler.stop()

    app = FastAPI(title="Boostloop", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.cache = cache
    app.state.rate_limiter = RateLimiter(limiter_backend, enabled=settings.rate_limits_enabled)
    app.state.auth_memo = AuthMemo()
    app.add_middleware(ObservabilityMiddleware)
    problems.install(app)
    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router)

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            comps = schema.setdefault("components", {})
            comps.setdefault("schemas", {})["Problem"] = problems.Problem.model_json_schema(
                ref_template="#/components/schemas/{model}")
            comps["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token (blt_...)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "boostloop_session"},
            }
            schema["security"] = [{"bearer": []}, {"session": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    from boostloop.server import web

    web.install(app)  # the dashboard: /, /sign-in, /w/{workspace_id}/..., /static
    return app

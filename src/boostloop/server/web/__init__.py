"""The learning dashboard: server-rendered pages (Jinja2 + htmx + Plotly) over the same services and the
same role checks as the API (``boostloop.server.api.deps.require``).

Everything the browser loads comes from this app: our CSS/JS and the pinned htmx under ``static/``,
Plotly's bundle from the installed ``plotly`` package (``/static/vendor/plotly.min.js``).

Pages live under ``/w/{workspace_id}/...``; ``/`` sends a signed-in user to their first workspace and a
signed-out one to ``/sign-in``. Errors on dashboard paths render HTML (401 redirects to the sign-in page);
API paths keep their problem+json answers.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from boostloop.errors import BoostloopError
from boostloop.server.api.problems import ApiProblem

STATIC_DIR = Path(__file__).parent / "static"
PAGE_MODULES = (
    "boostloop.server.web.pages.auth",
    "boostloop.server.web.pages.overview",
    "boostloop.server.web.pages.boosts",
    "boostloop.server.web.pages.attribution",
    "boostloop.server.web.pages.insights",
    "boostloop.server.web.pages.recommendations",
    "boostloop.server.web.pages.experiments",
    "boostloop.server.web.pages.jobs",
)


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
                                                "/redoc")


def install(app: FastAPI) -> None:
    import importlib

    from boostloop.server.web.render import error_page

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    plotly_js = plotly_js_path()

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    # The vendor route must win over the /static mount: move it in front.
    route = app.router.routes.pop()
    app.router.routes.insert(0, route)

    for module in PAGE_MODULES:
        app.include_router(importlib.import_module(module).router)

    api_handlers = dict(app.exception_handlers)

    def html_or_api(exc_type: type):
        original = api_handlers[exc_type]

        async def handler(request: Request, exc: Exception) -> Response:
            if _is_api(request):
                return await original(request, exc)
            status = getattr(exc, "status", None) or getattr(exc, "status_code", 500)
            if status == 401:
                target = "/sign-in?next=" + request.url.path
                if request.headers.get("hx-request"):
                    return Response(status_code=204, headers={"HX-Redirect": target})
                return RedirectResponse(target, status_code=303)
            detail = getattr(exc, "detail", None) or "Something went wrong."
            return error_page(request, status, str(detail))

        return handler

    for exc_type in (ApiProblem, BoostloopError, StarletteHTTPException):
        app.add_exception_handler(exc_type, html_or_api(exc_type))

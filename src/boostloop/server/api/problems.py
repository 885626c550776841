"""RFC 9457 problem details for every error the API answers with.

Body (``application/problem+json``)::

    {"type": "https://boostloop.dev/problems/unprocessable-content", "title": "Unprocessable content",
     "status": 422, "detail": "...", "instance": "/api/v1/...", "request_id": "...",
     "errors": [{"loc": ["body", "events", 12, "occurred_at"], "msg": "..."}]}

``errors`` (an RFC 9457 extension member) is present on validation failures and names each bad field.
Mapping: ``boostloop.errors.*`` → their ``status``; FastAPI/Pydantic request validation → 422; Starlette
HTTP errors (unknown route 404, 405, ...) keep their status; anything else → 500 with no internals shown
(it is logged with the request id).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from boostloop.errors import BoostloopError, InvalidInput

log = logging.getLogger("boostloop.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://boostloop.dev/problems/"

_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 413: "Content too large", 415: "Unsupported media type", 422: "Unprocessable content",
    429: "Too many requests", 500: "Internal server error", 503: "Service unavailable",
}


class FieldErrorOut(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "email"]])
    msg: str = Field(examples=["value is not a valid email address"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["https://boostloop.dev/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["workspace 0b6c... not found"])
    instance: str | None = Field(default=None, examples=["/api/v1/workspaces/0b6c..."])
    request_id: str | None = None
    errors: list[FieldErrorOut] | None = None


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (auth, rate limits, CSRF)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 title: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.title = title or _TITLES.get(status, "Error")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def problem_response(
    request: Request, status: int, detail: str | None, *, title: str | None = None,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    title = title or _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": TYPE_BASE + _slug(title),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request.scope.get("state", {}).get("request_id"),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE,
                        headers=headers)


def _clean_loc(loc: tuple | list) -> list[str | int]:
    return [p if isinstance(p, (int, str)) else str(p) for p in loc]


def install(app: FastAPI) -> None:
    @app.exception_handler(BoostloopError)
    async def _domain(request: Request, exc: BoostloopError) -> JSONResponse:
        errors = None
        if isinstance(exc, InvalidInput):
            errors = [{"loc": _clean_loc(e.loc), "msg": e.msg} for e in exc.errors]
        return problem_response(request, exc.status, exc.detail, title=exc.title, errors=errors)

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, title=exc.title, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": _clean_loc(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        first = "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:3])
        return problem_response(request, 422, f"Validation failed: {first}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(request, 500, "An unexpected error occurred; it has been logged.")


# OpenAPI fragments for routers: ``responses=problem_responses(401, 404)``.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"model": Problem, "description": _TITLES.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for s in statuses
    }

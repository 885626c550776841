"""Cached endpoint answers sent as stored: ``return cached_json(request, access.workspace_id, NAME, params, TTL,
ResponseModel, compute)``.

The first request validates ``compute()`` (the response model, or its ``model_dump(mode="json")``) with
``model`` once and stores its JSON (``model_dump_json(by_alias=True)``, what FastAPI would send for
``response_model=model``); every hit sends those bytes as ``application/json`` without parsing or
validating them again. The route keeps ``response_model=model`` so the OpenAPI schema is unchanged.
Measured on a cached overview / insights page: benchmarks/RESULTS.md, "api (dashboard reads ...)".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel


def cached_json(request: Request, workspace_id: uuid.UUID, name: str, params: Any, ttl: int,
                model: type[BaseModel], compute: Callable[[], Any]) -> Response:
    def serialise() -> str:
        value = compute()
        if not isinstance(value, model):
            value = model.model_validate(value)
        return value.model_dump_json(by_alias=True)

    body = request.app.state.cache.get_or_set_json(workspace_id, name, params, ttl, serialise)
    return Response(content=body, media_type="application/json")

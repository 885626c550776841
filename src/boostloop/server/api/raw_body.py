"""Endpoints that read their JSON body themselves (one ``model_validate_json`` pass over the bytes instead of
FastAPI's ``json.loads`` + envelope model + the service's own validation), still documented in OpenAPI.

Use: ``raw: RawBody`` as a parameter and ``openapi_extra=json_request_body(Model)`` on the route.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel


async def _raw_body(request: Request) -> bytes:
    # async: reading the body is I/O on the event loop, no thread-pool hop.
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/X"}`` replaced by ``X``'s schema (the models used here are not
    recursive), so that the schema stands alone inside the OpenAPI document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the required ``application/json`` request body."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": _inline(schema, schema.get("$defs", {}))}}}}

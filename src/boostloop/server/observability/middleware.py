"""Pure ASGI middleware: request id in and out, latency histogram by route template, access log."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from boostloop.server.observability import metrics
from boostloop.server.observability.logging import request_id_var

log = logging.getLogger("boostloop.access")

REQUEST_ID_HEADER = "x-request-id"
# Accept a caller's id only if it is short and plain (it goes into logs and headers).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class ObservabilityMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        rid = incoming if _VALID_ID.match(incoming or "") else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status_holder = {"status": 500}

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        started = {"yes": False}

        async def send_tracking(message) -> None:
            if message["type"] == "http.response.start":
                started["yes"] = True
            await send_wrapper(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            # Answer here (inside this middleware) so the 500 also carries the request id; no internals.
            log.exception("unhandled error", extra={"path": scope["path"]})
            if started["yes"]:
                raise
            body = json.dumps({
                "type": "https://boostloop.dev/problems/internal-server-error", "title": "Internal server error",
                "status": 500, "detail": "An unexpected error occurred; it has been logged.",
                "instance": scope["path"], "request_id": rid}).encode()
            await send_wrapper({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
            await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            status = status_holder["status"]
            metrics.HTTP_LATENCY.labels(scope["method"], template, str(status)).observe(elapsed)
            state = scope.get("state", {})
            log.info(
                "request",
                extra={"method": scope["method"], "route": template, "path": scope["path"], "status": status,
                       "duration_ms": round(elapsed * 1000, 2), "user_id": state.get("user_id"),
                       "workspace_id": state.get("workspace_id")},
            )
            request_id_var.reset(token)

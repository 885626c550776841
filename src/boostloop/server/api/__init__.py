"""The HTTP platform every domain's endpoints sit on.

How a domain adds its endpoints (the pattern to follow):

1. ``boostloop/server/<domain>/endpoints.py`` defines ``router = APIRouter(
   prefix="/api/v1/workspaces/{workspace_id}/<domain>", tags=["<domain>"],
   responses=problem_responses(401, 403, 404, 422, 429))``.
2. Each path operation takes its access as a dependency, which authenticates the caller, checks
   membership of ``{workspace_id}`` (404 otherwise), the role (403), and the rate limit (429):
   ``access: CanRead`` (VIEWER, GET), ``CanWrite`` (MEMBER: ingest, create boost, acknowledge),
   ``CanAdmin`` (apply recommendations, settings, members), ``CanAdminExpensive`` (recommendation
   generation, job triggers: the strict limit), ``IsOwner`` (delete workspace); and the unit of work as
   ``session: DbSession`` (committed after the function returns, rolled back if it raises).
3. It calls the domain service with ``access.workspace_id`` and returns Pydantic models from
   ``schemas.py`` (``response_model=...``, with ``json_schema_extra`` examples). It never commits and
   never builds error responses: services raise ``boostloop.errors`` (NotFound, Conflict, InvalidInput
   with field locations, PermissionDenied) and ``problems.install`` turns them into RFC 9457 bodies.
4. Expensive reads go through ``request.app.state.cache`` (``boostloop.server.cache``: TTL constants,
   per-workspace invalidation); writes that change results (new snapshots, events) call
   ``cache.invalidate_workspace(workspace_id)``. When the answer is the cached value itself, return
   ``api.cached.cached_json(request, access.workspace_id, NAME, params, TTL, ResponseModel, compute)``
   (keep ``response_model=ResponseModel``): a hit sends the stored JSON without validating it again.
5. Lists: keyset pagination with ``api.pagination.encode_cursor/decode_cursor`` (``limit`` + ``cursor``,
   response ``{"items": [...], "next_cursor": ...}``).
6. One line in ``boostloop.server.app.ROUTERS`` includes the router.
"""

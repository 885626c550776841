"""Request dependencies: the DB session (unit of work), the caller, and workspace access by role.

Authentication (who): ``Authorization: Bearer blt_...`` (API token), else the ``boostloop_session``
cookie (dashboard; unsafe methods also need ``X-CSRF-Token``). Missing, unknown, expired or revoked
credentials, or a deactivated user: **401**.

Authorization (may this caller touch this workspace):
- the caller is not a member of the workspace (never was, was removed, or the workspace does not
  exist), or the token is limited to another workspace: **404** (it does not exist for the caller;
  DESIGN.md, Tenancy). So the token of a removed member answers 404 on that workspace, and keeps
  working on the workspaces the user still belongs to; revoke it to make it 401 everywhere;
- a member whose role is below what the endpoint needs: **403**.

Roles (each includes the ones below): VIEWER reads; MEMBER also writes data; ADMIN also applies
recommendations, runs jobs, manages members and settings; OWNER also deletes the workspace.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
import anyio
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from boostloop.enums import Role
from boostloop.server.api.problems import ApiProblem
from boostloop.server.auth import service as auth_service
from boostloop.server.auth import sessions
from boostloop.server.db.models import Membership, User, Workspace
from boostloop.server.db.session import session_factory
from boostloop.server.observability import metrics

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: commits when the endpoint returns, rolls back if it raises.

    Used with ``scope="function"`` so the commit happens before the response is sent (a failed commit is
    the client's error response, not a silent loss). Services never commit.

    ``async``: opening a session does no I/O (the connection is taken from the pool at its first query), so
    it runs on the event loop; the commit or rollback and the close go to the thread pool in one hop. A sync
    generator here cost two thread-pool hops per request (enter and exit; benchmarks/RESULTS.md, "api
    (platform overhead)").
    """
    session = session_factory(request.app.state.engine)()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still returns its connection
            await run_in_threadpool(_rollback_and_close, session)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    user: User
    via: str  # "token" | "session"
    token_id: uuid.UUID | None = None
    token_workspace_id: uuid.UUID | None = None
    # The membership of the route's {workspace_id}, fetched with the token in one query (or None).
    prefetched_for: uuid.UUID | None = None
    prefetched: tuple[Workspace, Membership] | None = None

    @property
    def rate_key(self) -> str:
        return f"t:{self.token_id}" if self.token_id else f"u:{self.user.id}"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiProblem(401, "Authorization header must be 'Bearer <token>'",
                         headers={"WWW-Authenticate": "Bearer"})
    return value.strip()


def _workspace_param(request: Request) -> uuid.UUID | None:
    raw = request.path_params.get("workspace_id")
    try:
        return uuid.UUID(str(raw)) if raw is not None else None
    except ValueError:
        return None  # the path validation answers 422


def get_principal(request: Request, session: DbSession) -> Principal:
    return _principal(request, session)


def _principal(request: Request, session: Session) -> Principal:
    """The caller, resolved once per request (kept on ``request.state``): workspace routes resolve it inside
    their access check (one thread-pool hop for authentication, membership, role and rate limit)."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    token = _bearer(request)
    if token is not None:
        ws_id = _workspace_param(request)
        found = auth_service.resolve_token_for_workspace(session, token, ws_id)
        if found is None:
            raise ApiProblem(401, "the token is unknown, expired or revoked",
                             headers={"WWW-Authenticate": "Bearer"})
        row, user, member = found
        principal = Principal(user=user, via="token", token_id=row.id, token_workspace_id=row.workspace_id,
                              prefetched_for=ws_id, prefetched=member)
    else:
        settings = request.app.state.settings
        cookie = request.cookies.get(sessions.SESSION_COOKIE)
        data = sessions.read_session_cookie(settings.secret_key, cookie, settings.session_max_age_seconds) \
            if cookie else None
        user = session.get(User, data.user_id) if data else None
        if data is None or user is None or not user.is_active:
            raise ApiProblem(401, "authentication required (Bearer token or session cookie)",
                             headers={"WWW-Authenticate": "Bearer"})
        if request.method in UNSAFE_METHODS and not sessions.csrf_ok(
            settings.secret_key, data.sid, request.headers.get(sessions.CSRF_HEADER)
        ):
            raise ApiProblem(403, f"missing or wrong {sessions.CSRF_HEADER} header", title="CSRF check failed")
        principal = Principal(user=user, via="session")
    request.state.user_id = str(principal.user.id)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Workspace
    membership: Membership
    principal: Principal

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.workspace.id

    @property
    def role(self) -> Role:
        return self.membership.role

    @property
    def user(self) -> User:
        return self.principal.user


def enforce_rate_limit(request: Request, klass: str, scopes: dict[str, str]) -> None:
    decision = request.app.state.rate_limiter.check(klass, scopes)
    if decision is not None:
        metrics.RATE_LIMITED.labels(klass=klass).inc()
        raise ApiProblem(
            429, f"rate limit of {decision.limit} {klass} requests exceeded; retry in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )


def require(role: Role, limit: str | None = None):
    """Dependency: the caller is a member of ``{workspace_id}`` with at least ``role``.

    ``limit`` is the rate-limit class (``read`` for GET, ``write`` otherwise, unless given:
    ``expensive`` for recommendation generation and job triggers).
    """

    def dependency(
        request: Request,
        session: DbSession,
        workspace_id: Annotated[uuid.UUID, Path(description="The workspace.")],
    ) -> WorkspaceAccess:
        principal = _principal(request, session)
        not_found = ApiProblem(404, f"workspace {workspace_id} not found")
        if principal.token_workspace_id is not None and principal.token_workspace_id != workspace_id:
            raise not_found
        if principal.prefetched_for == workspace_id:
            found = principal.prefetched
        else:
            found = session.execute(
                sa.select(Workspace, Membership)
                .join(Membership, Membership.workspace_id == Workspace.id)
                .where(Workspace.id == workspace_id, Membership.user_id == principal.user.id)
            ).first()
        if found is None:
            raise not_found
        workspace, membership = found
        klass = limit or ("read" if request.method in ("GET", "HEAD") else "write")
        enforce_rate_limit(request, klass, {"token": principal.rate_key, "workspace": str(workspace.id)})
        if not membership.role.at_least(role):
            raise ApiProblem(403, f"this needs the {role.value} role or higher; yours is {membership.role.value}")
        request.state.workspace_id = str(workspace.id)
        return WorkspaceAccess(workspace=workspace, membership=membership, principal=principal)

    return dependency


# Shorthands for routers: ``access: CanRead``.
CanRead = Annotated[WorkspaceAccess, Depends(require(Role.VIEWER))]
CanWrite = Annotated[WorkspaceAccess, Depends(require(Role.MEMBER))]
CanAdmin = Annotated[WorkspaceAccess, Depends(require(Role.ADMIN))]
CanAdminExpensive = Annotated[WorkspaceAccess, Depends(require(Role.ADMIN, limit="expensive"))]
IsOwner = Annotated[WorkspaceAccess, Depends(require(Role.OWNER))]


def get_cache(request: Request):
    return request.app.state.cache
